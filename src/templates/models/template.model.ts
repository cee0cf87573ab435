import { ObjectType } from '@nestjs/graphql';
import { ApiField } from '../../common/api/api-field';

// The shapes both transports answer with (REST through OpenAPI, GraphQL code-first), from one
// set of decorators. The service answers the plain types of template.types.ts; these describe them.
// Times are ISO 8601 strings (as stored): GraphQL's DateTime scalar serialises only Date objects.

@ObjectType('Template', { description: 'A stored template at one revision' })
export class TemplateModel {
  @ApiField('string', { example: 'lab' })
  name!: string;

  @ApiField('int', { example: 1, description: 'This revision (the current one unless asked for another)' })
  revision!: number;

  @ApiField('string', { optional: true, example: 'A web container and its database on two networks' })
  description!: string | null;

  @ApiField('stringMap', { description: 'Put on every network and container of the template' })
  labels!: Record<string, string>;

  @ApiField('json', { description: 'The template document as stored (validated), including its name' })
  document!: unknown;

  @ApiField('string', {
    description: 'When the template (this life of its name) was created (ISO 8601, UTC)',
  })
  createdAt!: string;

  @ApiField('string', { description: 'When this revision was stored (ISO 8601, UTC)' })
  updatedAt!: string;
}

@ObjectType('TemplatePage')
export class TemplatePageModel {
  @ApiField(TemplateModel, { array: true })
  items!: TemplateModel[];

  @ApiField('string', {
    optional: true,
    description: 'Send it as `cursor` for the next page; null at the end',
  })
  nextCursor!: string | null;
}

@ObjectType('TemplateRevision')
export class TemplateRevisionModel {
  @ApiField('int', { example: 2 })
  revision!: number;

  @ApiField('string', { description: 'ISO 8601, UTC' })
  createdAt!: string;

  @ApiField('string', { description: 'The name of the API key that stored it' })
  actor!: string;
}

@ObjectType('TemplateRevisionPage')
export class TemplateRevisionPageModel {
  @ApiField(TemplateRevisionModel, { array: true, description: 'Newest first' })
  items!: TemplateRevisionModel[];

  @ApiField('string', {
    optional: true,
    description: 'Send it as `cursor` for the next page; null at the end',
  })
  nextCursor!: string | null;
}

@ObjectType('Change', { description: 'One difference, by JSON path' })
export class ChangeModel {
  @ApiField('string', { example: '$.containers.web.image' })
  path!: string;

  @ApiField('json', { optional: true, description: 'The old value (null when it was not set)' })
  from!: unknown;

  @ApiField('json', { optional: true, description: 'The new value (null when it is not set)' })
  to!: unknown;
}

@ObjectType('TemplateDiff')
export class TemplateDiffModel {
  @ApiField('string')
  template!: string;

  @ApiField('int')
  from!: number;

  @ApiField('int')
  to!: number;

  @ApiField(ChangeModel, { array: true })
  changes!: ChangeModel[];
}

export const ACTION_VERBS = ['create', 'recreate', 'remove', 'unchanged'] as const;
export const RESOURCE_KINDS = ['network', 'container'] as const;

@ObjectType('PlanAction')
export class PlanActionModel {
  @ApiField('string', { enum: ACTION_VERBS, enumName: 'TemplateActionVerb' })
  action!: string;

  @ApiField('string', { enum: RESOURCE_KINDS, enumName: 'TemplateResourceKind' })
  kind!: string;

  @ApiField('string', { description: 'The engine name of the network or container' })
  name!: string;

  @ApiField('string', { optional: true, description: 'Why it is recreated or removed' })
  reason!: string | null;

  @ApiField(ChangeModel, { array: true, description: 'What differs (recreate)' })
  changes!: ChangeModel[];
}

@ObjectType('PlanConflict', {
  description: 'A resource with a name of the template that the template does not own: never touched',
})
export class PlanConflictModel {
  @ApiField('string', { enum: RESOURCE_KINDS, enumName: 'TemplateResourceKind' })
  kind!: string;

  @ApiField('string')
  name!: string;

  @ApiField('string')
  reason!: string;
}

@ObjectType('Plan', { description: 'What an apply of the revision would do; nothing is changed' })
export class PlanModel {
  @ApiField('string')
  template!: string;

  @ApiField('int')
  revision!: number;

  @ApiField(PlanActionModel, { array: true })
  actions!: PlanActionModel[];

  @ApiField(PlanConflictModel, { array: true })
  conflicts!: PlanConflictModel[];
}

export const DEPLOYMENT_KINDS = ['apply', 'destroy'] as const;
export const DEPLOYMENT_STATUSES = ['running', 'succeeded', 'failed', 'rolled_back', 'interrupted'] as const;
export const ACTION_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'rolled_back',
  'skipped',
] as const;

@ObjectType('DeploymentAction')
export class DeploymentActionModel {
  @ApiField('string', { enum: ACTION_VERBS, enumName: 'TemplateActionVerb' })
  action!: string;

  @ApiField('string', { enum: RESOURCE_KINDS, enumName: 'TemplateResourceKind' })
  kind!: string;

  @ApiField('string')
  name!: string;

  @ApiField('string', { enum: ACTION_STATUSES, enumName: 'DeploymentActionStatus' })
  status!: string;

  @ApiField('int', { optional: true })
  durationMs!: number | null;

  @ApiField('string', { optional: true })
  error!: string | null;
}

@ObjectType('TemplateError', { description: 'A code of the error catalogue and what happened' })
export class TemplateErrorModel {
  @ApiField('string', { example: 'EXPECTATIONS_FAILED' })
  code!: string;

  @ApiField('string')
  message!: string;
}

@ObjectType('ExpectationResult')
export class ExpectationResultModel {
  @ApiField('string')
  from!: string;

  @ApiField('string')
  to!: string;

  @ApiField('boolean', { description: 'What the check observed: whether `from` reached `to`' })
  reachable!: boolean;

  @ApiField('boolean', { description: 'Whether what was observed is what the template expects' })
  passed!: boolean;

  @ApiField(TemplateErrorModel, { optional: true, description: 'Why the outcome differs (null when passed)' })
  diagnosis!: TemplateErrorModel | null;
}

@ObjectType('Deployment', { description: 'One apply or destroy of a template' })
export class DeploymentModel {
  @ApiField('string')
  id!: string;

  @ApiField('string')
  template!: string;

  @ApiField('int', {
    optional: true,
    description:
      'Apply: the revision applied. Destroy: the newest revision label among the resources it removed (null when there was nothing to remove)',
  })
  revision!: number | null;

  @ApiField('string', { enum: DEPLOYMENT_KINDS, enumName: 'DeploymentKind' })
  kind!: string;

  @ApiField('string', { enum: DEPLOYMENT_STATUSES, enumName: 'DeploymentStatus' })
  status!: string;

  @ApiField(DeploymentActionModel, { array: true })
  actions!: DeploymentActionModel[];

  @ApiField(ExpectationResultModel, { array: true })
  expectations!: ExpectationResultModel[];

  @ApiField('string', { description: 'The name of the API key that started it' })
  actor!: string;

  @ApiField('string', { description: 'ISO 8601, UTC' })
  startedAt!: string;

  @ApiField('string', { optional: true, description: 'ISO 8601, UTC; null while it runs' })
  finishedAt!: string | null;

  @ApiField(TemplateErrorModel, { optional: true })
  error!: TemplateErrorModel | null;
}

@ObjectType('DeploymentPage')
export class DeploymentPageModel {
  @ApiField(DeploymentModel, { array: true, description: 'Newest first' })
  items!: DeploymentModel[];

  @ApiField('string', {
    optional: true,
    description: 'Send it as `cursor` for the next page; null at the end',
  })
  nextCursor!: string | null;
}

@ObjectType('DriftItem')
export class DriftItemModel {
  @ApiField('string', { enum: RESOURCE_KINDS, enumName: 'TemplateResourceKind' })
  kind!: string;

  @ApiField('string')
  name!: string;

  @ApiField('string', { example: 'stopped' })
  reason!: string;
}

@ObjectType('TemplateStatus')
export class TemplateStatusModel {
  @ApiField('string')
  template!: string;

  @ApiField('boolean', {
    description:
      'A revision of the template was applied (and not destroyed since), or something it owns is on the engine',
  })
  deployed!: boolean;

  @ApiField('int', {
    optional: true,
    description:
      'The revision the engine is compared with: that of the last apply whose actions all completed (succeeded, or failed only on expectations) and that no destroy undid; null when none',
  })
  revision!: number | null;

  @ApiField('int', {
    optional: true,
    description:
      'The current revision of the template (null once it is deleted); newer than `revision` when a change is not applied yet (plan shows it)',
  })
  latestRevision!: number | null;

  @ApiField('boolean', { description: 'The engine matches `revision`: no drift' })
  inSync!: boolean;

  @ApiField(DriftItemModel, { array: true })
  drift!: DriftItemModel[];
}

@ObjectType('UnmappedField', { description: 'A compose field that has no place in a template' })
export class UnmappedFieldModel {
  @ApiField('string', { example: '$.services.web.ports' })
  path!: string;

  @ApiField('string')
  reason!: string;
}

@ObjectType('ComposeImport')
export class ComposeImportModel {
  @ApiField(TemplateModel)
  template!: TemplateModel;

  @ApiField(UnmappedFieldModel, { array: true })
  unmapped!: UnmappedFieldModel[];
}
