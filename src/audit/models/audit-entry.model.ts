import { ObjectType } from '@nestjs/graphql';
import { ApiField } from '../../common/api/api-field';

@ObjectType('AuditTarget')
export class AuditTargetModel {
  @ApiField('string', { optional: true, example: 'network' })
  kind!: string | null;

  @ApiField('string', { optional: true })
  name!: string | null;

  @ApiField('string', { optional: true })
  id!: string | null;
}

@ObjectType('AuditEntry')
export class AuditEntryModel {
  @ApiField('int', { description: 'Position in the chain' })
  id!: number;

  @ApiField('datetime')
  at!: Date;

  @ApiField('string')
  requestId!: string;

  @ApiField('string', { description: "The API key's name, or the client address when no key was involved" })
  actor!: string;

  @ApiField('string', { enum: ['rest', 'graphql'] })
  transport!: string;

  @ApiField('string', { example: 'network.create' })
  action!: string;

  @ApiField('string', {
    enum: ['intent', 'outcome'],
    description: 'intent: stored before the change; outcome: how it ended',
  })
  phase!: string;

  @ApiField('string', { description: 'The same for an intent and its outcome' })
  operationId!: string;

  @ApiField(AuditTargetModel)
  target!: AuditTargetModel;

  @ApiField('json', { optional: true, description: 'The request, secrets redacted' })
  input!: unknown;

  @ApiField('string', {
    optional: true,
    enum: ['succeeded', 'failed', 'denied', 'interrupted'],
    description: 'Null on intents',
  })
  outcome!: string | null;

  @ApiField('string', { optional: true })
  errorCode!: string | null;

  @ApiField('int', { optional: true })
  durationMs!: number | null;

  @ApiField('json', { optional: true, description: 'The target as the engine reported it before the change' })
  before!: unknown;

  @ApiField('json', { optional: true, description: 'The target as the engine reported it after the change' })
  after!: unknown;

  @ApiField('string', { optional: true })
  detail!: string | null;

  @ApiField('string')
  prevHash!: string;

  @ApiField('string')
  hash!: string;
}

@ObjectType('AuditLogPage')
export class AuditLogPageModel {
  @ApiField(AuditEntryModel, { array: true })
  items!: AuditEntryModel[];

  @ApiField('string', { optional: true, description: 'Pass as cursor for the next (older) page' })
  nextCursor!: string | null;
}

@ObjectType('AuditLogEdge')
export class AuditLogEdgeModel {
  @ApiField(AuditEntryModel)
  node!: AuditEntryModel;

  @ApiField('string')
  cursor!: string;
}

@ObjectType('PageInfo')
export class PageInfoModel {
  @ApiField('boolean')
  hasNextPage!: boolean;

  @ApiField('string', { optional: true })
  endCursor!: string | null;
}

@ObjectType('AuditLogConnection')
export class AuditLogConnectionModel {
  @ApiField(AuditLogEdgeModel, { array: true })
  edges!: AuditLogEdgeModel[];

  @ApiField(PageInfoModel)
  pageInfo!: PageInfoModel;
}

@ObjectType('AuditVerification')
export class AuditVerificationModel {
  @ApiField('boolean')
  ok!: boolean;

  @ApiField('int', { description: 'Entries checked' })
  checked!: number;

  @ApiField('int', { optional: true, description: 'The first entry altered, removed or out of order' })
  firstBadId!: number | null;

  @ApiField('string', { optional: true })
  reason!: string | null;
}
