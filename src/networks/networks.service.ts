import { Inject, Injectable, Logger } from '@nestjs/common';
import { mapLimit } from '../common/concurrency/map-limit';
import { Mutex } from '../common/concurrency/mutex';
import { DomainError } from '../common/errors/domain-error';
import { hostInterfaceExists, hostSubnets } from '../common/net/host-interfaces';
import {
  cidrContainsIp,
  cidrsOverlap,
  formatCidr,
  normaliseIp,
  parseCidr,
  parseIp,
  type Cidr,
} from '../common/net/ip';
import { resolveReference } from '../common/reference/resolve-reference';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { EngineRejection } from '../engine/engine.errors';
import type {
  ContainerEndpoint,
  ContainerInfo,
  ContainerSummary,
  NetworkInfo,
  NetworkSpec,
} from '../engine/engine.types';
import type { ConnectContainerInput } from './dto/connect-container.input';
import type { CreateNetworkInput } from './dto/create-network.input';
import type { NetworkFilterInput } from './dto/network-filter.input';
import type { PruneNetworksInput } from './dto/prune-networks.input';
import type { NetworkConnectionModel, NetworkContainerModel, NetworkModel } from './models/network.model';
import { BRIDGE_NAME_OPTION, BUILTIN_NETWORK_NAMES, MANAGED_LABEL, planNetwork } from './network-spec';

// How many containers we inspect at once to read their aliases.
const INSPECT_CONCURRENCY = 8;

// A stopped container's endpoints carry no network id yet, only the network's name.
function endpointOn(container: ContainerInfo, network: NetworkInfo): ContainerEndpoint | undefined {
  return container.endpoints.find((e) =>
    e.networkId ? e.networkId === network.id : e.networkName === network.name,
  );
}

@Injectable()
export class NetworksService {
  private readonly logger = new Logger(NetworksService.name);
  // Name and subnet checks are check-then-act: creates run one at a time in this process, and a
  // check after creating catches writers outside it (the docker CLI, another Switchyard).
  private readonly createLock = new Mutex();

  constructor(@Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine) {}

  async list(filter: NetworkFilterInput = {}): Promise<NetworkModel[]> {
    const [networks, running] = await Promise.all([
      this.engine.listNetworks({
        driver: filter.driver ? [filter.driver] : undefined,
        label: filter.label,
        scope: filter.scope ? [filter.scope] : undefined,
      }),
      this.engine.listContainers(),
    ]);
    const selected = networks.filter((n) => filter.name === undefined || n.name === filter.name);
    selected.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return this.present(selected, running);
  }

  async get(ref: string): Promise<NetworkModel> {
    const [network, running] = await Promise.all([this.resolve(ref), this.engine.listContainers()]);
    const [presented] = await this.present([network], running);
    return presented;
  }

  async create(input: CreateNetworkInput): Promise<NetworkModel> {
    const { spec, subnets } = planNetwork(input);
    if (BUILTIN_NETWORK_NAMES.has(spec.name)) {
      throw new DomainError(
        'BUILTIN_NETWORK',
        `"${spec.name}" is the name of a network Docker creates itself; choose another name.`,
      );
    }
    const id = await this.createLock.run(async () => {
      await this.checkDriverAvailable(spec);
      const existing = await this.engine.listNetworks();
      const taken = existing.find((n) => n.name === spec.name);
      if (taken) throw this.nameTaken(spec.name, taken.id);
      this.checkOverlaps(spec, subnets, existing);
      this.checkBridgeName(spec, existing);
      let createdId: string;
      try {
        createdId = await this.engine.createNetwork(spec);
      } catch (error) {
        throw this.createFailure(error, spec);
      }
      await this.keepOnlyOneWithName(spec.name, createdId);
      return createdId;
    });
    const [network, running] = await Promise.all([
      this.engine.inspectNetwork(id),
      this.engine.listContainers(),
    ]);
    const [presented] = await this.present([network], running);
    return presented;
  }

  async remove(ref: string): Promise<void> {
    const network = await this.resolve(ref);
    this.refuseBuiltIn(network, 'removed');
    const inspected = await this.engine.inspectNetwork(network.id);
    if (inspected.endpoints?.length) throw this.inUse(inspected);
    try {
      await this.engine.removeNetwork(network.id);
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'HAS_ENDPOINTS') {
        throw this.inUse(await this.engine.inspectNetwork(network.id));
      }
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return; // removed meanwhile
      throw this.unexpected(error, `remove network "${network.name}"`);
    }
  }

  async prune(input: PruneNetworksInput = {}): Promise<string[]> {
    const labels = [...(input.labels ?? [])];
    if (!input.all) labels.push(`${MANAGED_LABEL}=true`);
    try {
      return (await this.engine.pruneNetworks(labels)).sort();
    } catch (error) {
      throw this.unexpected(error, 'prune networks');
    }
  }

  async connect(ref: string, input: ConnectContainerInput): Promise<NetworkConnectionModel> {
    const [network, container] = await Promise.all([
      this.resolve(ref),
      this.resolveContainer(input.container),
    ]);
    if (
      network.name === 'host' ||
      network.name === 'none' ||
      network.driver === 'host' ||
      network.driver === 'null'
    ) {
      throw new DomainError(
        'BUILTIN_NETWORK',
        `Containers cannot be connected to the "${network.name}" network; they join it only when created with networkMode ${network.name}.`,
      );
    }
    if (endpointOn(container, network)) {
      throw new DomainError(
        'ALREADY_CONNECTED',
        `Container "${container.name}" is already connected to network "${network.name}".`,
        {
          context: { network: network.name, container: container.name },
        },
      );
    }
    if (input.macAddress) {
      const features = await this.engine.features();
      if (!features.macAddressOnConnect) {
        throw new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          `This engine (API ${features.apiVersion}) ignores a MAC address given on connect; engines honour it from API 1.54. ` +
            'Give the MAC address when the container is created (its first network), or connect without macAddress.',
          { context: { apiVersion: features.apiVersion, requiredApiVersion: '1.54' } },
        );
      }
    }
    const inspected = await this.engine.inspectNetwork(network.id);
    this.checkAddressesFree(inspected, input);

    try {
      await this.engine.connectNetwork(network.id, container.id, {
        ipv4Address: input.ipv4Address,
        ipv6Address: input.ipv6Address,
        macAddress: input.macAddress,
        aliases: input.aliases,
      });
    } catch (error) {
      const stale =
        error instanceof EngineRejection && error.reason !== 'ALREADY_CONNECTED'
          ? await this.undoHalfConnection(network, container.id)
          : false;
      throw this.connectFailure(error, network, container, input, stale);
    }
    return this.verifyConnection(network, container.id, input);
  }

  async disconnect(ref: string, containerRef: string, force = false): Promise<void> {
    const [network, container] = await Promise.all([this.resolve(ref), this.resolveContainer(containerRef)]);
    if (network.name === 'host' || network.name === 'none') {
      throw new DomainError(
        'BUILTIN_NETWORK',
        `A container leaves the "${network.name}" network only by being re-created with another network.`,
      );
    }
    if (!endpointOn(container, network)) {
      throw new DomainError(
        'CONNECTION_NOT_FOUND',
        `Container "${container.name}" is not connected to network "${network.name}".`,
        {
          context: {
            network: network.name,
            container: container.name,
            networks: container.endpoints.map((e) => e.networkName),
          },
        },
      );
    }
    try {
      await this.engine.disconnectNetwork(network.id, container.id, force);
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_CONNECTED') return; // disconnected meanwhile
      throw this.unexpected(error, `disconnect "${container.name}" from "${network.name}"`);
    }
  }

  // --- resolution ---------------------------------------------------------------------------

  async resolve(ref: string): Promise<NetworkInfo> {
    const networks = await this.engine.listNetworks();
    return resolveReference(
      ref,
      networks.map((n) => ({ ...n, names: [n.name] })),
      'network',
      'NETWORK_NOT_FOUND',
    );
  }

  private async resolveContainer(ref: string): Promise<ContainerInfo> {
    const containers = await this.engine.listContainers({ all: true });
    const match = resolveReference(ref, containers, 'container', 'CONTAINER_NOT_FOUND');
    try {
      return await this.engine.inspectContainer(match.id);
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') {
        throw new DomainError('CONTAINER_NOT_FOUND', `Container "${ref}" was removed while the request ran.`);
      }
      throw error;
    }
  }

  // --- presentation -------------------------------------------------------------------------

  isBuiltIn(network: Pick<NetworkInfo, 'name' | 'ingress' | 'labels'>): boolean {
    return (
      network.ingress || (BUILTIN_NETWORK_NAMES.has(network.name) && network.labels[MANAGED_LABEL] !== 'true')
    );
  }

  // Attached containers come from the running containers' own view (one list call, made by the
  // caller alongside its network call) plus an inspect of each attached container for its
  // aliases, which list answers leave out.
  private async present(networks: NetworkInfo[], running: ContainerSummary[]): Promise<NetworkModel[]> {
    if (networks.length === 0) return [];
    const ids = new Set(networks.map((n) => n.id));
    const attached = running.filter((c) => c.endpoints.some((e) => ids.has(e.networkId)));
    const inspected = await mapLimit(attached, INSPECT_CONCURRENCY, (c) => this.inspectOrSummary(c));
    const byNetwork = new Map<string, NetworkContainerModel[]>();
    for (const container of inspected) {
      for (const endpoint of container.endpoints) {
        if (!ids.has(endpoint.networkId)) continue;
        const list = byNetwork.get(endpoint.networkId) ?? [];
        list.push({
          id: container.id,
          name: container.names[0] ?? '',
          ipv4Address: endpoint.ipv4Address,
          ipv6Address: endpoint.ipv6Address,
          macAddress: endpoint.macAddress,
          aliases: endpoint.aliases,
        });
        byNetwork.set(endpoint.networkId, list);
      }
    }
    return networks.map((n) => ({
      id: n.id,
      name: n.name,
      driver: n.driver,
      scope: n.scope,
      internal: n.internal,
      attachable: n.attachable,
      ingress: n.ingress,
      enableIPv6: n.enableIPv6,
      ipam: {
        driver: n.ipam.driver,
        config: n.ipam.config.map((c) => ({
          subnet: c.subnet ?? null,
          gateway: c.gateway ?? null,
          ipRange: c.ipRange ?? null,
          auxAddresses: c.auxAddresses ?? {},
        })),
        options: n.ipam.options,
      },
      options: n.options,
      labels: n.labels,
      createdAt: n.createdAt ? new Date(n.createdAt) : null,
      builtIn: this.isBuiltIn(n),
      containers: (byNetwork.get(n.id) ?? []).sort((a, b) => a.name.localeCompare(b.name)),
    }));
  }

  private async inspectOrSummary(container: ContainerSummary): Promise<ContainerSummary> {
    try {
      return await this.engine.inspectContainer(container.id);
    } catch (error) {
      // Removed between the list and the inspect: report what the list said.
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return container;
      throw error;
    }
  }

  // --- rules --------------------------------------------------------------------------------

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
  }

  private checkOverlaps(spec: NetworkSpec, subnets: Cidr[], existing: NetworkInfo[]): void {
    for (const subnet of subnets) {
      for (const other of existing) {
        for (const config of other.ipam.config) {
          const parsed = config.subnet ? parseCidr(config.subnet) : null;
          if (parsed?.ok && cidrsOverlap(parsed.cidr, subnet)) {
            throw new DomainError(
              'SUBNET_OVERLAP',
              `Subnet ${formatCidr(subnet)} overlaps ${config.subnet} of network "${other.name}"; choose a free subnet.`,
              {
                context: {
                  subnet: formatCidr(subnet),
                  network: other.name,
                  networkId: other.id,
                  networkSubnet: config.subnet,
                },
              },
            );
          }
        }
      }
      // A bridge on the engine's own LAN would cut the host off from it. Macvlan and ipvlan
      // networks share their parent's LAN on purpose.
      if (this.engine.isLocal && spec.driver === 'bridge') {
        const clash = hostSubnets().find((h) => cidrsOverlap(h.cidr, subnet));
        if (clash) {
          throw new DomainError(
            'SUBNET_OVERLAP',
            `Subnet ${formatCidr(subnet)} overlaps ${formatCidr(clash.cidr)} of the host interface ${clash.interfaceName}; ` +
              'a bridge there would shadow the host network. Choose another subnet.',
            {
              context: {
                subnet: formatCidr(subnet),
                hostInterface: clash.interfaceName,
                hostSubnet: formatCidr(clash.cidr),
              },
            },
          );
        }
      }
    }
  }

  // The engine lets a new bridge network take over the Linux bridge of another one (docker0
  // included), which breaks both; it refuses only names of interfaces that are not bridges.
  private checkBridgeName(spec: NetworkSpec, existing: NetworkInfo[]): void {
    const name = spec.options[BRIDGE_NAME_OPTION];
    if (spec.driver !== 'bridge' || !name) return;
    const owner = existing.find(
      (n) => n.driver === 'bridge' && (n.options[BRIDGE_NAME_OPTION] ?? `br-${n.id.slice(0, 12)}`) === name,
    );
    if (owner) {
      throw new DomainError(
        'BRIDGE_NAME_TAKEN',
        `The bridge interface "${name}" belongs to network "${owner.name}"; choose another name.`,
        {
          context: { bridgeName: name, network: owner.name },
        },
      );
    }
    if (this.engine.isLocal && hostInterfaceExists(name)) {
      throw new DomainError(
        'BRIDGE_NAME_TAKEN',
        `An interface named "${name}" already exists on the host; choose another bridge name.`,
        {
          context: { bridgeName: name },
        },
      );
    }
  }

  // Engines before API 1.44 create a second network with a taken name. When that happened, the
  // oldest network keeps the name and every other creator removes its own copy and reports 409.
  private async keepOnlyOneWithName(name: string, createdId: string): Promise<void> {
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
    throw this.nameTaken(name, winner.id);
  }

  private checkAddressesFree(network: NetworkInfo, input: ConnectContainerInput): void {
    const wanted: Array<[string | undefined, 4 | 6]> = [
      [input.ipv4Address, 4],
      [input.ipv6Address, 6],
    ];
    for (const [address, version] of wanted) {
      if (!address) continue;
      const ip = parseIp(address);
      if (!ip) continue;
      const subnets = network.ipam.config
        .map((c) => (c.subnet ? parseCidr(c.subnet) : null))
        .flatMap((p) => (p?.ok && p.cidr.version === version ? [p.cidr] : []));
      if (subnets.length === 0) {
        throw new DomainError(
          'ADDRESS_NOT_ASSIGNABLE',
          `Network "${network.name}" has no IPv${version} subnet, so no IPv${version} address can be chosen on it.`,
          { context: { network: network.name } },
        );
      }
      if (!subnets.some((s) => cidrContainsIp(s, ip))) {
        throw new DomainError(
          'ADDRESS_OUTSIDE_SUBNET',
          `${address} is outside the subnets of network "${network.name}" (${subnets.map(formatCidr).join(', ')}).`,
          { context: { address, network: network.name, subnets: subnets.map(formatCidr) } },
        );
      }
      const gateways = network.ipam.config.map((c) => (c.gateway ? normaliseIp(c.gateway) : null));
      if (gateways.includes(normaliseIp(address))) {
        throw new DomainError('ADDRESS_IN_USE', `${address} is the gateway of network "${network.name}".`, {
          context: { address, network: network.name },
        });
      }
      const holder = (network.endpoints ?? []).find(
        (e) => normaliseIp((version === 4 ? e.ipv4Address : e.ipv6Address) ?? '') === normaliseIp(address),
      );
      if (holder) {
        throw new DomainError(
          'ADDRESS_IN_USE',
          `${address} is already used by container "${holder.containerName}" on network "${network.name}".`,
          { context: { address, network: network.name, container: holder.containerName } },
        );
      }
    }
  }

  // Some engine failures (ipvlan on a kernel that cannot attach it) leave the endpoint recorded
  // on the container although the request failed: take it away so that nothing is half done.
  // Answers true when a stale record is left that only a stop can clear: engine 20.10 refuses to
  // disconnect a running container from a network it never really joined.
  private async undoHalfConnection(network: NetworkInfo, containerId: string): Promise<boolean> {
    try {
      if (!endpointOn(await this.engine.inspectContainer(containerId), network)) return false;
      await this.engine.disconnectNetwork(network.id, containerId, true);
      return false;
    } catch (error) {
      this.logger.warn(
        { err: error, network: network.name, container: containerId },
        'could not undo a failed connection',
      );
      return true;
    }
  }

  // The engine answers 200 to settings it ignores: read back what it applied, and undo the
  // connection rather than report something that is not true.
  private async verifyConnection(
    network: NetworkInfo,
    containerId: string,
    input: ConnectContainerInput,
  ): Promise<NetworkConnectionModel> {
    const container = await this.engine.inspectContainer(containerId);
    const endpoint = endpointOn(container, network);
    const problems: string[] = [];
    if (!endpoint) {
      problems.push('the engine reports no endpoint on the network');
    } else {
      const check = (
        label: string,
        wanted: string | undefined,
        actual: string | null,
        requested: string | null,
      ) => {
        if (!wanted) return;
        const have = container.running ? actual : requested;
        if (normaliseIp(have ?? '') !== normaliseIp(wanted))
          problems.push(`${label} ${wanted} (engine reports ${have ?? 'none'})`);
      };
      check('IPv4 address', input.ipv4Address, endpoint.ipv4Address, endpoint.requestedIpv4Address);
      check('IPv6 address', input.ipv6Address, endpoint.ipv6Address, endpoint.requestedIpv6Address);
      if (
        input.macAddress &&
        container.running &&
        endpoint.macAddress?.toLowerCase() !== input.macAddress.toLowerCase()
      ) {
        problems.push(`MAC address ${input.macAddress} (engine reports ${endpoint.macAddress ?? 'none'})`);
      }
      const missing = (input.aliases ?? []).filter((a) => !endpoint.aliases.includes(a));
      if (missing.length) problems.push(`aliases ${missing.join(', ')}`);
    }
    if (problems.length) {
      await this.engine.disconnectNetwork(network.id, containerId, true).catch((error: unknown) => {
        this.logger.warn(
          { err: error, network: network.name, container: container.name },
          'could not undo connection',
        );
      });
      throw new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The engine accepted the connection of "${container.name}" to "${network.name}" but did not apply: ${problems.join('; ')}. ` +
          'The connection was undone.',
        { context: { network: network.name, container: container.name, notApplied: problems } },
      );
    }
    return {
      network: network.name,
      networkId: network.id,
      container: container.name,
      containerId: container.id,
      ipv4Address: endpoint?.ipv4Address ?? null,
      ipv6Address: endpoint?.ipv6Address ?? null,
      macAddress: endpoint?.macAddress ?? null,
      aliases: endpoint?.aliases ?? [],
    };
  }

  // --- error mapping ------------------------------------------------------------------------

  private refuseBuiltIn(network: NetworkInfo, verb: string): void {
    if (this.isBuiltIn(network)) {
      throw new DomainError(
        'BUILTIN_NETWORK',
        `"${network.name}" is a network Docker creates itself; it cannot be ${verb}.`,
        {
          context: { network: network.name },
        },
      );
    }
  }

  private nameTaken(name: string, existingId: string): DomainError {
    return new DomainError(
      'NETWORK_NAME_TAKEN',
      `A network named "${name}" already exists (id ${existingId.slice(0, 12)}); choose another name.`,
      {
        context: { name, existingId },
      },
    );
  }

  private inUse(network: NetworkInfo): DomainError {
    const containers = (network.endpoints ?? []).map((e) => e.containerName || e.containerId.slice(0, 12));
    return new DomainError(
      'NETWORK_IN_USE',
      `Network "${network.name}" has ${containers.length} attached container(s): ${containers.join(', ')}. ` +
        'Disconnect or remove them first.',
      { context: { network: network.name, containers } },
    );
  }

  private createFailure(error: unknown, spec: NetworkSpec): Error {
    if (!(error instanceof EngineRejection)) return error as Error;
    const engineSaid = `(engine said: ${error.engineMessage})`;
    switch (error.reason) {
      case 'NAME_CONFLICT':
        return new DomainError(
          'NETWORK_NAME_TAKEN',
          `A network named "${spec.name}" already exists; choose another name.`,
        );
      case 'POOL_OVERLAP':
        return new DomainError(
          'SUBNET_OVERLAP',
          `The subnet overlaps a pool the engine already uses ${engineSaid}; choose a free subnet.`,
        );
      case 'POOLS_EXHAUSTED':
        return new DomainError(
          'ADDRESS_POOLS_EXHAUSTED',
          `The engine has no free default address pool left ${engineSaid}. Give the network an explicit ipam.config subnet, or prune unused networks.`,
        );
      case 'PARENT_INTERFACE_NOT_FOUND':
        return new DomainError(
          'PARENT_INTERFACE_NOT_FOUND',
          `The parent interface "${spec.options.parent ?? ''}" does not exist on the engine's host ${engineSaid}. ` +
            'Use an existing interface (see `ip link` on that host); a VLAN parent is written eth1.10 and needs the 8021q module.',
          { context: { parent: spec.options.parent ?? null } },
        );
      case 'DRIVER_NOT_FOUND':
        return new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          `A driver this network needs (network driver "${spec.driver}", IPAM driver "${spec.ipam.driver}") is not installed on this engine ${engineSaid}.`,
          { context: { driver: spec.driver, ipamDriver: spec.ipam.driver } },
        );
      case 'NOT_SWARM_MANAGER':
        return new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          `The "${spec.driver}" driver needs a swarm manager ${engineSaid}. Run \`docker swarm init\` on the engine, then retry.`,
        );
      default:
        return new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          `The engine refused to create network "${spec.name}" with the ${spec.driver} driver ${engineSaid}. ` +
            'This engine or its kernel does not support that configuration.',
          { context: { driver: spec.driver, reason: error.reason } },
        );
    }
  }

  private connectFailure(
    error: unknown,
    network: NetworkInfo,
    container: ContainerInfo,
    input: ConnectContainerInput,
    stale: boolean,
  ): Error {
    if (!(error instanceof EngineRejection)) return error as Error;
    const staleNote = stale
      ? ` The engine kept a stale record of "${network.name}" in the container's settings (the network has no endpoint for it); ` +
        `it would make the next start fail: stop the container, then DELETE /api/v1/networks/${network.name}/connections/${container.name}.`
      : '';
    const engineSaid = `(engine said: ${error.engineMessage})${staleNote}`;
    const subject = `"${container.name}" to "${network.name}"`;
    switch (error.reason) {
      case 'ALREADY_CONNECTED':
      case 'NAME_CONFLICT':
        return new DomainError(
          'ALREADY_CONNECTED',
          `Container "${container.name}" is already connected to network "${network.name}".`,
        );
      case 'ADDRESS_IN_USE':
        return new DomainError(
          'ADDRESS_IN_USE',
          `The requested address is already in use on network "${network.name}" ${engineSaid}.`,
        );
      case 'ADDRESS_OUTSIDE_SUBNET':
        return new DomainError(
          'ADDRESS_OUTSIDE_SUBNET',
          `The requested address is outside the subnets of "${network.name}" ${engineSaid}.`,
        );
      case 'ADDRESS_NOT_ASSIGNABLE':
        return new DomainError(
          'ADDRESS_NOT_ASSIGNABLE',
          `A fixed address can be chosen only on a network created with an explicit subnet, and "${network.name}" has none ${engineSaid}.`,
          { context: { network: network.name, ipv4Address: input.ipv4Address ?? null } },
        );
      case 'NOT_FOUND':
        return new DomainError(
          'CONTAINER_NOT_FOUND',
          `Container "${container.name}" or network "${network.name}" was removed while connecting.`,
        );
      default:
        return new DomainError(
          'UNSUPPORTED_BY_ENGINE',
          `The engine refused to connect ${subject}: the ${network.driver} driver on this engine or kernel does not support it ${engineSaid}`,
          { context: { driver: network.driver, reason: error.reason, staleRecord: stale } },
        );
    }
  }

  private unexpected(error: unknown, what: string): Error {
    if (!(error instanceof EngineRejection)) return error as Error;
    return new DomainError(
      'ENGINE_CONFLICT',
      `The engine refused to ${what} (engine said: ${error.engineMessage}).`,
      {
        context: { reason: error.reason },
      },
    );
  }
}
