import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Audited } from '../audit/audited.decorator';
import { Allow, CurrentActor } from './access.decorators';
import { apiKeyIdPipe } from './api-key-id.pipe';
import { ApiKeysService } from './api-keys.service';
import { CreateApiKeyInput } from './dto/create-api-key.input';
import { ApiKeyModel, CreatedApiKeyModel } from './models/api-key.model';
import type { Actor } from './roles';

@Resolver(() => ApiKeyModel)
export class ApiKeysResolver {
  constructor(private readonly keys: ApiKeysService) {}

  @Query(() => [ApiKeyModel])
  @Allow('admin')
  apiKeys(@CurrentActor() actor: Actor): Promise<ApiKeyModel[]> {
    return this.keys.list(actor);
  }

  @Mutation(() => CreatedApiKeyModel, { nullable: true, description: 'The key is shown only in this answer' })
  @Allow('admin')
  @Audited({ action: 'apikey.create', target: { kind: 'apiKey', refs: ['input.name'] }, snapshots: false })
  createApiKey(
    @Args('input') input: CreateApiKeyInput,
    @CurrentActor() actor: Actor,
  ): Promise<CreatedApiKeyModel> {
    return this.keys.create(input, actor);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Revokes the key; true when done' })
  @Allow('admin')
  @Audited({ action: 'apikey.revoke', target: { kind: 'apiKey', refs: ['id'] }, snapshots: false })
  async revokeApiKey(
    @Args('id', { type: () => ID }, apiKeyIdPipe()) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<boolean> {
    await this.keys.revoke(id, actor);
    return true;
  }
}
