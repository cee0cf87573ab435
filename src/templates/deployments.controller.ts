import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { DeploymentModel } from './models/template.model';
import { TemplatesService } from './templates.service';

@ApiTags('templates')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/deployments`)
export class DeploymentsController {
  constructor(private readonly templates: TemplatesService) {}

  @Get(':id')
  @ApiOperation({
    summary: 'One apply or destroy, with the state of each action',
    description:
      'Readable while it runs (each action pending, running, succeeded, failed, rolled_back or skipped) and after: its status, the expectation results and, when it did not succeed, the error.',
  })
  @ApiResponse({ status: 200, type: DeploymentModel, description: 'The deployment' })
  @ApiProblems(404)
  @Allow('viewer')
  get(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<DeploymentModel> {
    return this.templates.deployment(id, actor);
  }
}
