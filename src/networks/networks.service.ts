import { Inject, Injectable, Logger } from '@nestjs/common';
import { Mutex } from '../common/concurrency/mutex';
import { DomainError } from '../common/errors/domain-error';
import { AccessPolicy } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { EngineRejection } from '../engine/engine.errors';
import type { ContainerSummary, NetworkInfo, NetworkSpec } from '../engine/engine.types';
import type { CreateNetworkInput } from './dto/create-network.input';
import type { NetworkFilterInput } from './dto/network-filter.input';
import type { PruneNetworksInput } from './dto/prune-networks.input';
import type { NetworkModel } from './models/network.model';
import { assertBridgeNameFree, assertNoSubnetOverlap, assertParentFree } from './network-conflicts';
import { createFailure, engineRefused, inUse, nameTaken, usedByContainers } from './network-errors';
import { networkUsers } from './network-users';
import { isBuiltIn, refuseBuiltIn } from '../lookup/network-facts';
import { ResourceLookup } from '../lookup/resource-lookup';
import { CreateClaims } from './network-claims';
import { NetworkPresenter } from './network-presenter';
import { NetworkListAnswer, NetworkListCache } from './network-list-cache';
import { planNetwork } from './network-spec';
import { MANAGED_LABEL } from '../common/labels';
import { BUILTIN_NETWORK_NAMES } from '../lookup/network-facts';
import { AppConfig } from '../config/app-config';
import { ApiKeysService } from '../auth/api-keys.service';
import { parseCidr, type Cidr } from '../common/net/ip';
import { describePools, parseNetworkPools, poolProblems, type PoolRange } from '../common/net/pools';
import { Operations } from '../common/operation-context';
import { InstanceIdentity } from '../instance/instance-identity';

@Injectable()
export class NetworksService {
  private readonly logger = new Logger(NetworksService.name);
  // Name and subnet checks are check-then-act: creates that could collide run one at a time in
  // this process, and a check after creating catches writers outside it (the docker CLI, another
  // Switchyard).
  private readonly createClaims = new CreateClaims();
  private readonly pruneLock = new Mutex();
  private readonly listCache = new NetworkListCache();

  private readonly pools: Cidr[];

  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
    private readonly presenter: NetworkPresenter,
    private readonly access: AccessPolicy,
    private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
    private readonly instance: InstanceIdentity,
  ) {
    this.pools = parseNetworkPools(config.NETWORK_POOLS).pools;
  }

  async list(filter: NetworkFilterInput, actor: Actor): Promise<NetworkModel[]> {
    return (await this.listAnswer(filter, actor)).items;
  }

  // The list with its REST serialisation. While the read model serves reads, an answer is kept
  // for as long as the model's version stays the same (same filter, same role and scope).
  async listAnswer(filter: NetworkFilterInput, actor: Actor): Promise<NetworkListAnswer> {
    const version = this.engine.readVersion ? await this.engine.readVersion() : null;
    const compute = async () => new NetworkListAnswer(await this.presentList(filter, actor));
    if (version === null) return compute();
    return this.listCache.answer(version, filter, actor, compute);
  }

  private async presentList(filter: NetworkFilterInput, actor: Actor): Promise<NetworkModel[]> {
    const [networks, running] = await Promise.all([
      this.engine.listNetworks({
        driver: filter.driver ? [filter.driver] : undefined,
        label: filter.label,
        scope: filter.scope ? [filter.scope] : undefined,
      }),
      this.engine.listContainers(),
    ]);
    const selected = networks.filter(
      (n) =>
        (filter.name === undefined || n.name === filter.name) &&
        this.access.canSee(actor, this.access.network(n)),
    );
    selected.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return this.presenter.present(selected, this.visible(running, actor));
  }

  async get(ref: string, actor: Actor): Promise<NetworkModel> {
    const [network, running] = await Promise.all([
      this.lookup.network(ref, actor),
      this.engine.listContainers(),
    ]);
    const [presented] = await this.presenter.present([network], this.visible(running, actor));
    return presented;
  }

  // A network the key sees (the default bridge, for one) may have members of other scopes:
  // those are not the key's to see.
  private visible(containers: ContainerSummary[], actor: Actor): ContainerSummary[] {
    return containers.filter((c) => this.access.canSee(actor, this.access.container(c)));
  }

  async create(input: CreateNetworkInput, actor: Actor): Promise<NetworkModel> {
    if (input.driver === 'macvlan' || input.driver === 'ipvlan') {
      this.access.assertAdmin(
        actor,
        'parent-interface',
        `A ${input.driver} network (it attaches to a host interface)`,
      );
    }
    const scopeLabelKeys = Object.keys(actor.scope).length ? await this.keys.scopeLabelKeys() : undefined;
    const { spec, subnets } = planNetwork({
      ...input,
      labels: this.access.labelsFor(actor, input.labels, scopeLabelKeys),
    });
    spec.labels = this.instance.stamp(spec.labels);
    this.checkPools(spec, actor);
    if (BUILTIN_NETWORK_NAMES.has(spec.name)) {
      throw new DomainError(
        'BUILTIN_NETWORK',
        `"${spec.name}" is the name of a network Docker creates itself; choose another name.`,
      );
    }
    // Conflicts with networks outside the key's scope are told without their names or ids.
    const canSee = (n: NetworkInfo) => this.access.canSee(actor, this.access.network(n));
    // Checked before claiming: a create the engine cannot do must not keep others waiting.
    await this.checkDriverAvailable(spec);
    const id = await this.createClaims.run({ spec, subnets }, async () => {
      const existing = await this.engine.listNetworks();
      const taken = existing.find((n) => n.name === spec.name);
      if (taken) throw nameTaken(spec.name, canSee(taken) ? taken.id : null);
      const host = this.engine.hostNetwork();
      assertNoSubnetOverlap(spec, subnets, existing, host, canSee);
      assertBridgeNameFree(spec, existing, host, canSee);
      assertParentFree(spec, existing);
      let createdId: string;
      try {
        createdId = await this.engine.createNetwork(spec);
      } catch (error) {
        throw createFailure(error, spec, host);
      }
      await this.keepOnlyOneWithName(spec.name, createdId, canSee);
      return createdId;
    });
    const [network, running] = await Promise.all([
      this.engine.inspectNetwork(id),
      this.engine.listContainers(),
    ]);
    const [presented] = await this.presenter.present([network], this.visible(running, actor));
    return presented;
  }

  async remove(ref: string, actor: Actor): Promise<void> {
    const network = await this.lookup.network(ref, actor);
    refuseBuiltIn(network, 'removed');
    this.access.assertChangeable(actor, this.access.network(network));
    this.access.assertMayAlterNetwork(actor, network, 'Removing');
    const inspected = await this.engine.inspectNetwork(network.id);
    if (inspected.endpoints?.length) throw inUse(inspected, await this.lookup.containerVisibility(actor));
    // The engine counts only running endpoints: a stopped or created container that refers to the
    // network could never start again once it is gone.
    const users = networkUsers(inspected, await this.engine.listContainers({ all: true }));
    if (users.length) throw usedByContainers(inspected, users, await this.lookup.containerVisibility(actor));
    try {
      await this.engine.removeNetwork(network.id);
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'HAS_ENDPOINTS') {
        const [again, canSee] = await Promise.all([
          this.engine.inspectNetwork(network.id),
          this.lookup.containerVisibility(actor),
        ]);
        throw inUse(again, canSee);
      }
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return; // removed meanwhile
      throw engineRefused(error, `remove network "${network.name}"`);
    }
  }

  // Without `all`, only the unused networks this instance created (its instance label): never
  // those of another Switchyard on the same engine, nor those made outside Switchyard. `all`
  // removes every unused network on the engine (never Docker's own), so it needs an unscoped admin
  // key. Unused: no container in any state refers to it (see networkUsers).
  async prune(input: PruneNetworksInput, actor: Actor): Promise<string[]> {
    const scoped = Object.keys(actor.scope).length > 0;
    if (input.all && (actor.role !== 'admin' || scoped)) {
      const article = /^[aeiou]/.test(actor.role) ? 'an' : 'a';
      const key = `${article} ${actor.role} key${scoped ? ' scoped to labels' : ''}`;
      throw new DomainError(
        'FORBIDDEN',
        `Pruning every unused network on the engine (all: true), including those of other Switchyard instances ` +
          `and those made outside Switchyard, needs an unscoped admin key; the key "${actor.name}" is ${key}. ` +
          'Leave out all to prune only the unused networks this instance created.',
        { context: { requiredRole: 'admin', role: actor.role, scoped } },
      );
    }
    const labels = [...(input.labels ?? []), ...this.access.labelFilters(actor)];
    if (!input.all) labels.push(`${MANAGED_LABEL}=true`, this.instance.label);
    // Prunes run one at a time in this process. The engine's own prune is not used: it counts
    // only running endpoints and would remove networks that stopped or created containers use.
    return this.pruneLock.run(() => this.pruneUnused(labels, actor.role === 'admin'));
  }

  // The unused networks that match are removed one by one, leaving out Docker's own, those on a
  // host interface below admin (admin only), and every network a container in any state refers
  // to. A network joined, referred to or removed meanwhile is skipped.
  private async pruneUnused(labels: string[], admin: boolean): Promise<string[]> {
    // A prune is recorded even when it finds nothing to remove (a destructive call asked for).
    await Operations.current()?.beforeChange('network.prune');
    const candidates = (await this.engine.listNetworks({ label: labels })).filter(
      (n) => !isBuiltIn(n) && (admin || !this.access.hostLevelNetwork(n)),
    );
    if (candidates.length === 0) return [];
    const removed: string[] = [];
    for (const network of candidates) {
      try {
        if ((await this.engine.inspectNetwork(network.id)).endpoints?.length) continue;
        // Listed again for each network, so that a container created meanwhile is seen.
        if (networkUsers(network, await this.engine.listContainers({ all: true })).length) continue;
        await this.engine.removeNetwork(network.id);
        removed.push(network.name);
      } catch (error) {
        // Joined or removed meanwhile: not this prune's to remove.
        const skip =
          error instanceof EngineRejection && ['HAS_ENDPOINTS', 'NOT_FOUND'].includes(error.reason);
        if (!skip) throw engineRefused(error, `prune network "${network.name}"`);
      }
    }
    return removed.sort();
  }

  // Keys other than admin keys choose subnets and ranges only inside NETWORK_POOLS and off the
  // host's own subnets, so that no key can capture traffic for someone else's addresses. A
  // network without a subnet gets one from the engine's own pools (private ranges by default).
  // Admin keys may go outside; the audit entry says so.
  private checkPools(spec: NetworkSpec, actor: Actor): void {
    const ranges: PoolRange[] = spec.ipam.config.flatMap((config, i) =>
      (['subnet', 'ipRange'] as const).flatMap((field) => {
        const parsed = config[field] ? parseCidr(config[field]) : null;
        return parsed?.ok ? [{ field: `ipam.config.${i}.${field}`, cidr: parsed.cidr }] : [];
      }),
    );
    if (ranges.length === 0) return;
    const problems = poolProblems(ranges, this.pools, this.engine.hostNetwork()?.subnets ?? []);
    if (problems.length === 0) return;
    if (actor.role === 'admin') {
      Operations.current()?.note?.(
        `An admin key asked for ranges beyond the pools of other keys: ${problems.join('; ')}.`,
      );
      return;
    }
    throw new DomainError(
      'POLICY_VIOLATION',
      `Only an admin key may create a network outside the address pools (policy rule "network-pools"): ${problems.join('; ')}. ` +
        'Choose a subnet inside the pools, or leave the subnet out and the engine picks a free one.',
      { context: { rule: 'network-pools', problems, pools: describePools(this.pools) } },
    );
  }

  private async checkDriverAvailable(spec: NetworkSpec): Promise<void> {
    const info = await this.engine.info();
    if (spec.driver === 'overlay') {
      if (info.swarm.localNodeState !== 'active') {
        throw new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          `Overlay networks need swarm mode, and this engine is not in a swarm (state: ${info.swarm.localNodeState}). ` +
            'Run `docker swarm init` on the engine (or join it to a swarm as a manager), then retry.',
          { context: { driver: 'overlay', swarmState: info.swarm.localNodeState } },
        );
      }
      if (!info.swarm.isManager) {
        throw new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          'Overlay networks are created on a swarm manager, and this engine is a worker. Point Switchyard at a manager.',
          { context: { driver: 'overlay' } },
        );
      }
    }
    if (info.networkDrivers.length && !info.networkDrivers.includes(spec.driver)) {
      throw new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The network driver "${spec.driver}" is not available on this engine (available: ${info.networkDrivers.join(', ')}). ` +
          'Install the driver plugin on the engine or choose an available driver.',
        { context: { driver: spec.driver, available: info.networkDrivers } },
      );
    }
    this.checkIpamDriverAvailable(spec, info.ipamDrivers);
  }

  // The engine looks for an IPAM plugin it does not have for about 15 seconds before it fails:
  // a driver it does not report is refused at once.
  private checkIpamDriverAvailable(spec: NetworkSpec, available: string[] | undefined): void {
    const wanted = spec.ipam.driver;
    if (!available || available.some((name) => name === wanted || name === `${wanted}:latest`)) return;
    throw new DomainError(
      'UNSUPPORTED_BY_ENGINE',
      `The IPAM driver "${wanted}" is not available on this engine (available: ${available.join(', ')}). ` +
        'Leave ipam.driver out for the default one, or install and enable the IPAM plugin on the engine.',
      { context: { ipamDriver: wanted, available } },
    );
  }

  // Engines before API 1.44 create a second network with a taken name. When that happened, the
  // oldest network keeps the name and every other creator removes its own copy and reports 409.
  private async keepOnlyOneWithName(
    name: string,
    createdId: string,
    canSee: (n: NetworkInfo) => boolean,
  ): Promise<void> {
    const same = (await this.engine.listNetworks()).filter((n) => n.name === name);
    if (same.length <= 1) return;
    same.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id));
    const winner = same[0];
    if (winner.id === createdId) return;
    try {
      await this.engine.removeNetwork(createdId);
    } catch (error) {
      this.logger.warn({ err: error, network: name, id: createdId }, 'could not remove duplicate network');
    }
    throw nameTaken(name, canSee(winner) ? winner.id : null);
  }
}
