import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Audited, NEW_TEMPLATE, TEMPLATE_REF } from '../audit/audited.decorator';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { JsonScalar } from '../common/graphql/json.scalar';
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

const optionalInt = (description: string) => ({ type: () => Int, nullable: true, description });
const LIMIT = optionalInt('Page size, 1-100 (default 50)');
const CURSOR = { type: () => String, nullable: true, description: 'nextCursor of the previous page' };

// The same service calls as the REST routes, one each.
@Resolver(() => TemplateModel)
export class TemplatesResolver {
  constructor(private readonly service: TemplatesService) {}

  @Query(() => TemplatePageModel, { description: 'Templates by name, a page at a time' })
  @Allow('viewer')
  templates(
    @CurrentActor() actor: Actor,
    @Args('limit', LIMIT) limit?: number,
    @Args('cursor', CURSOR) cursor?: string,
  ): Promise<TemplatePageModel> {
    return this.service.list({ limit, cursor }, actor);
  }

  @Query(() => TemplateModel, { description: 'A template at its current revision, or at `revision`' })
  @Allow('viewer')
  template(
    @Args('name') name: string,
    @CurrentActor() actor: Actor,
    @Args('revision', optionalInt('Default: the current revision')) revision?: number,
  ): Promise<TemplateModel> {
    return this.service.get(name, revision, actor, 'graphql');
  }

  @Query(() => TemplateRevisionPageModel, { description: "A template's revisions, newest first" })
  @Allow('viewer')
  templateRevisions(
    @Args('name') name: string,
    @CurrentActor() actor: Actor,
    @Args('limit', LIMIT) limit?: number,
    @Args('cursor', CURSOR) cursor?: string,
  ): Promise<TemplateRevisionPageModel> {
    return this.service.revisions(name, { limit, cursor }, actor, 'graphql');
  }

  @Query(() => TemplateDiffModel, { description: 'What changed between two revisions, by JSON path' })
  @Allow('viewer')
  templateDiff(
    @Args('name') name: string,
    @Args('from', { type: () => Int }) from: number,
    @Args('to', { type: () => Int }) to: number,
    @CurrentActor() actor: Actor,
  ): Promise<TemplateDiffModel> {
    return this.service.diff(name, from, to, actor, 'graphql');
  }

  @Query(() => PlanModel, { description: 'What an apply of the revision would do (changes nothing)' })
  @Allow('viewer')
  planTemplate(
    @Args('name') name: string,
    @CurrentActor() actor: Actor,
    @Args('revision', optionalInt('Default: the current revision')) revision?: number,
  ): Promise<PlanModel> {
    return this.service.plan(name, revision, actor, 'graphql');
  }

  @Query(() => TemplateStatusModel, { description: 'In sync or drifted, and what drifted' })
  @Allow('viewer')
  templateStatus(@Args('name') name: string, @CurrentActor() actor: Actor): Promise<TemplateStatusModel> {
    return this.service.status(name, actor, 'graphql');
  }

  @Query(() => DeploymentPageModel, { description: "A template's applies and destroys, newest first" })
  @Allow('viewer')
  deployments(
    @Args('template') template: string,
    @CurrentActor() actor: Actor,
    @Args('limit', LIMIT) limit?: number,
    @Args('cursor', CURSOR) cursor?: string,
  ): Promise<DeploymentPageModel> {
    return this.service.deployments(template, { limit, cursor }, actor, 'graphql');
  }

  @Query(() => DeploymentModel, { description: 'One apply or destroy, with the state of each action' })
  @Allow('viewer')
  deployment(@Args('id') id: string, @CurrentActor() actor: Actor): Promise<DeploymentModel> {
    return this.service.deployment(id, actor);
  }

  @Query(() => String, { description: 'A revision as a compose file (YAML)' })
  @Allow('viewer')
  exportCompose(
    @Args('name') name: string,
    @CurrentActor() actor: Actor,
    @Args('revision', optionalInt('Default: the current revision')) revision?: number,
  ): Promise<string> {
    return this.service.exportCompose(name, revision, actor, 'graphql');
  }

  @Mutation(() => TemplateModel, { nullable: true, description: 'Stores a new template (validated first)' })
  @Allow('operator')
  @Audited({ action: 'template.create', target: NEW_TEMPLATE })
  createTemplate(
    @Args('document', { type: () => JsonScalar }) document: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<TemplateModel> {
    return this.service.create(document, actor, 'graphql');
  }

  @Mutation(() => TemplateModel, { nullable: true, description: 'Stores the next revision' })
  @Allow('operator')
  @Audited({ action: 'template.replace', target: TEMPLATE_REF })
  replaceTemplate(
    @Args('name') name: string,
    @Args('document', { type: () => JsonScalar }) document: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<TemplateModel> {
    return this.service.replace(name, document, actor, 'graphql');
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Deletes the template (what it deployed stays until destroyed); true when done',
  })
  @Allow('operator')
  @Audited({ action: 'template.delete', target: TEMPLATE_REF })
  async deleteTemplate(@Args('name') name: string, @CurrentActor() actor: Actor): Promise<boolean> {
    await this.service.delete(name, actor, 'graphql');
    return true;
  }

  @Mutation(() => DeploymentModel, {
    nullable: true,
    description: 'Applies the revision; with wait false answers at once with the deployment running',
  })
  @Allow('operator')
  @Audited({ action: 'template.apply', target: TEMPLATE_REF })
  applyTemplate(
    @Args('name') name: string,
    @CurrentActor() actor: Actor,
    @Args('revision', optionalInt('Default: the current revision')) revision?: number,
    @Args('wait', { type: () => Boolean, nullable: true, description: 'Default true' }) wait?: boolean,
  ): Promise<DeploymentModel> {
    return this.service.apply(name, { revision, wait }, actor, 'graphql');
  }

  @Mutation(() => DeploymentModel, {
    nullable: true,
    description: "Removes everything carrying the template's label (also after a delete)",
  })
  @Allow('operator')
  @Audited({ action: 'template.destroy', target: TEMPLATE_REF })
  destroyTemplate(
    @Args('name') name: string,
    @CurrentActor() actor: Actor,
    @Args('wait', { type: () => Boolean, nullable: true, description: 'Default true' }) wait?: boolean,
  ): Promise<DeploymentModel> {
    return this.service.destroy(name, { wait }, actor, 'graphql');
  }

  @Mutation(() => ComposeImportModel, {
    nullable: true,
    description: 'Stores a compose file (YAML) as a new template, listing what could not be mapped',
  })
  @Allow('operator')
  @Audited({ action: 'template.import', target: TEMPLATE_REF })
  importCompose(
    @Args('name') name: string,
    @Args('compose') compose: string,
    @CurrentActor() actor: Actor,
  ): Promise<ComposeImportModel> {
    return this.service.importCompose(name, compose, actor, 'graphql');
  }
}
