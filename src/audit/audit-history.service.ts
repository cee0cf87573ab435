import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import { ResourceLookup } from '../lookup/resource-lookup';
import { AuditQueryService, readerOf, type AuditPage, type TargetFilter } from './audit-query.service';

// What happened to one network or container: the entries tied to its id (a new resource that
// reuses a name starts with an empty history). A key sees the history of what it may see, and
// of that only the entries of its scope; a resource that is gone is found by admin keys without
// a scope only, by the id the log last knew under that name (or by name when no entry knew its id).
@Injectable()
export class AuditHistoryService {
  constructor(
    private readonly query: AuditQueryService,
    private readonly lookup: ResourceLookup,
  ) {}

  async history(
    kind: 'network' | 'container',
    ref: string,
    page: { limit?: number; cursor?: string; cursorField?: string },
    actor: Actor,
  ): Promise<AuditPage> {
    return this.query.list({ targetOf: await this.target(kind, ref, actor) }, page, readerOf(actor));
  }

  private async target(kind: 'network' | 'container', ref: string, actor: Actor): Promise<TargetFilter> {
    try {
      if (kind === 'network') {
        const network = await this.lookup.network(ref, actor);
        return { kind, id: network.id, name: network.name };
      }
      const { info } = await this.lookup.container(ref, actor);
      return { kind, id: info.id, name: info.name };
    } catch (error) {
      const gone =
        error instanceof DomainError &&
        (error.code === 'NETWORK_NOT_FOUND' || error.code === 'CONTAINER_NOT_FOUND');
      // Not for a scoped admin key: to it, a resource of another scope is "not found" too, and
      // its history by name would show it.
      const unscoped = Object.keys(actor.scope).length === 0;
      if (!gone || actor.role !== 'admin' || !unscoped) throw error;
      const id = await this.query.lastIdOf(kind, ref);
      return id ? { kind, id } : { kind, name: ref };
    }
  }
}
