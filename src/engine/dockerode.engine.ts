import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import { DomainError } from '../common/errors/domain-error';
import type { ContainerEngine } from './engine.port';
import { EngineRejection } from './engine.errors';
import type { EngineConnection } from './engine-connection';
import { classifyEngineError, isTransportError } from './engine-error.classifier';
import { compareApiVersions, featuresFor, MAX_API_VERSION, MIN_API_VERSION } from './api-version';
import type {
  ContainerEndpoint,
  ContainerInfo,
  ContainerListFilter,
  ContainerSummary,
  EndpointSpec,
  EngineFeatures,
  EngineInfo,
  EngineVersion,
  IpamConfigSpec,
  NetworkEndpoint,
  NetworkFilter,
  NetworkInfo,
  NetworkSpec,
  StringMap,
} from './engine.types';

// The engine's JSON, as far as we read it. Kept local: nothing outside this file sees it.
interface RawIpamConfig {
  Subnet?: string;
  Gateway?: string;
  IPRange?: string;
  AuxiliaryAddresses?: StringMap | null;
}
interface RawNetwork {
  Id: string;
  Name: string;
  Created?: string;
  Scope?: string;
  Driver?: string;
  EnableIPv6?: boolean;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  IPAM?: { Driver?: string; Config?: RawIpamConfig[] | null; Options?: StringMap | null } | null;
  Options?: StringMap | null;
  Labels?: StringMap | null;
  Containers?: Record<
    string,
    { Name?: string; EndpointID?: string; MacAddress?: string; IPv4Address?: string; IPv6Address?: string }
  > | null;
}
interface RawInfo {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
  Plugins?: { Network?: string[] | null };
}
interface RawEndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Aliases?: string[] | null;
  NetworkID?: string;
  EndpointID?: string;
  IPAddress?: string;
  GlobalIPv6Address?: string;
  MacAddress?: string;
}
interface RawContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  State?: string;
  Labels?: StringMap | null;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, RawEndpointSettings> | null };
}
interface RawContainerInspect {
  Id: string;
  Name?: string;
  Created?: string;
  State?: { Status?: string; Running?: boolean };
  Config?: { Image?: string; Labels?: StringMap | null; MacAddress?: string };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, RawEndpointSettings> | null };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function emptyToNull(value: string | undefined | null): string | null {
  return value ? value : null;
}

// Network inspect reports `10.0.0.2/24`; we report plain addresses.
function stripPrefix(value: string | undefined): string | null {
  if (!value) return null;
  const slash = value.indexOf('/');
  return slash >= 0 ? value.slice(0, slash) : value;
}

function timeOrNull(value: string | undefined): string | null {
  if (!value || value.startsWith(ZERO_TIME.slice(0, 4))) return null;
  return value;
}

// dockerode's typings overload every method with callbacks; the
// calls here go through this loose view and their answers are read as the raw types above.
type Call = (options?: object) => Promise<unknown>;
interface LooseDocker {
  modem: { version?: string };
  version: Call;
  info: Call;
  ping: Call;
  listNetworks: Call;
  listContainers: Call;
  createNetwork: (options: object) => Promise<{ id: string }>;
  pruneNetworks: Call;
  getNetwork(id: string): { inspect: Call; remove: Call; connect: Call; disconnect: Call };
  getContainer(id: string): { inspect: Call };
}

export class DockerodeEngine implements ContainerEngine {
  private readonly logger = new Logger('DockerEngine');
  private readonly docker: LooseDocker;
  private negotiation: Promise<EngineVersion> | null = null;
  // Identical reads in flight at once share one engine call ("single flight"), but only while no
  // change went through this adapter since that call began: a caller always sees its own writes.
  private readonly inflight = new Map<string, { generation: number; promise: Promise<unknown> }>();
  private generation = 0;

  readonly endpoint: string;
  readonly isLocal: boolean;

  constructor(
    private readonly connection: EngineConnection,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = connection.endpoint;
    this.isLocal = connection.kind === 'unix';
    this.docker = new Docker({
      ...(connection.kind === 'unix'
        ? { socketPath: connection.socketPath }
        : {
            host: connection.host,
            port: connection.port,
            protocol: connection.kind,
            ca: connection.tls?.ca,
            cert: connection.tls?.cert,
            key: connection.tls?.key,
          }),
      // No agent of our own: docker-modem util.inspect()s each request's options in full, agent
      // and its sockets included, which costs milliseconds per call. Node's global agents keep
      // connections alive already.
      // Drops a request whose socket stays silent past the deadline (the caller has its answer by then).
      timeout: timeoutMs + 1000,
    }) as unknown as LooseDocker;
  }

  // Runs one engine call under a deadline and translates whatever goes wrong. The modem's socket
  // timeout drops the request itself.
  private async call<T>(op: string, fn: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new DomainError(
            'ENGINE_TIMEOUT',
            `The Docker engine at ${this.endpoint} did not answer "${op}" within ${timeoutMs} ms. ` +
              'A change may still complete on the engine: check its state before retrying.',
            { context: { operation: op, timeoutMs } },
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (error) {
      throw this.translate(op, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private translate(op: string, error: unknown): Error {
    if (error instanceof DomainError || error instanceof EngineRejection) return error;
    if (isTransportError(error)) {
      // The engine may come back as another version: negotiate again next time.
      this.negotiation = null;
      const code = (error as NodeJS.ErrnoException).code;
      const hint =
        code === 'EACCES'
          ? 'permission denied on the socket: run Switchyard as a user allowed to use it'
          : 'start the engine or point DOCKER_HOST at a running one';
      return new DomainError(
        'ENGINE_UNAVAILABLE',
        `The Docker engine at ${this.endpoint} is unreachable (${code ?? 'connection failed'}): ${hint}.`,
        { context: { operation: op } },
      );
    }
    const rejection = classifyEngineError(error);
    if (rejection) return rejection;
    this.logger.error({ err: error, op }, 'unexpected engine client failure');
    return new DomainError(
      'ENGINE_UNAVAILABLE',
      `The Docker engine at ${this.endpoint} gave an unreadable answer.`,
    );
  }

  private negotiated(): Promise<EngineVersion> {
    if (!this.negotiation) {
      const attempt = this.negotiate();
      this.negotiation = attempt;
      attempt.catch(() => {
        if (this.negotiation === attempt) this.negotiation = null;
      });
    }
    return this.negotiation;
  }

  private async negotiate(): Promise<EngineVersion> {
    // Unversioned call: the engine answers with its own newest API version.
    this.docker.modem.version = undefined;
    const raw = await this.call(
      'version',
      () =>
        this.docker.version() as Promise<{
          Version: string;
          ApiVersion: string;
          MinAPIVersion?: string;
          Os: string;
          Arch: string;
        }>,
    );
    const apiVersion = raw.ApiVersion;
    const negotiatedApiVersion =
      compareApiVersions(apiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : apiVersion;
    if (compareApiVersions(negotiatedApiVersion, MIN_API_VERSION) < 0) {
      throw new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The Docker engine at ${this.endpoint} speaks API ${apiVersion}; Switchyard needs ${MIN_API_VERSION} or newer (Docker 20.10+).`,
      );
    }
    this.docker.modem.version = `v${negotiatedApiVersion}`;
    const version: EngineVersion = {
      version: raw.Version,
      apiVersion,
      negotiatedApiVersion,
      minApiVersion: raw.MinAPIVersion ?? MIN_API_VERSION,
      os: raw.Os,
      arch: raw.Arch,
    };
    this.logger.log(
      `engine ${version.version} at ${this.endpoint}, API ${apiVersion}, speaking ${negotiatedApiVersion}`,
    );
    return version;
  }

  // Every call except ping goes through here so that the API version is fixed first.
  private async versioned<T>(op: string, fn: () => Promise<T>): Promise<T> {
    await this.negotiated();
    return this.call(op, fn);
  }

  private read<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const current = this.inflight.get(key);
    if (current && current.generation === this.generation) return current.promise as Promise<T>;
    const entry = { generation: this.generation, promise: fn() as Promise<unknown> };
    this.inflight.set(key, entry);
    const forget = () => {
      if (this.inflight.get(key) === entry) this.inflight.delete(key);
    };
    entry.promise.then(forget, forget);
    return entry.promise as Promise<T>;
  }

  private async mutate<T>(op: string, fn: () => Promise<T>): Promise<T> {
    this.generation++;
    try {
      return await this.versioned(op, fn);
    } finally {
      this.generation++;
    }
  }

  async ping(timeoutMs = 2000): Promise<void> {
    await this.call('ping', () => this.docker.ping(), timeoutMs);
  }

  version(): Promise<EngineVersion> {
    return this.negotiated();
  }

  async features(): Promise<EngineFeatures> {
    return featuresFor((await this.negotiated()).negotiatedApiVersion);
  }

  info(): Promise<EngineInfo> {
    return this.read('info', async () => {
      const raw = await this.versioned('info', () => this.docker.info() as Promise<RawInfo>);
      return {
        id: raw.ID ?? '',
        name: raw.Name ?? '',
        serverVersion: raw.ServerVersion ?? '',
        swarm: {
          localNodeState: raw.Swarm?.LocalNodeState ?? 'inactive',
          isManager: raw.Swarm?.ControlAvailable === true,
        },
        networkDrivers: raw.Plugins?.Network ?? [],
      };
    });
  }

  listNetworks(filter: NetworkFilter = {}): Promise<NetworkInfo[]> {
    const filters: Record<string, string[]> = {};
    if (filter.driver?.length) filters.driver = filter.driver;
    if (filter.label?.length) filters.label = filter.label;
    if (filter.scope?.length) filters.scope = filter.scope;
    const query = JSON.stringify(filters);
    return this.read(`network.list ${query}`, async () => {
      const raw = await this.versioned(
        'network.list',
        () => this.docker.listNetworks({ filters: query }) as Promise<RawNetwork[]>,
      );
      return raw.map((n) => this.toNetwork(n, false));
    });
  }

  inspectNetwork(id: string): Promise<NetworkInfo> {
    return this.read(`network.inspect ${id}`, async () => {
      const raw = await this.versioned(
        'network.inspect',
        () => this.docker.getNetwork(id).inspect() as Promise<RawNetwork>,
      );
      return this.toNetwork(raw, true);
    });
  }

  async createNetwork(spec: NetworkSpec): Promise<string> {
    const body = {
      Name: spec.name,
      // Deprecated and ignored from API 1.44; before that it asks the engine to refuse a taken name,
      // which it does only on a best-effort basis (the service re-checks after creating).
      CheckDuplicate: true,
      Driver: spec.driver,
      Internal: spec.internal,
      Attachable: spec.attachable,
      EnableIPv6: spec.enableIPv6,
      IPAM: {
        Driver: spec.ipam.driver,
        Config: spec.ipam.config.map((c) => ({
          ...(c.subnet ? { Subnet: c.subnet } : {}),
          ...(c.gateway ? { Gateway: c.gateway } : {}),
          ...(c.ipRange ? { IPRange: c.ipRange } : {}),
          ...(c.auxAddresses && Object.keys(c.auxAddresses).length
            ? { AuxiliaryAddresses: c.auxAddresses }
            : {}),
        })),
        Options: spec.ipam.options,
      },
      Options: spec.options,
      Labels: spec.labels,
    };
    const network = await this.mutate('network.create', () => this.docker.createNetwork({ ...body }));
    return network.id;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.mutate('network.remove', () => this.docker.getNetwork(id).remove());
  }

  async pruneNetworks(labelFilters: string[]): Promise<string[]> {
    const filters = labelFilters.length ? { label: labelFilters } : {};
    const raw = await this.mutate(
      'network.prune',
      () =>
        this.docker.pruneNetworks({ filters: JSON.stringify(filters) }) as Promise<{
          NetworksDeleted?: string[] | null;
        }>,
    );
    return raw.NetworksDeleted ?? [];
  }

  async connectNetwork(networkId: string, containerId: string, endpoint: EndpointSpec): Promise<void> {
    const ipam: Record<string, string> = {};
    if (endpoint.ipv4Address) ipam.IPv4Address = endpoint.ipv4Address;
    if (endpoint.ipv6Address) ipam.IPv6Address = endpoint.ipv6Address;
    const body = {
      Container: containerId,
      EndpointConfig: {
        ...(Object.keys(ipam).length ? { IPAMConfig: ipam } : {}),
        ...(endpoint.aliases?.length ? { Aliases: endpoint.aliases } : {}),
        ...(endpoint.macAddress ? { MacAddress: endpoint.macAddress } : {}),
      },
    };
    await this.mutate('network.connect', () => this.docker.getNetwork(networkId).connect({ ...body }));
  }

  async disconnectNetwork(networkId: string, containerId: string, force: boolean): Promise<void> {
    await this.mutate('network.disconnect', () =>
      this.docker.getNetwork(networkId).disconnect({ Container: containerId, Force: force }),
    );
  }

  listContainers(filter: ContainerListFilter = {}): Promise<ContainerSummary[]> {
    const filters: Record<string, string[]> = {};
    if (filter.label?.length) filters.label = filter.label;
    if (filter.network?.length) filters.network = filter.network;
    const all = filter.all === true;
    const query = JSON.stringify(filters);
    return this.read(`container.list ${all} ${query}`, () => this.listContainersNow(all, query));
  }

  private async listContainersNow(all: boolean, filters: string): Promise<ContainerSummary[]> {
    const raw = await this.versioned(
      'container.list',
      () => this.docker.listContainers({ all, filters }) as Promise<RawContainerSummary[]>,
    );
    return raw.map((c) => ({
      id: c.Id,
      names: (c.Names ?? []).map((n) => n.replace(/^\//, '')),
      image: c.Image ?? '',
      state: c.State ?? 'unknown',
      labels: c.Labels ?? {},
      networkMode: c.HostConfig?.NetworkMode ?? '',
      endpoints: this.toContainerEndpoints(c.NetworkSettings?.Networks),
    }));
  }

  inspectContainer(id: string): Promise<ContainerInfo> {
    return this.read(`container.inspect ${id}`, () => this.inspectContainerNow(id));
  }

  private async inspectContainerNow(id: string): Promise<ContainerInfo> {
    const raw = await this.versioned(
      'container.inspect',
      () => this.docker.getContainer(id).inspect() as Promise<RawContainerInspect>,
    );
    const name = (raw.Name ?? '').replace(/^\//, '');
    return {
      id: raw.Id,
      name,
      names: [name],
      image: raw.Config?.Image ?? '',
      state: raw.State?.Status ?? 'unknown',
      running: raw.State?.Running === true,
      createdAt: timeOrNull(raw.Created),
      labels: raw.Config?.Labels ?? {},
      networkMode: raw.HostConfig?.NetworkMode ?? '',
      configMacAddress: emptyToNull(raw.Config?.MacAddress),
      endpoints: this.toContainerEndpoints(raw.NetworkSettings?.Networks),
    };
  }

  private toNetwork(n: RawNetwork, inspected: boolean): NetworkInfo {
    const config: IpamConfigSpec[] = (n.IPAM?.Config ?? []).map((c) => ({
      ...(c.Subnet ? { subnet: c.Subnet } : {}),
      ...(c.Gateway ? { gateway: c.Gateway } : {}),
      ...(c.IPRange ? { ipRange: c.IPRange } : {}),
      ...(c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length
        ? { auxAddresses: c.AuxiliaryAddresses }
        : {}),
    }));
    const info: NetworkInfo = {
      id: n.Id,
      name: n.Name,
      driver: n.Driver ?? '',
      scope: n.Scope ?? 'local',
      internal: n.Internal === true,
      attachable: n.Attachable === true,
      ingress: n.Ingress === true,
      configOnly: n.ConfigOnly === true,
      enableIPv6: n.EnableIPv6 === true,
      ipam: { driver: n.IPAM?.Driver ?? 'default', config, options: n.IPAM?.Options ?? {} },
      options: n.Options ?? {},
      labels: n.Labels ?? {},
      createdAt: timeOrNull(n.Created),
    };
    if (inspected) {
      // Swarm adds load-balancer endpoints (`lb-<network>`) that are not containers.
      info.endpoints = Object.entries(n.Containers ?? {})
        .filter(([id]) => /^[0-9a-f]{64}$/.test(id))
        .map(([id, c]): NetworkEndpoint => ({
          containerId: id,
          containerName: c.Name ?? '',
          endpointId: c.EndpointID ?? '',
          ipv4Address: stripPrefix(c.IPv4Address),
          ipv6Address: stripPrefix(c.IPv6Address),
          macAddress: emptyToNull(c.MacAddress),
        }));
    }
    return info;
  }

  private toContainerEndpoints(
    networks: Record<string, RawEndpointSettings> | null | undefined,
  ): ContainerEndpoint[] {
    return Object.entries(networks ?? {}).map(([networkName, e]) => ({
      networkName,
      networkId: e.NetworkID ?? '',
      endpointId: e.EndpointID ?? '',
      ipv4Address: emptyToNull(e.IPAddress),
      ipv6Address: emptyToNull(e.GlobalIPv6Address),
      macAddress: emptyToNull(e.MacAddress),
      aliases: e.Aliases ?? [],
      requestedIpv4Address: emptyToNull(e.IPAMConfig?.IPv4Address),
      requestedIpv6Address: emptyToNull(e.IPAMConfig?.IPv6Address),
    }));
  }
}
