import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Audited, NEW_TEMPLATE, TEMPLATE_REF } from '../audit/audited.decorator';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { ApplyTemplateInput, DestroyTemplateInput, PlanTemplateInput } from './dto/template-actions.input';
import { TEMPLATE_DOCUMENT_SCHEMA, TEMPLATE_REPLACEMENT_SCHEMA } from './dto/template-document.schema';
import {
  TemplateDiffQuery,
  TemplateExportQuery,
  TemplateImportQuery,
  TemplatePageQuery,
  TemplateRevisionQuery,
} from './dto/template-query';
import {
  ComposeImportModel,
  DeploymentModel,
  DeploymentPageModel,
  PlanModel,
  TemplateDiffModel,
  TemplateModel,
  TemplatePageModel,
  TemplateRevisionPageModel,
  TemplateStatusModel,
} from './models/template.model';
import { TemplatesService } from './templates.service';

const YAML = 'application/yaml';
const DOCUMENT_MEDIA = ['application/json', YAML];

// An apply or destroy that was not waited for answers 202 with the deployment running.
function accepted(reply: FastifyReply, wait: boolean | undefined): void {
  if (wait === false) void reply.status(202);
}

@ApiTags('templates')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/templates`)
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  @ApiOperation({
    summary: 'List templates, a page at a time, by name',
    description: 'Each at its current revision; `nextCursor` continues the listing.',
  })
  @ApiResponse({ status: 200, type: TemplatePageModel, description: 'A page of templates' })
  @ApiProblems(400)
  @Allow('viewer')
  list(@Query() query: TemplatePageQuery, @CurrentActor() actor: Actor): Promise<TemplatePageModel> {
    return this.templates.list(query, actor);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a template (revision 1)',
    description:
      'The document as JSON, or as YAML with Content-Type: application/yaml. It is validated before it is stored: a 400 TEMPLATE_INVALID lists every problem with its JSON path (`context.problems`). A name used by a deleted template continues its revision numbers.',
  })
  @ApiConsumes(...DOCUMENT_MEDIA)
  @ApiBody({ schema: TEMPLATE_DOCUMENT_SCHEMA })
  @ApiResponse({
    status: 201,
    type: TemplateModel,
    description: 'Stored: the template at revision 1 (or the next of its name)',
  })
  @ApiProblems(400, 409)
  @Allow('operator')
  @Audited({ action: 'template.create', target: NEW_TEMPLATE })
  create(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<TemplateModel> {
    return this.templates.create(body, actor);
  }

  @Post('import')
  @ApiOperation({
    summary: 'Import a compose file as a new template',
    description:
      'The compose file as YAML (Content-Type: application/yaml). Answers the template and every compose field that could not be mapped (`unmapped`): nothing is dropped silently.',
  })
  @ApiConsumes(YAML)
  @ApiBody({ schema: { type: 'string', description: 'A compose file' } })
  @ApiResponse({
    status: 201,
    type: ComposeImportModel,
    description: 'Stored: the template, and what could not be mapped',
  })
  @ApiProblems(400, 409)
  @Allow('operator')
  @Audited({ action: 'template.import', target: TEMPLATE_REF })
  importCompose(
    @Query() query: TemplateImportQuery,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<ComposeImportModel> {
    return this.templates.importCompose(query.name, body, actor);
  }

  @Get(':name')
  @ApiOperation({
    summary: 'A template at its current revision, or at ?revision=N',
    description: 'A revision of a deleted template of the same name is a 404 REVISION_NOT_FOUND.',
  })
  @ApiResponse({ status: 200, type: TemplateModel, description: 'The template' })
  @ApiProblems(404)
  @Allow('viewer')
  get(
    @Param('name') name: string,
    @Query() query: TemplateRevisionQuery,
    @CurrentActor() actor: Actor,
  ): Promise<TemplateModel> {
    return this.templates.get(name, query.revision, actor);
  }

  @Put(':name')
  @ApiOperation({
    summary: 'Replace a template: stores the next revision',
    description:
      "The whole document (JSON, or YAML with Content-Type: application/yaml); `name` may be left out, and if given must be the path's. Older revisions stay readable.",
  })
  @ApiConsumes(...DOCUMENT_MEDIA)
  @ApiBody({ schema: TEMPLATE_REPLACEMENT_SCHEMA })
  @ApiResponse({ status: 200, type: TemplateModel, description: 'Stored: the template at its next revision' })
  @ApiProblems(400, 404, 413, 415)
  @Allow('operator')
  @Audited({ action: 'template.replace', target: TEMPLATE_REF })
  replace(
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<TemplateModel> {
    return this.templates.replace(name, body, actor);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a template',
    description:
      'Its revisions stop being readable. What it deployed stays on the engine until POST /templates/{name}/destroy, which works after the delete.',
  })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiProblems(404)
  @Allow('operator')
  @Audited({ action: 'template.delete', target: TEMPLATE_REF })
  async delete(@Param('name') name: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.templates.delete(name, actor);
  }

  @Get(':name/revisions')
  @ApiOperation({
    summary: "A template's revisions, newest first",
    description: 'Each with when it was stored and by which key.',
  })
  @ApiResponse({ status: 200, type: TemplateRevisionPageModel, description: 'A page of revisions' })
  @ApiProblems(404)
  @Allow('viewer')
  revisions(
    @Param('name') name: string,
    @Query() query: TemplatePageQuery,
    @CurrentActor() actor: Actor,
  ): Promise<TemplateRevisionPageModel> {
    return this.templates.revisions(name, query, actor);
  }

  @Get(':name/diff')
  @ApiOperation({
    summary: 'What changed between two revisions',
    description: 'Each change by JSON path (`$.containers.web.image`), with its old and new value.',
  })
  @ApiResponse({ status: 200, type: TemplateDiffModel, description: 'The changes' })
  @ApiProblems(404)
  @Allow('viewer')
  diff(
    @Param('name') name: string,
    @Query() query: TemplateDiffQuery,
    @CurrentActor() actor: Actor,
  ): Promise<TemplateDiffModel> {
    return this.templates.diff(name, query.from, query.to, actor);
  }

  @Post(':name/plan')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Plan: what an apply would do (changes nothing)',
    description:
      'The actions that make the engine match the revision (create, recreate with the changes, remove, unchanged) and the conflicts: resources with a name of the template that it does not own.',
  })
  @ApiBody({ type: PlanTemplateInput, required: false })
  @ApiResponse({ status: 200, type: PlanModel, description: 'The plan' })
  @ApiProblems(404, 503, 504)
  @Allow('viewer')
  plan(
    @Param('name') name: string,
    @Body() input: PlanTemplateInput,
    @CurrentActor() actor: Actor,
  ): Promise<PlanModel> {
    return this.templates.plan(name, input?.revision, actor);
  }

  @Post(':name/apply')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Apply: make the engine match the revision, then check the expectations',
    description:
      "Answers the finished deployment whatever its status (succeeded, failed, rolled_back), or with `wait: false` a 202 with it running (GET /deployments/{id} follows it). A failed step puts back everything this apply changed. A second apply or destroy while one runs is a 409 TEMPLATE_BUSY; a resource of the template's that it does not own is a 409 RESOURCE_NOT_OWNED.",
  })
  @ApiBody({ type: ApplyTemplateInput, required: false })
  @ApiResponse({ status: 200, type: DeploymentModel, description: 'Finished' })
  @ApiResponse({ status: 202, type: DeploymentModel, description: 'Started (wait: false)' })
  @ApiProblems(404, 409, 503, 504)
  @Allow('operator')
  @Audited({ action: 'template.apply', target: TEMPLATE_REF })
  async apply(
    @Param('name') name: string,
    @Body() input: ApplyTemplateInput,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentModel> {
    const deployment = await this.templates.apply(name, input ?? {}, actor);
    accepted(reply, input?.wait);
    return deployment;
  }

  @Get(':name/status')
  @ApiOperation({
    summary: 'In sync or drifted, and what drifted',
    description:
      'Compares the engine with the last applied revision: containers removed, stopped or changed by hand, networks removed or changed, extra owned resources. Also for a deleted template.',
  })
  @ApiResponse({ status: 200, type: TemplateStatusModel, description: 'The status' })
  @ApiProblems(404, 503, 504)
  @Allow('viewer')
  status(@Param('name') name: string, @CurrentActor() actor: Actor): Promise<TemplateStatusModel> {
    return this.templates.status(name, actor);
  }

  @Post(':name/destroy')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Destroy: remove everything the template deployed',
    description:
      "Every network and container carrying the template's label, and nothing else; also after the template was edited or deleted. Recorded as a deployment of kind destroy (202 with `wait: false`).",
  })
  @ApiBody({ type: DestroyTemplateInput, required: false })
  @ApiResponse({ status: 200, type: DeploymentModel, description: 'Finished' })
  @ApiResponse({ status: 202, type: DeploymentModel, description: 'Started (wait: false)' })
  @ApiProblems(404, 409, 503, 504)
  @Allow('operator')
  @Audited({ action: 'template.destroy', target: TEMPLATE_REF })
  async destroy(
    @Param('name') name: string,
    @Body() input: DestroyTemplateInput,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentModel> {
    const deployment = await this.templates.destroy(name, input ?? {}, actor);
    accepted(reply, input?.wait);
    return deployment;
  }

  @Get(':name/deployments')
  @ApiOperation({
    summary: "A template's applies and destroys, newest first",
    description: 'Also after the template was deleted.',
  })
  @ApiResponse({ status: 200, type: DeploymentPageModel, description: 'A page of deployments' })
  @ApiProblems(404)
  @Allow('viewer')
  deployments(
    @Param('name') name: string,
    @Query() query: TemplatePageQuery,
    @CurrentActor() actor: Actor,
  ): Promise<DeploymentPageModel> {
    return this.templates.deployments(name, query, actor);
  }

  @Get(':name/export')
  @Header('content-type', `${YAML}; charset=utf-8`)
  @ApiOperation({
    summary: 'Export a revision as a compose file',
    description: 'YAML that `docker-compose config` accepts (format=compose, the default and only format).',
  })
  @ApiProduces(YAML)
  @ApiResponse({
    status: 200,
    description: 'The compose file',
    content: { [YAML]: { schema: { type: 'string' } } },
  })
  @ApiProblems(404)
  @Allow('viewer')
  exportCompose(
    @Param('name') name: string,
    @Query() query: TemplateExportQuery,
    @CurrentActor() actor: Actor,
  ): Promise<string> {
    return this.templates.exportCompose(name, query.revision, actor);
  }
}
