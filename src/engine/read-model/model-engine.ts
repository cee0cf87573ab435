import type { HostNetwork } from '../../common/net/host-interfaces';
import type { ContainerEngine } from '../engine.port';
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
  LogAnswer,
  LogQuery,
  NetworkFilter,
  NetworkInfo,
  NetworkSpec,
  ProbeSpec,
} from '../engine.types';
import type { ReadModel } from './read-model';

// How long a read waits for the events the model has received to be applied before it asks the
// engine instead.
const CATCH_UP_WAIT_MS = 100;

// The engine port as features see it: lists and inspects of networks and containers are
// answered from the read model while it is live (otherwise, and for what the model does not
// have, by the engine), and every change re-reads what it changed into the model before it
// answers, so that a caller reads its own writes.
export class ModelBackedEngine implements ContainerEngine {
  readonly endpoint: string;

  constructor(
    private readonly engine: ContainerEngine,
    private readonly model: ReadModel,
    // A read the model could not serve (metrics).
    private readonly fallback: (operation: string) => void = () => {},
  ) {
    this.endpoint = engine.endpoint;
  }

  hostNetwork(): HostNetwork | null {
    return this.engine.hostNetwork();
  }

  ping(timeoutMs?: number): Promise<void> {
    return this.engine.ping(timeoutMs);
  }

  version(): Promise<EngineVersion> {
    return this.engine.version();
  }

  features(): Promise<EngineFeatures> {
    return this.engine.features();
  }

  info(): Promise<EngineInfo> {
    return this.engine.info();
  }

  // --- reads -------------------------------------------------------------------------------

  // The model may answer: it is live, and the events it has received are applied (waiting a
  // moment for those: usually one re-read of a few milliseconds).
  private async modelServes(): Promise<boolean> {
    if (!this.model.serves()) return false;
    const caughtUp = this.model.caughtUp(CATCH_UP_WAIT_MS);
    return (caughtUp === true || (await caughtUp)) && this.model.serves();
  }

  // The model's version when the model answers reads (caught up with what it has received); null
  // when reads go to the engine. Reads made while it stays the same read the same state.
  async readVersion(): Promise<number | null> {
    return (await this.modelServes()) ? this.model.version() : null;
  }

  async listNetworks(filter?: NetworkFilter): Promise<NetworkInfo[]> {
    if (await this.modelServes()) return this.model.listNetworks(filter);
    this.fallback('network.list');
    return this.engine.listNetworks(filter);
  }

  async inspectNetwork(id: string): Promise<NetworkInfo> {
    const found = (await this.modelServes()) ? this.model.inspectNetwork(id) : null;
    if (found) return found;
    this.fallback('network.inspect');
    return this.engine.inspectNetwork(id);
  }

  async listContainers(filter?: ContainerListFilter): Promise<ContainerSummary[]> {
    if (await this.modelServes()) return this.model.listContainers(filter);
    this.fallback('container.list');
    return this.engine.listContainers(filter);
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    const found = (await this.modelServes()) ? this.model.inspectContainer(id) : null;
    if (found) return found;
    this.fallback('container.inspect');
    return this.engine.inspectContainer(id);
  }

  // --- networks: changes -------------------------------------------------------------------

  async createNetwork(spec: NetworkSpec): Promise<string> {
    const id = await this.engine.createNetwork(spec);
    await this.model.syncNetwork(id);
    return id;
  }

  async removeNetwork(id: string): Promise<void> {
    const known = this.model.networkIdOf(id);
    let removed = false;
    try {
      await this.engine.removeNetwork(id);
      removed = known !== null;
      if (known) this.model.forgetNetwork(known);
    } finally {
      // Also after a failure: a change that timed out may still have happened.
      if (!removed) await this.model.syncNetwork(known ?? id);
    }
  }

  async pruneNetworks(labelFilters: string[]): Promise<string[]> {
    const removed = await this.engine.pruneNetworks(labelFilters);
    // The engine answers names: every network of such a name is read again (gone ones drop out).
    const names = new Set(removed);
    const candidates = this.model.listNetworks().filter((n) => names.has(n.name) || names.has(n.id));
    await Promise.all(candidates.map((n) => this.model.syncNetwork(n.id)));
    return removed;
  }

  async connectNetwork(networkId: string, containerId: string, endpoint: EndpointSpec): Promise<void> {
    try {
      await this.engine.connectNetwork(networkId, containerId, endpoint);
    } finally {
      await this.syncBoth(networkId, containerId);
    }
  }

  async disconnectNetwork(networkId: string, containerId: string, force: boolean): Promise<void> {
    try {
      await this.engine.disconnectNetwork(networkId, containerId, force);
    } finally {
      await this.syncBoth(networkId, containerId);
    }
  }

  private async syncBoth(networkId: string, containerId: string): Promise<void> {
    await Promise.all([this.model.syncNetwork(networkId), this.model.syncContainer(containerId)]);
  }

  // --- containers: changes -----------------------------------------------------------------

  async createContainer(spec: ContainerSpec): Promise<string> {
    const id = await this.engine.createContainer(spec);
    await this.model.syncContainer(id);
    return id;
  }

  startContainer(id: string): Promise<void> {
    return this.changeContainer(id, () => this.engine.startContainer(id));
  }

  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return this.changeContainer(id, () => this.engine.stopContainer(id, timeoutSeconds));
  }

  restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    return this.changeContainer(id, () => this.engine.restartContainer(id, timeoutSeconds));
  }

  renameContainer(id: string, name: string): Promise<void> {
    return this.changeContainer(id, () => this.engine.renameContainer(id, name));
  }

  async removeContainer(id: string, force: boolean): Promise<void> {
    const known = this.model.containerIdOf(id);
    let removed = false;
    try {
      await this.engine.removeContainer(id, force);
      removed = known !== null;
      if (known) this.model.forgetContainer(known);
    } finally {
      if (!removed) await this.model.syncContainer(known ?? id);
    }
  }

  // The container is known by id before the change: a rename changes its name.
  private async changeContainer(ref: string, change: () => Promise<void>): Promise<void> {
    const id = this.model.containerIdOf(ref) ?? ref;
    try {
      await change();
    } finally {
      await this.model.syncContainer(id);
    }
  }

  // --- the rest goes to the engine ---------------------------------------------------------

  containerLogs(id: string, query: LogQuery): Promise<LogAnswer> {
    return this.engine.containerLogs(id, query);
  }

  exec(containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult> {
    return this.engine.exec(containerId, spec, limits);
  }

  // The probe container is forgotten as it is removed (DockerodeEngine.onProbeRemoved).
  runProbe(spec: ProbeSpec, limits: ExecLimits): Promise<ExecResult> {
    return this.engine.runProbe(spec, limits);
  }

  inspectImage(ref: string): Promise<ImageInfo | null> {
    return this.engine.inspectImage(ref);
  }
}
