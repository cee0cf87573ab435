import type { HostNetwork } from '../../src/common/net/host-interfaces';
import { Operations } from '../../src/common/operation-context';
import { compareApiVersions, featuresFor, MAX_API_VERSION } from '../../src/engine/api-version';
import type { ContainerEngine } from '../../src/engine/engine.port';
import type {
  ContainerInfo,
  ContainerListFilter,
  ContainerSpec,
  ContainerSummary,
  EndpointSpec,
  EngineFeatures,
  EngineInfo,
  EngineVersion,
  ExecLimits,
  ExecResult,
  ExecSpec,
  ImageInfo,
  LogLine,
  LogAnswer,
  LogQuery,
  NetworkFilter,
  NetworkInfo,
  NetworkSpec,
  ProbeSpec,
  StringMap,
  SwarmState,
} from '../../src/engine/engine.types';
import type { ExecHandler } from './memory-engine/busybox';
import { addBuiltInNetworks } from './memory-engine/builtins';
import { ContainerLifecycle, endpointRecord } from './memory-engine/containers';
import { NetworkRules } from './memory-engine/networks';
import { InstrumentedEngine } from './memory-engine/instrumentation';
import type { DefaultPool } from './memory-engine/ipam';
import {
  BUSYBOX_IMAGE,
  DEFAULT_NETWORK_DRIVERS,
  DEFAULT_SWARM,
  hostNetworkOf,
  type MemoryImage,
  NOPING_IMAGE,
} from './memory-engine/model';
import { refuse } from './memory-engine/refusals';
import { EngineState } from './memory-engine/state';

export { BUSYBOX_IMAGE, hostNetworkOf, NOPING_IMAGE, type MemoryImage } from './memory-engine/model';
export type { ExecContext, ExecHandler, ExecOutcome } from './memory-engine/busybox';
export { CHANGES, type EngineCall, type EngineOperation } from './memory-engine/instrumentation';

export interface MemoryEngineOptions {
  // The engine's newest API version; features come from the real featuresFor (default 1.45,
  // Docker 26.1).
  apiVersion?: string;
  serverVersion?: string;
  swarm?: SwarmState;
  // The network of the engine's host: its interfaces (macvlan parents) and their subnets.
  host?: HostNetwork;
  // A remote engine: hostNetwork() answers null (Switchyard cannot look at that host).
  remote?: boolean;
  images?: MemoryImage[];
  networkDrivers?: string[];
  // Where networks without a subnet get one (Docker's default-address-pools).
  addressPools?: DefaultPool[];
  // Names the host's resolver knows, and where they point.
  externalHosts?: Record<string, string>;
  execHandler?: ExecHandler;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function matchesLabels(labels: StringMap, filters: string[] | undefined): boolean {
  return (filters ?? []).every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

// An in-memory Docker engine behind the engine port: networks with IPAM, containers with their
// endpoints, refusals worded like the real engine's (classified by the adapter's own classifier),
// and commands simulated from the model. Tests read its state, its call log, and make calls fail.
export class MemoryEngine extends InstrumentedEngine implements ContainerEngine {
  readonly endpoint = 'memory://engine';
  private readonly state: EngineState;
  private readonly lifecycle: ContainerLifecycle;
  private readonly networks: NetworkRules;
  private apiVersionValue: string;
  private readonly swarm: SwarmState;
  private readonly host: HostNetwork;
  private readonly drivers: string[];
  private readonly pools: DefaultPool[];
  private pruning = false;
  execHandler: ExecHandler;

  constructor(private readonly options: MemoryEngineOptions = {}) {
    super();
    this.apiVersionValue = options.apiVersion ?? '1.45';
    this.swarm = options.swarm ?? DEFAULT_SWARM;
    this.host = options.host ?? hostNetworkOf({ eth0: '10.0.2.15/24' });
    this.drivers = options.networkDrivers ?? DEFAULT_NETWORK_DRIVERS;
    this.pools = options.addressPools ?? [{ base: '172.18.0.0/15', size: 24 }];
    this.execHandler = options.execHandler ?? ((context, simulate) => simulate(context));
    this.state = new EngineState(
      () => this.negotiated(),
      options.images ?? [BUSYBOX_IMAGE, NOPING_IMAGE],
      this.host,
      options.externalHosts ?? {},
    );
    this.lifecycle = new ContainerLifecycle(
      this.state,
      () => featuresFor(this.negotiated()),
      () => this.execHandler,
    );
    this.networks = new NetworkRules(
      this.state,
      { swarm: this.swarm, host: this.host, drivers: this.drivers, pools: this.pools },
      () => featuresFor(this.negotiated()),
    );
    addBuiltInNetworks(this.state, this.swarm);
  }

  // --- test controls ------------------------------------------------------------------------

  setApiVersion(apiVersion: string): void {
    this.apiVersionValue = apiVersion;
  }

  // Images appear on the engine (docker load) and go (docker rmi).
  addImage(image: MemoryImage): void {
    this.state.images.push(image);
  }

  removeImage(ref: string): void {
    const image = this.state.findImage(ref);
    if (image) this.state.images.splice(this.state.images.indexOf(image), 1);
  }

  // The next objects created get these ids (to set up id prefixes that collide).
  presetNextIds(...ids: string[]): void {
    this.state.presetNextIds(ids);
  }

  // The model as the port reports it (inspected), for tests to assert real state.
  networksNamed(name: string): NetworkInfo[] {
    return this.state
      .networks()
      .filter((n) => n.name === name)
      .map((n) => this.state.networkInfoOf(n, true));
  }

  network(name: string): NetworkInfo | undefined {
    const [only, ...more] = this.networksNamed(name);
    if (more.length) throw new Error(`memory engine: ${more.length + 1} networks are named ${name}`);
    return only;
  }

  container(name: string): ContainerInfo | undefined {
    const record = this.state.containers().find((c) => c.name === name);
    return record ? this.state.infoOf(record) : undefined;
  }

  allNetworks(): NetworkInfo[] {
    return this.state.networks().map((n) => this.state.networkInfoOf(n, true));
  }

  allContainers(): ContainerInfo[] {
    return this.state.containers().map((c) => this.state.infoOf(c));
  }

  writeLog(ref: string, stream: LogLine['stream'], text: string): void {
    this.state.findContainer(ref).logs.push({ stream, timestamp: this.state.now(), text });
  }

  // --- the port: engine ---------------------------------------------------------------------

  hostNetwork(): HostNetwork | null {
    return this.options.remote ? null : structuredClone(this.host);
  }

  async ping(): Promise<void> {
    await this.enter('ping', []);
  }

  async version(): Promise<EngineVersion> {
    await this.enter('version', []);
    return {
      version: this.serverVersion(),
      apiVersion: this.apiVersionValue,
      negotiatedApiVersion: this.negotiated(),
      minApiVersion: '1.12',
      os: 'linux',
      arch: 'amd64',
    };
  }

  async features(): Promise<EngineFeatures> {
    await this.enter('features', []);
    return featuresFor(this.negotiated());
  }

  async info(): Promise<EngineInfo> {
    await this.enter('info', []);
    return {
      id: 'MEMO:RYEN:GINE',
      name: 'memory-engine',
      serverVersion: this.serverVersion(),
      swarm: { ...this.swarm },
      networkDrivers: [...this.drivers],
    };
  }

  // --- the port: networks -------------------------------------------------------------------

  async listNetworks(filter: NetworkFilter = {}): Promise<NetworkInfo[]> {
    await this.enter('listNetworks', [filter]);
    return this.state
      .networks()
      .filter(
        (n) =>
          (!filter.driver?.length || filter.driver.includes(n.driver)) &&
          (!filter.scope?.length || filter.scope.includes(n.scope)) &&
          matchesLabels(n.labels, filter.label),
      )
      .map((n) => this.state.networkInfoOf(n, false));
  }

  async inspectNetwork(id: string): Promise<NetworkInfo> {
    await this.enter('inspectNetwork', [id]);
    return this.state.networkInfoOf(this.state.findNetwork(id), true);
  }

  async createNetwork(spec: NetworkSpec): Promise<string> {
    await this.enter('createNetwork', [spec], 'network.create');
    return this.networks.create(spec);
  }

  async removeNetwork(id: string): Promise<void> {
    await this.enter('removeNetwork', [id], 'network.remove');
    const network = this.state.findNetwork(id);
    if (network.builtIn) throw refuse(403, `${network.name} is a pre-defined network and cannot be removed`);
    if (this.state.networkInfoOf(network, true).endpoints?.length) {
      throw refuse(
        403,
        `error while removing network: network ${network.name} id ${network.id} has active endpoints`,
      );
    }
    this.state.networkRecords.delete(network.id);
  }

  async pruneNetworks(labelFilters: string[]): Promise<string[]> {
    await this.enter('pruneNetworks', [labelFilters], 'network.prune');
    if (this.pruning) throw refuse(409, 'a prune operation is already running');
    this.pruning = true;
    try {
      await tick();
      const doomed = this.state
        .networks()
        .filter(
          (n) =>
            !n.builtIn &&
            matchesLabels(n.labels, labelFilters) &&
            !this.state.networkInfoOf(n, true).endpoints?.length,
        );
      for (const n of doomed) this.state.networkRecords.delete(n.id);
      return doomed.map((n) => n.name);
    } finally {
      this.pruning = false;
    }
  }

  async connectNetwork(networkId: string, containerId: string, endpoint: EndpointSpec): Promise<void> {
    await this.enter('connectNetwork', [networkId, containerId, endpoint], 'network.connect');
    const network = this.state.findNetwork(networkId);
    const container = this.state.findContainer(containerId);
    this.networks.checkConnect(network, container);
    this.state.checkEndpoint(network, {
      ipv4: endpoint.ipv4Address,
      ipv6: endpoint.ipv6Address,
      aliases: endpoint.aliases,
    });
    const record = endpointRecord(network.id, {
      ...endpoint,
      // Engines before API 1.54 ignore a MAC address given on connect.
      macAddress: featuresFor(this.negotiated()).macAddressOnConnect ? endpoint.macAddress : undefined,
    });
    if (container.state === 'running') this.state.activate(container, record);
    container.endpoints.push(record);
  }

  async disconnectNetwork(networkId: string, containerId: string, force: boolean): Promise<void> {
    await this.enter('disconnectNetwork', [networkId, containerId, force], 'network.disconnect');
    const network = this.state.findNetwork(networkId);
    const container = this.state.findContainer(containerId);
    if (network.driver === 'host' || container.networkMode === 'host')
      throw refuse(400, 'container cannot be disconnected from host network or connected to host network');
    const index = container.endpoints.findIndex((e) => e.networkId === network.id);
    if (index < 0) throw refuse(500, `container ${container.id} is not connected to network ${network.name}`);
    container.endpoints.splice(index, 1);
  }

  // --- the port: containers -----------------------------------------------------------------

  async listContainers(filter: ContainerListFilter = {}): Promise<ContainerSummary[]> {
    await this.enter('listContainers', [filter]);
    return this.state
      .containers()
      .map((c) => ({ record: c, summary: this.state.summaryOf(c) }))
      .filter(
        ({ record, summary }) =>
          (filter.all === true || record.state === 'running') &&
          (!filter.status?.length || filter.status.includes(record.state)) &&
          matchesLabels(record.labels, filter.label) &&
          (!filter.network?.length ||
            filter.network.some((wanted) =>
              summary.endpoints.some(
                (e) => e.networkName === wanted || (e.networkId !== '' && e.networkId.startsWith(wanted)),
              ),
            )),
      )
      .map(({ summary }) => summary);
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    await this.enter('inspectContainer', [id]);
    return this.state.infoOf(this.state.findContainer(id));
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    await this.enter('createContainer', [spec], 'container.create');
    return this.lifecycle.create(spec, this.state.findImage(spec.image));
  }

  async startContainer(id: string): Promise<void> {
    await this.enter('startContainer', [id], 'container.start');
    const container = this.state.findContainer(id);
    // Already running: the engine answers 304, which is done.
    if (container.state !== 'running') await this.lifecycle.start(container);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.enter('stopContainer', [id, timeoutSeconds], 'container.stop');
    this.lifecycle.stop(this.state.findContainer(id));
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.enter('restartContainer', [id, timeoutSeconds], 'container.restart');
    const container = this.state.findContainer(id);
    this.lifecycle.stop(container);
    await this.lifecycle.start(container);
  }

  async removeContainer(id: string, force: boolean): Promise<void> {
    await this.enter('removeContainer', [id, force], 'container.remove');
    const container = this.state.findContainer(id);
    if (container.state === 'running' && !force) {
      throw refuse(
        409,
        `You cannot remove a running container ${container.id}. Stop the container before attempting removal or force remove`,
      );
    }
    this.state.containerRecords.delete(container.id);
  }

  async renameContainer(id: string, name: string): Promise<void> {
    await this.enter('renameContainer', [id, name], 'container.rename');
    const container = this.state.findContainer(id);
    const holder = this.state.containers().find((c) => c.name === name && c.id !== container.id);
    if (holder) {
      throw refuse(
        409,
        `Error when allocating new name: Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    container.name = name;
  }

  async containerLogs(id: string, query: LogQuery): Promise<LogAnswer> {
    await this.enter('containerLogs', [id, query]);
    const since = query.since;
    const lines = this.state
      .findContainer(id)
      .logs.filter((l) => since === undefined || Date.parse(l.timestamp ?? '') / 1000 >= since);
    const tail = query.tail === undefined ? lines : lines.slice(Math.max(0, lines.length - query.tail));
    const kept: LogLine[] = [];
    let bytes = 0;
    for (const line of tail) {
      bytes += Buffer.byteLength(line.text) + 1;
      if (bytes > query.limitBytes) break;
      kept.push(line);
    }
    return { lines: structuredClone(kept), truncated: kept.length < tail.length };
  }

  async inspectImage(ref: string): Promise<ImageInfo | null> {
    await this.enter('inspectImage', [ref]);
    const image = this.state.findImage(ref);
    return image ? { id: image.id, tags: [image.ref] } : null;
  }

  async exec(containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult> {
    await this.enter('exec', [containerId, spec, limits], 'exec.create');
    const container = this.state.findContainer(containerId);
    if (container.state !== 'running') throw refuse(409, `Container ${container.id} is not running`);
    const image = this.state.findImage(container.image) ?? { ...BUSYBOX_IMAGE, programs: [] };
    return this.lifecycle.runCommand(
      {
        container,
        image,
        command: spec.command,
        env: { ...container.env, ...spec.env },
        workingDir: spec.workingDir,
        user: spec.user,
      },
      limits,
    );
  }

  async runProbe(spec: ProbeSpec, limits: ExecLimits): Promise<ExecResult> {
    await this.enter('runProbe', [spec, limits], 'probe.create');
    const image = this.state.findImage(spec.image);
    const id = this.lifecycle.create(
      {
        image: spec.image,
        command: spec.command,
        env: {},
        labels: spec.labels,
        restartPolicy: { name: 'no', maximumRetryCount: 0 },
        networkMode: `container:${spec.targetContainerId}`,
        endpoints: [],
      },
      image,
    );
    const probe = this.state.findContainer(id);
    try {
      const target = this.state.findContainer(spec.targetContainerId);
      if (target.state !== 'running')
        throw refuse(409, `cannot join network of a non running container: ${target.id}`);
      probe.state = 'running';
      return await this.lifecycle.runCommand(
        { container: probe, image: image!, command: spec.command, env: {} },
        limits,
      );
    } finally {
      await Operations.current()?.beforeChange('probe.remove');
      this.state.containerRecords.delete(id);
    }
  }

  // --- internals ----------------------------------------------------------------------------

  private negotiated(): string {
    return compareApiVersions(this.apiVersionValue, MAX_API_VERSION) > 0
      ? MAX_API_VERSION
      : this.apiVersionValue;
  }

  private serverVersion(): string {
    if (this.options.serverVersion) return this.options.serverVersion;
    const known: Record<string, string> = { '1.41': '20.10.24', '1.44': '25.0.5', '1.45': '26.1.5' };
    return known[this.apiVersionValue] ?? `memory-${this.apiVersionValue}`;
  }
}
