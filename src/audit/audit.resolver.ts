import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import { CURSOR_PATTERN } from '../common/paging/page-cursor';
import { AuditHistoryService } from './audit-history.service';
import { AuditQueryService, readerOf, type AuditPage } from './audit-query.service';
import { AuditFilterInput } from './dto/audit-filter.input';
import { AuditLogConnectionModel, AuditVerificationModel } from './models/audit-entry.model';

function connection(page: AuditPage): AuditLogConnectionModel {
  return {
    edges: page.items.map((node) => ({
      node,
      cursor: page.cursorOf ? page.cursorOf(node.id) : String(node.id),
    })),
    pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
  };
}

function paging(
  first?: number | null,
  after?: string | null,
): { limit?: number; cursor?: string; cursorField: string } {
  const errors = [];
  if (first !== undefined && first !== null && (first < 1 || first > 500))
    errors.push({ field: 'first', message: 'first must be from 1 to 500' });
  if (after !== undefined && after !== null && !CURSOR_PATTERN.test(after))
    errors.push({ field: 'after', message: 'after must be the endCursor of a previous page' });
  if (errors.length) throw DomainError.validation(errors);
  return { limit: first ?? undefined, cursor: after ?? undefined, cursorField: 'after' };
}

@Resolver()
export class AuditResolver {
  constructor(
    private readonly query: AuditQueryService,
    private readonly history: AuditHistoryService,
  ) {}

  @Query(() => AuditLogConnectionModel, { description: 'The audit log, newest first' })
  @Allow('admin')
  async auditLogs(
    @CurrentActor() actor: Actor,
    @Args('filter', { type: () => AuditFilterInput, nullable: true }) filter?: AuditFilterInput,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<AuditLogConnectionModel> {
    return connection(await this.query.list(filter ?? {}, paging(first, after), readerOf(actor)));
  }

  @Query(() => AuditVerificationModel, { description: 'Check the whole hash chain' })
  @Allow('admin')
  verifyAuditLog(): Promise<AuditVerificationModel> {
    return this.query.verify();
  }

  @Query(() => AuditLogConnectionModel, { description: 'What happened to a network, newest first' })
  @Allow('viewer')
  async networkHistory(
    @Args('ref') ref: string,
    @CurrentActor() actor: Actor,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<AuditLogConnectionModel> {
    return connection(await this.history.history('network', ref, paging(first, after), actor));
  }

  @Query(() => AuditLogConnectionModel, { description: 'What happened to a container, newest first' })
  @Allow('viewer')
  async containerHistory(
    @Args('ref') ref: string,
    @CurrentActor() actor: Actor,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<AuditLogConnectionModel> {
    return connection(await this.history.history('container', ref, paging(first, after), actor));
  }
}
