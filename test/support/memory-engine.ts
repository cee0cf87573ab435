import { randomBytes } from 'node:crypto';
import type { HostNetwork } from '../../src/common/net/host-interfaces';
import { DomainError } from '../../src/common/errors/domain-error';
import { Operations, OPERATION_LABEL } from '../../src/common/operation-context';
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
  LogQuery,
  NetworkFilter,
  NetworkInfo,
  NetworkSpec,
  ProbeSpec,
  StringMap,
  SwarmState,
} from '../../src/engine/engine.types';
import {
  type ExecContext,
  type ExecHandler,
  type ExecOutcome,
  simulateBusybox,
} from './memory-engine/busybox';
import { type DefaultPool, planIpam, poolOf, subnetsOf } from './memory-engine/ipam';
import {
  BUSYBOX_IMAGE,
  type ContainerRecord,
  DEFAULT_NETWORK_DRIVERS,
  DEFAULT_SWARM,
  type EndpointRecord,
  hostNetworkOf,
  type MemoryImage,
  type NetworkRecord,
  NOPING_IMAGE,
} from './memory-engine/model';
import { noSuchImage, refuse } from './memory-engine/refusals';
import { EngineState } from './memory-engine/state';

export { BUSYBOX_IMAGE, hostNetworkOf, NOPING_IMAGE, type MemoryImage } from './memory-engine/model';
export type { ExecContext, ExecHandler, ExecOutcome } from './memory-engine/busybox';

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

export type EngineOperation = Exclude<keyof ContainerEngine, 'endpoint'>;

export interface EngineCall {
  op: EngineOperation;
  args: unknown[];
}

// The operations that change something on the engine (an exec may, too).
export const CHANGES: ReadonlySet<EngineOperation> = new Set<EngineOperation>([
  'createNetwork',
  'removeNetwork',
  'pruneNetworks',
  'connectNetwork',
  'disconnectNetwork',
  'createContainer',
  'startContainer',
  'stopContainer',
  'restartContainer',
  'removeContainer',
  'exec',
  'runProbe',
]);

type Hook = (...args: unknown[]) => void | Promise<void>;

const BUILTIN_OPTIONS: StringMap = {
  'com.docker.network.bridge.default_bridge': 'true',
  'com.docker.network.bridge.enable_icc': 'true',
  'com.docker.network.bridge.enable_ip_masquerade': 'true',
  'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
  'com.docker.network.bridge.name': 'docker0',
  'com.docker.network.driver.mtu': '1500',
};

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function matchesLabels(labels: StringMap, filters: string[] | undefined): boolean {
  return (filters ?? []).every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

// What an audited operation creates carries its id (as the dockerode adapter does it).
function withOperationLabel(labels: StringMap): StringMap {
  const operation = Operations.current();
  return operation ? { ...labels, [OPERATION_LABEL]: operation.operationId } : { ...labels };
}

function limit(text: string, bytes: number): { text: string; cut: boolean } {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes
    ? { text, cut: false }
    : { text: buffer.subarray(0, bytes).toString('utf8'), cut: true };
}

// An in-memory Docker engine behind the engine port: networks with IPAM, containers with their
// endpoints, refusals worded like the real engine's (classified by the adapter's own classifier),
// and commands simulated from the model. Tests read its state, its call log, and make calls fail.
export class MemoryEngine implements ContainerEngine {
  readonly endpoint = 'memory://engine';
  readonly calls: EngineCall[] = [];
  private readonly state: EngineState;
  private readonly hooks = new Map<EngineOperation, Hook[]>();
  private apiVersionValue: string;
  private readonly swarm: SwarmState;
  private readonly host: HostNetwork;
  private readonly drivers: string[];
  private readonly pools: DefaultPool[];
  private pruning = false;
  private reachable = true;
  execHandler: ExecHandler;

  constructor(private readonly options: MemoryEngineOptions = {}) {
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
    this.addBuiltIns();
  }

  // --- test controls ------------------------------------------------------------------------

  // Runs `hook` at the next `times` calls of `op`, before the engine acts (and after the
  // audited intent is stored, like a real engine call); a hook that throws fails the call.
  beforeNext(op: EngineOperation, hook: Hook, times = 1): void {
    const list = this.hooks.get(op) ?? [];
    for (let i = 0; i < times; i++) list.push(hook);
    this.hooks.set(op, list);
  }

  failNext(op: EngineOperation, error: Error, times = 1): void {
    this.beforeNext(
      op,
      () => {
        throw error;
      },
      times,
    );
  }

  // Every call fails as with an engine that does not answer (or answers again).
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  setApiVersion(apiVersion: string): void {
    this.apiVersionValue = apiVersion;
  }

  // The next objects created get these ids (to set up id prefixes that collide).
  presetNextIds(...ids: string[]): void {
    this.state.presetNextIds(ids);
  }

  callsOf(op: EngineOperation): unknown[][] {
    return this.calls.filter((c) => c.op === op).map((c) => c.args);
  }

  // The calls that would have changed something.
  changes(): EngineOperation[] {
    return this.calls.filter((c) => CHANGES.has(c.op)).map((c) => c.op);
  }

  clearCalls(): void {
    this.calls.length = 0;
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
    const taken = () => this.state.networks().some((n) => n.name === spec.name);
    const nameTaken = () => refuse(409, `network with name ${spec.name} already exists`);
    if (taken()) throw nameTaken();
    if (!this.drivers.includes(spec.driver)) throw refuse(404, `plugin "${spec.driver}" not found`);
    if (spec.driver === 'host' || spec.driver === 'null')
      throw refuse(403, `only one instance of "${spec.driver}" network is allowed`);
    const swarm = spec.driver === 'overlay';
    if (swarm && !(this.swarm.localNodeState === 'active' && this.swarm.isManager)) {
      throw refuse(
        503,
        'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
      );
    }
    if (spec.driver === 'macvlan' || spec.driver === 'ipvlan') this.checkParent(spec);
    const sameSpace = this.state.networks().filter((n) => (n.scope === 'swarm') === swarm);
    const ipam = planIpam(
      spec,
      sameSpace.flatMap(subnetsOf),
      swarm ? [] : this.host.subnets.map((s) => s.cidr),
      swarm ? [{ base: '10.0.0.0/8', size: 24 }] : this.pools,
    );
    // Before API 1.44 the engine's duplicate check (CheckDuplicate) and the creation are two
    // steps: creates of one name that race can both pass the check.
    if (!featuresFor(this.negotiated()).uniqueNetworkNames) {
      await tick();
    } else if (taken()) throw nameTaken();
    const id = this.state.newId();
    const options = { ...spec.options };
    if ((spec.driver === 'macvlan' || spec.driver === 'ipvlan') && !options.parent)
      options.parent = `dm-${id.slice(0, 12)}`;
    this.state.networkRecords.set(id, {
      id,
      name: spec.name,
      driver: spec.driver,
      scope: swarm ? 'swarm' : 'local',
      internal: spec.internal,
      attachable: spec.attachable,
      ingress: false,
      enableIPv6: spec.enableIPv6,
      ipamDriver: spec.ipam.driver,
      ipamOptions: { ...spec.ipam.options },
      ...ipam,
      options,
      labels: withOperationLabel(spec.labels),
      createdAt: this.state.now(),
      builtIn: false,
    });
    return id;
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
    if (network.driver === 'host')
      throw refuse(400, 'container cannot be disconnected from host network or connected to host network');
    if (container.networkMode === 'host' || container.networkMode.startsWith('container:'))
      throw refuse(
        400,
        'container sharing network namespace with another container or host cannot be connected to any other network',
      );
    if (container.networkMode === 'none' || network.driver === 'null')
      throw refuse(
        400,
        'container cannot be connected to multiple networks with one of the networks in private (none) mode',
      );
    if (container.endpoints.some((e) => e.networkId === network.id))
      throw refuse(403, `endpoint with name ${container.name} already exists in network ${network.name}`);
    if (network.scope === 'swarm' && !network.attachable) {
      throw refuse(
        403,
        `Could not attach to network ${network.name}: rpc error: code = PermissionDenied desc = network ${network.name} not manually attachable`,
      );
    }
    this.state.checkEndpoint(network, {
      ipv4: endpoint.ipv4Address,
      ipv6: endpoint.ipv6Address,
      aliases: endpoint.aliases,
    });
    const record = this.endpointRecord(network.id, {
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
    return this.create(spec, this.state.findImage(spec.image));
  }

  async startContainer(id: string): Promise<void> {
    await this.enter('startContainer', [id], 'container.start');
    const container = this.state.findContainer(id);
    // Already running: the engine answers 304, which is done.
    if (container.state !== 'running') await this.start(container);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.enter('stopContainer', [id, timeoutSeconds], 'container.stop');
    this.stop(this.state.findContainer(id));
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.enter('restartContainer', [id, timeoutSeconds], 'container.restart');
    const container = this.state.findContainer(id);
    this.stop(container);
    await this.start(container);
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

  async containerLogs(id: string, query: LogQuery): Promise<LogLine[]> {
    await this.enter('containerLogs', [id, query]);
    const since = query.since;
    const lines = this.state
      .findContainer(id)
      .logs.filter((l) => since === undefined || Date.parse(l.timestamp ?? '') / 1000 >= since);
    return structuredClone(
      query.tail === undefined ? lines : lines.slice(Math.max(0, lines.length - query.tail)),
    );
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
    return this.runCommand(
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
    const id = this.create(
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
      return await this.runCommand(
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

  // Every call: logged, then (for changes) the audited intent stored first, as the adapter does,
  // then the engine's answer time, unreachability and the test's hooks.
  private async enter(op: EngineOperation, args: unknown[], change?: string): Promise<void> {
    this.calls.push({ op, args: structuredClone(args) });
    if (change) await Operations.current()?.beforeChange(change);
    await tick();
    if (!this.reachable) {
      throw new DomainError(
        'ENGINE_UNAVAILABLE',
        `The Docker engine at ${this.endpoint} is unreachable (ECONNREFUSED): start the engine or point DOCKER_HOST at a running one.`,
        { context: { operation: op } },
      );
    }
    const hook = this.hooks.get(op)?.shift();
    if (hook) await hook(...args);
  }

  private addBuiltIns(): void {
    const builtIn = (
      name: string,
      driver: string,
      config: NetworkRecord['config'],
      options: StringMap = {},
      extra: Partial<NetworkRecord> = {},
    ) => {
      const id = randomBytes(32).toString('hex');
      this.state.networkRecords.set(id, {
        id,
        name,
        driver,
        scope: 'local',
        internal: false,
        attachable: false,
        ingress: false,
        enableIPv6: false,
        ipamDriver: 'default',
        ipamOptions: {},
        config,
        pools: config.map(poolOf),
        userSubnets: false,
        options,
        labels: {},
        createdAt: this.state.now(),
        builtIn: true,
        ...extra,
      });
    };
    builtIn('bridge', 'bridge', [{ subnet: '172.17.0.0/16', gateway: '172.17.0.1' }], BUILTIN_OPTIONS);
    builtIn('host', 'host', []);
    builtIn('none', 'null', []);
    if (this.swarm.localNodeState === 'active') {
      // What swarm mode adds: the routing mesh and the bridge that carries it to the host.
      builtIn('docker_gwbridge', 'bridge', [{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }], {
        'com.docker.network.bridge.name': 'docker_gwbridge',
        'com.docker.network.bridge.enable_icc': 'false',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
      });
      builtIn(
        'ingress',
        'overlay',
        [{ subnet: '10.0.0.0/24', gateway: '10.0.0.1' }],
        {},
        { scope: 'swarm', ingress: true },
      );
    }
  }

  // Docker gives a parent interface to one macvlan (ipvlan) network at a time, and the parent
  // must exist on the host (a VLAN sub-interface is created from its parent).
  private checkParent(spec: NetworkSpec): void {
    const parent = spec.options.parent;
    if (!parent) return;
    if (!this.host.interfaces.includes(parent.split('.')[0]))
      throw refuse(400, `-o parent interface was not found on the host: ${parent}`);
    const user = this.state.networks().find((n) => n.driver === spec.driver && n.options.parent === parent);
    if (user) throw refuse(403, `network ${user.id} is already using parent interface ${parent}`);
  }

  private endpointRecord(networkId: string, settings: EndpointSpec): EndpointRecord {
    return {
      networkId,
      requestedIpv4: settings.ipv4Address ?? null,
      requestedIpv6: settings.ipv6Address ?? null,
      requestedMac: settings.macAddress ?? null,
      userAliases: [...(settings.aliases ?? [])],
      active: null,
      everActive: false,
    };
  }

  private create(spec: ContainerSpec, image: MemoryImage | undefined): string {
    if (!image) throw noSuchImage(spec.image);
    if (spec.name && this.state.containers().some((c) => c.name === spec.name)) {
      const holder = this.state.containers().find((c) => c.name === spec.name)!;
      throw refuse(
        409,
        `Conflict. The container name "/${spec.name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const features = featuresFor(this.negotiated());
    if (spec.endpoints.length > 1 && !features.multipleNetworksAtCreate) {
      const names = spec.endpoints.map((e) => this.state.findNetwork(e.networkId).name);
      throw refuse(400, `Container cannot be connected to network endpoints: ${names.join(', ')}`);
    }
    const endpoints: EndpointRecord[] = [];
    const mode = spec.networkMode === 'default' ? 'bridge' : spec.networkMode;
    // From API 1.44 a container-wide MAC goes to the endpoint that networkMode names, which
    // must be one of the endpoints given (the adapter keys them by network id).
    if (
      features.perEndpointMacAtCreate &&
      spec.macAddress &&
      spec.endpoints.length &&
      !spec.endpoints.some((e) => e.networkId === mode)
    ) {
      throw refuse(
        400,
        'if a container-wide MAC address is supplied, HostConfig.NetworkMode must match the identity of a network in NetworkSettings.Networks',
      );
    }
    if (mode.startsWith('container:')) {
      this.state.findContainer(mode.slice('container:'.length));
    } else {
      const primary = this.state.findNetwork(mode);
      const all = spec.endpoints.some((e) => this.state.findNetwork(e.networkId).id === primary.id)
        ? spec.endpoints
        : [{ networkId: primary.id }, ...spec.endpoints];
      for (const wanted of all) {
        const network = this.state.findNetwork(wanted.networkId);
        this.state.checkEndpoint(network, {
          ipv4: wanted.ipv4Address,
          ipv6: wanted.ipv6Address,
          aliases: wanted.aliases,
        });
        // Per-endpoint MAC addresses came with API 1.44. The container's own MAC applies to the
        // network it is created on; before 1.44 the engine matches that network by the name in
        // networkMode only (given the network's id, it silently ignores the MAC).
        const own = features.perEndpointMacAtCreate ? wanted.macAddress : undefined;
        const named = features.perEndpointMacAtCreate || mode === network.name;
        const mac = own ?? (network.id === primary.id && named ? spec.macAddress : undefined);
        endpoints.push(this.endpointRecord(network.id, { ...wanted, macAddress: mac }));
      }
    }
    const id = this.state.newId();
    this.state.containerRecords.set(id, {
      id,
      name: spec.name ?? `memory_${id.slice(0, 8)}`,
      image: spec.image,
      command: spec.command ?? [...image.cmd],
      env: { ...spec.env },
      labels: withOperationLabel(spec.labels),
      hostname: spec.hostname ?? id.slice(0, 12),
      restartPolicy: { ...spec.restartPolicy },
      networkMode: spec.networkMode,
      configMac: spec.macAddress ?? null,
      state: 'created',
      exitCode: 0,
      createdAt: this.state.now(),
      startedAt: null,
      finishedAt: null,
      endpoints,
      logs: [],
    });
    return id;
  }

  private async start(container: ContainerRecord): Promise<void> {
    const image = this.state.findImage(container.image);
    const argv0 = container.command[0] ?? '';
    if (!image?.programs.includes(argv0.slice(argv0.lastIndexOf('/') + 1))) {
      container.exitCode = 127;
      throw refuse(
        400,
        `failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${argv0}": executable file not found in $PATH: unknown`,
      );
    }
    this.state.activateAll(container);
    container.state = 'running';
    container.startedAt = this.state.now();
    // The main command: one that ends at once (echo, sh without input) leaves the container exited.
    const outcome = await this.outcomeOf({
      container,
      image,
      command: container.command,
      env: container.env,
    });
    for (const [stream, text] of [
      ['stdout', outcome.stdout],
      ['stderr', outcome.stderr],
    ] as const) {
      for (const line of (text ?? '').split('\n').filter(Boolean))
        container.logs.push({ stream, timestamp: this.state.now(), text: line });
    }
    if (!outcome.runsForMs) this.exit(container, outcome.exitCode);
  }

  private stop(container: ContainerRecord): void {
    // Already stopped: the engine answers 304, which is done. busybox sleep ignores SIGTERM.
    if (container.state === 'running') this.exit(container, 137);
  }

  private exit(container: ContainerRecord, exitCode: number): void {
    this.state.deactivateAll(container);
    container.state = 'exited';
    container.exitCode = exitCode;
    container.finishedAt = this.state.now();
  }

  private outcomeOf(context: Omit<ExecContext, 'world'>): Promise<ExecOutcome> {
    return Promise.resolve(this.execHandler({ ...context, world: this.state }, simulateBusybox));
  }

  private async runCommand(context: Omit<ExecContext, 'world'>, limits: ExecLimits): Promise<ExecResult> {
    const started = performance.now();
    const outcome = await this.outcomeOf(context);
    const runsFor = outcome.runsForMs ?? 0;
    const timedOut = runsFor > limits.timeoutMs;
    if (runsFor > 0) await sleep(Math.min(runsFor, limits.timeoutMs));
    const stdout = limit(outcome.stdout ?? '', limits.outputLimitBytes);
    const stderr = limit(outcome.stderr ?? '', limits.outputLimitBytes);
    return {
      exitCode: timedOut ? null : outcome.exitCode,
      stdout: stdout.text,
      stderr: stderr.text,
      durationMs: Math.round(performance.now() - started),
      timedOut,
      truncated: stdout.cut || stderr.cut,
    };
  }
}
