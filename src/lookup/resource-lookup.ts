import { Inject, Injectable } from '@nestjs/common';
import { mapLimit } from '../common/concurrency/map-limit';
import { DomainError } from '../common/errors/domain-error';
import { resolveReference } from '../common/reference/resolve-reference';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { EngineRejection } from '../engine/engine.errors';
import type { ContainerInfo, ContainerSummary, NetworkInfo } from '../engine/engine.types';

// How many containers we inspect at once (their aliases and argv are not in list answers).
const INSPECT_CONCURRENCY = 8;

export interface ResolvedContainer {
  // The list view carries the engine's status sentence; the inspect view everything else.
  summary: ContainerSummary;
  info: ContainerInfo;
}

// Finds networks and containers by reference: exact name, full id or id prefix.
@Injectable()
export class ResourceLookup {
  constructor(@Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine) {}

  async network(ref: string): Promise<NetworkInfo> {
    const networks = await this.engine.listNetworks();
    return resolveReference(
      ref,
      networks.map((n) => ({ ...n, names: [n.name] })),
      'network',
      'NETWORK_NOT_FOUND',
    );
  }

  async container(ref: string): Promise<ResolvedContainer> {
    const containers = await this.engine.listContainers({ all: true });
    const summary = resolveReference(ref, containers, 'container', 'CONTAINER_NOT_FOUND');
    try {
      return { summary, info: await this.engine.inspectContainer(summary.id) };
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') {
        throw new DomainError('CONTAINER_NOT_FOUND', `Container "${ref}" was removed while the request ran.`);
      }
      throw error;
    }
  }

  // Inspects each container, a few at a time; one removed meanwhile is left out.
  async inspectMany(summaries: readonly ContainerSummary[]): Promise<ResolvedContainer[]> {
    const inspected = await mapLimit(summaries, INSPECT_CONCURRENCY, async (summary) => {
      try {
        return { summary, info: await this.engine.inspectContainer(summary.id) };
      } catch (error) {
        if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return null;
        throw error;
      }
    });
    return inspected.filter((c): c is ResolvedContainer => c !== null);
  }
}
