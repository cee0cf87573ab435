import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Audited } from '../audit/audited.decorator';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { Allow, CurrentActor } from './access.decorators';
import { apiKeyIdPipe } from './api-key-id.pipe';
import { ApiKeysService } from './api-keys.service';
import { CreateApiKeyInput } from './dto/create-api-key.input';
import { ApiKeyListModel, CreatedApiKeyModel } from './models/api-key.model';
import type { Actor } from './roles';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/api-keys`)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Allow('admin')
  @ApiOperation({
    summary: 'Create an API key (the key is shown only in this answer)',
    description:
      'A role (viewer, operator, admin), an optional label scope and expiry. Only a hash is stored.',
  })
  @ApiResponse({ status: 201, type: CreatedApiKeyModel })
  @ApiProblems(400, 401, 403, 409)
  @Audited({ action: 'apikey.create', target: { kind: 'apiKey', refs: ['input.name'] }, snapshots: false })
  create(@Body() input: CreateApiKeyInput, @CurrentActor() actor: Actor): Promise<CreatedApiKeyModel> {
    return this.keys.create(input, actor);
  }

  @Get()
  @Allow('admin')
  @ApiOperation({
    summary: 'List API keys (never the keys themselves)',
    description: 'Every key with its role, scope, prefix, last use and revocation time.',
  })
  @ApiResponse({ status: 200, type: ApiKeyListModel })
  @ApiProblems(401, 403)
  async list(@CurrentActor() actor: Actor): Promise<ApiKeyListModel> {
    return { items: await this.keys.list(actor) };
  }

  @Delete(':id')
  @HttpCode(204)
  @Allow('admin')
  @ApiOperation({
    summary: 'Revoke an API key: it stops working at once',
    description: 'By the key id (a UUID, as listed); a malformed id is a 400.',
  })
  @ApiParam({
    name: 'id',
    description: 'The id of the key (not the key itself)',
    schema: { type: 'string', format: 'uuid' },
  })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiProblems(400, 401, 403, 404)
  @Audited({ action: 'apikey.revoke', target: { kind: 'apiKey', refs: ['id'] }, snapshots: false })
  async revoke(@Param('id', apiKeyIdPipe()) id: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.keys.revoke(id, actor);
  }
}
