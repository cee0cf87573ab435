import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { ResourceLookup } from '../lookup/resource-lookup';

export interface Snapshot {
  kind: 'network' | 'container';
  id: string;
  name: string;
  // Its labels: what decides which scopes see the entries about it.
  labels: Record<string, string>;
  // The network or container as the engine reported it.
  state: unknown;
}

export const isEngineKind = (kind: string | null | undefined): kind is 'network' | 'container' =>
  kind === 'network' || kind === 'container';

// The state of a network or container at one moment, for the audit log; null when it does not
// exist (or cannot be read: the entry says so by the absence).
@Injectable()
export class AuditSnapshots {
  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
  ) {}

  async take(kind: 'network' | 'container', ref: string): Promise<Snapshot | null> {
    try {
      if (kind === 'network') {
        const network = await this.engine.inspectNetwork((await this.lookup.network(ref)).id);
        return { kind, id: network.id, name: network.name, labels: network.labels, state: network };
      }
      const { info } = await this.lookup.container(ref);
      return { kind, id: info.id, name: info.name, labels: info.labels, state: info };
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  // Which resource a reference names right now, for entries that keep no snapshot (refusals,
  // failures before the engine): never throws, since the entry must be written either way.
  async identify(kind: 'network' | 'container', ref: string): Promise<Snapshot | null> {
    return this.take(kind, ref).catch(() => null);
  }
}
