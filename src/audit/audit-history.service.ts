import { Injectable } from '@nestjs/common';
import { AccessPolicy } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import { ResourceLookup } from '../lookup/resource-lookup';
import { AuditQueryService, readerOf, type AuditPage, type TargetFilter } from './audit-query.service';

// What happened to one network or container: the entries tied to its id (a new resource that
// reuses a name starts with an empty history). A key sees the history of what it may see, and
// of that only the entries of its scope; a resource that is gone is found by admin keys only,
// by the id the log last knew under that name (or by name when no entry knew its id).
@Injectable()
export class AuditHistoryService {
  constructor(
    private readonly query: AuditQueryService,
    private readonly lookup: ResourceLookup,
    private readonly access: AccessPolicy,
  ) {}

  async history(
    kind: 'network' | 'container',
    ref: string,
    page: { limit?: number; cursor?: string },
    actor: Actor,
  ): Promise<AuditPage> {
    return this.query.list({ targetOf: await this.target(kind, ref, actor) }, page, readerOf(actor));
  }

  private async target(kind: 'network' | 'container', ref: string, actor: Actor): Promise<TargetFilter> {
    try {
      if (kind === 'network') {
        const network = await this.lookup.network(ref);
        this.access.assertVisible(actor, this.access.network(network));
        return { kind, id: network.id, name: network.name };
      }
      const { info } = await this.lookup.container(ref);
      this.access.assertVisible(actor, this.access.container(info));
      return { kind, id: info.id, name: info.name };
    } catch (error) {
      const gone =
        error instanceof DomainError &&
        (error.code === 'NETWORK_NOT_FOUND' || error.code === 'CONTAINER_NOT_FOUND');
      if (!gone || actor.role !== 'admin') throw error;
      const id = await this.query.lastIdOf(kind, ref);
      return id ? { kind, id } : { kind, name: ref };
    }
  }
}
