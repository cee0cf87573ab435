import { Inject, Injectable, Optional } from '@nestjs/common';
import { AccessPolicy } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import { mapLimit } from '../common/concurrency/map-limit';
import { DomainError } from '../common/errors/domain-error';
import { resolveReference } from '../common/reference/resolve-reference';
import { ENGINE_DIRECT } from '../engine/engine-direct';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { EngineRejection } from '../engine/engine.errors';
import type { ContainerEndpoint, ContainerInfo, ContainerSummary, NetworkInfo } from '../engine/engine.types';

// How many containers we inspect at once (their aliases and argv are not in list answers).
const INSPECT_CONCURRENCY = 8;

export interface ResolvedContainer {
  // The list view carries the engine's status sentence; the inspect view everything else.
  summary: ContainerSummary;
  info: ContainerInfo;
}

// Which endpoints a key may see; `exists`, where given, tells whether a network (name or id) is
// still on the engine.
export type EndpointVisibility = ((endpoint: ContainerEndpoint) => boolean) & {
  exists?: (ref: string) => boolean;
};

// Finds networks and containers by reference: exact name, full id or id prefix. Given the
// actor, only what its key may see is a candidate: something outside the scope is not found, and
// an id prefix is ambiguous only among what the key sees. Without one (internal use, by id),
// everything is.
@Injectable()
export class ResourceLookup {
  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly access: AccessPolicy,
    // The engine itself, behind the read model (absent or the same object without one).
    @Optional() @Inject(ENGINE_DIRECT) private readonly direct?: ContainerEngine,
  ) {}

  async network(ref: string, actor?: Actor): Promise<NetworkInfo> {
    return this.retryAtEngine('NETWORK_NOT_FOUND', async (engine) => {
      const networks = await engine.listNetworks();
      const candidates = actor
        ? networks.filter((n) => this.access.canSee(actor, this.access.network(n)))
        : networks;
      return resolveReference(
        ref,
        candidates.map((n) => ({ ...n, names: [n.name] })),
        'network',
        'NETWORK_NOT_FOUND',
      );
    });
  }

  async container(ref: string, actor?: Actor): Promise<ResolvedContainer> {
    const summary = await this.retryAtEngine('CONTAINER_NOT_FOUND', async (engine) => {
      const containers = await engine.listContainers({ all: true });
      const candidates = actor
        ? containers.filter((c) => this.access.canSee(actor, this.access.container(c)))
        : containers;
      return resolveReference(ref, candidates, 'container', 'CONTAINER_NOT_FOUND');
    });
    try {
      return { summary, info: await this.engine.inspectContainer(summary.id) };
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') {
        throw new DomainError('CONTAINER_NOT_FOUND', `Container "${ref}" was removed while the request ran.`);
      }
      throw error;
    }
  }

  // A reference not found in the read model's lists is looked up once more at the engine: it may
  // have been created there a moment ago, its event not applied yet.
  private async retryAtEngine<T>(code: string, find: (engine: ContainerEngine) => Promise<T>): Promise<T> {
    try {
      return await find(this.engine);
    } catch (error) {
      if (
        !(error instanceof DomainError) ||
        error.code !== code ||
        !this.direct ||
        this.direct === this.engine
      ) {
        throw error;
      }
      return find(this.direct);
    }
  }

  // Which endpoints of a container the key may see: those on networks in its scope (the
  // built-ins included). A stopped container's endpoint is known by the network's name only.
  async endpointVisibility(actor: Actor): Promise<EndpointVisibility> {
    if (this.access.unscoped(actor)) return () => true;
    const all = await this.engine.listNetworks();
    const visible = all.filter((n) => this.access.canSee(actor, this.access.network(n)));
    const ids = new Set(visible.map((n) => n.id));
    const names = new Set(visible.map((n) => n.name));
    const existing = new Set(all.flatMap((n) => [n.id, n.name]));
    // `exists` tells a network that is gone from one outside the key's scope.
    return Object.assign(
      (e: ContainerEndpoint) => (e.networkId ? ids.has(e.networkId) : names.has(e.networkName)),
      {
        exists: (ref: string) => existing.has(ref),
      },
    );
  }

  // Which container ids the key may see (for lists that carry ids only, such as a network's
  // endpoints).
  async containerVisibility(actor: Actor): Promise<(containerId: string) => boolean> {
    if (this.access.unscoped(actor)) return () => true;
    const visible = (await this.engine.listContainers({ all: true }))
      .filter((c) => this.access.canSee(actor, this.access.container(c)))
      .map((c) => c.id);
    const ids = new Set(visible);
    return (id) => ids.has(id);
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
