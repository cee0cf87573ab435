import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { DomainError } from '../common/errors/domain-error';
import { compareApiVersions, featuresFor, MAX_API_VERSION, MIN_API_VERSION } from './api-version';
import { parseLogFrames, StreamDemuxer } from './docker-stream';
import {
  toContainerInfo,
  toContainerSummary,
  toNetwork,
  type RawContainerInspect,
  type RawContainerSummary,
  type RawExecInspect,
  type RawImageInspect,
  type RawInfo,
  type RawNetwork,
  type RawVersion,
} from './dockerode.mappers';
import type { EngineConnection } from './engine-connection';
import { classifyEngineError, isTransportError } from './engine-error.classifier';
import { EngineRejection } from './engine.errors';
import type { ContainerEngine } from './engine.port';
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
} from './engine.types';

// dockerode's typings overload every method with callbacks; the calls here go through this
// loose view and read the answers as the raw types of dockerode.mappers.ts. Bodies are passed as
// `_body` and query strings as `_query`: otherwise docker-modem copies every body field into the
// URL as well.
type Call = (options?: object) => Promise<unknown>;
interface LooseExec {
  start: (options: object) => Promise<Duplex>;
  inspect: Call;
}
interface LooseContainer {
  inspect: Call;
  start: Call;
  stop: Call;
  restart: Call;
  remove: Call;
  logs: (options: object) => Promise<Buffer>;
  wait: Call;
  exec: (options: object) => Promise<LooseExec>;
}
interface LooseDocker {
  modem: { version?: string };
  version: Call;
  info: Call;
  ping: Call;
  listNetworks: Call;
  listContainers: Call;
  createNetwork: (options: object) => Promise<{ id: string }>;
  createContainer: (options: object) => Promise<{ id: string }>;
  pruneNetworks: Call;
  getNetwork(id: string): { inspect: Call; remove: Call; connect: Call; disconnect: Call };
  getContainer(id: string): LooseContainer;
  getImage(ref: string): { inspect: Call };
}

// "Already started" / "already stopped": the engine answers 304, which means done.
function isNotModified(error: unknown): boolean {
  return (error as { statusCode?: unknown } | null)?.statusCode === 304;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    connection: EngineConnection,
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
    }) as unknown as LooseDocker;
  }

  // --- plumbing -----------------------------------------------------------------------------

  // Runs one engine call under a deadline and translates whatever goes wrong. The call itself is
  // not aborted (docker-modem inspects every request's options, and a live AbortSignal there
  // costs milliseconds); a stuck request ends with the socket.
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
    const raw = await this.call('version', () => this.docker.version() as Promise<RawVersion>);
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
  private async versioned<T>(op: string, fn: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    await this.negotiated();
    return this.call(op, fn, timeoutMs);
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

  private async mutate<T>(op: string, fn: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    this.generation++;
    try {
      return await this.versioned(op, fn, timeoutMs);
    } finally {
      this.generation++;
    }
  }

  // --- engine -------------------------------------------------------------------------------

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

  // --- networks -----------------------------------------------------------------------------

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
      return raw.map((n) => toNetwork(n, false));
    });
  }

  inspectNetwork(id: string): Promise<NetworkInfo> {
    return this.read(`network.inspect ${id}`, async () => {
      const raw = await this.versioned(
        'network.inspect',
        () => this.docker.getNetwork(id).inspect() as Promise<RawNetwork>,
      );
      return toNetwork(raw, true);
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
    const network = await this.mutate('network.create', () =>
      this.docker.createNetwork({ _query: {}, _body: body }),
    );
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
    const body = { Container: containerId, EndpointConfig: endpointConfig(endpoint) };
    await this.mutate('network.connect', () => this.docker.getNetwork(networkId).connect(body));
  }

  async disconnectNetwork(networkId: string, containerId: string, force: boolean): Promise<void> {
    await this.mutate('network.disconnect', () =>
      this.docker.getNetwork(networkId).disconnect({ Container: containerId, Force: force }),
    );
  }

  // --- containers ---------------------------------------------------------------------------

  listContainers(filter: ContainerListFilter = {}): Promise<ContainerSummary[]> {
    const filters: Record<string, string[]> = {};
    if (filter.label?.length) filters.label = filter.label;
    if (filter.network?.length) filters.network = filter.network;
    if (filter.status?.length) filters.status = filter.status;
    const all = filter.all === true;
    const query = JSON.stringify(filters);
    return this.read(`container.list ${all} ${query}`, async () => {
      const raw = await this.versioned(
        'container.list',
        () => this.docker.listContainers({ all, filters: query }) as Promise<RawContainerSummary[]>,
      );
      return raw.map(toContainerSummary);
    });
  }

  inspectContainer(id: string): Promise<ContainerInfo> {
    return this.read(`container.inspect ${id}`, async () =>
      toContainerInfo(
        await this.versioned(
          'container.inspect',
          () => this.docker.getContainer(id).inspect() as Promise<RawContainerInspect>,
        ),
      ),
    );
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const body = {
      Image: spec.image,
      ...(spec.command ? { Cmd: spec.command } : {}),
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      Labels: spec.labels,
      ...(spec.hostname ? { Hostname: spec.hostname } : {}),
      ...(spec.macAddress ? { MacAddress: spec.macAddress } : {}),
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      HostConfig: {
        NetworkMode: spec.networkMode,
        RestartPolicy: {
          Name: spec.restartPolicy.name,
          MaximumRetryCount: spec.restartPolicy.maximumRetryCount,
        },
      },
      NetworkingConfig: {
        EndpointsConfig: Object.fromEntries(spec.endpoints.map((e) => [e.networkId, endpointConfig(e)])),
      },
    };
    const container = await this.mutate('container.create', () =>
      this.docker.createContainer({ _query: spec.name ? { name: spec.name } : {}, _body: body }),
    );
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.mutate('container.start', () =>
      this.docker
        .getContainer(id)
        .start()
        .catch((error: unknown) => {
          if (!isNotModified(error)) throw error;
        }),
    );
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    // The engine answers once the container stopped: up to the grace period, then a kill.
    await this.mutate(
      'container.stop',
      () =>
        this.docker
          .getContainer(id)
          .stop({ t: timeoutSeconds })
          .catch((error: unknown) => {
            if (!isNotModified(error)) throw error;
          }),
      timeoutSeconds * 1000 + this.timeoutMs,
    );
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.mutate(
      'container.restart',
      () => this.docker.getContainer(id).restart({ t: timeoutSeconds }),
      timeoutSeconds * 1000 + this.timeoutMs,
    );
  }

  async removeContainer(id: string, force: boolean): Promise<void> {
    await this.mutate('container.remove', () => this.docker.getContainer(id).remove({ force, v: false }));
  }

  async containerLogs(id: string, query: LogQuery): Promise<LogLine[]> {
    const raw = await this.versioned('container.logs', () =>
      this.docker.getContainer(id).logs({
        stdout: true,
        stderr: true,
        timestamps: true,
        follow: false,
        ...(query.tail !== undefined ? { tail: query.tail } : {}),
        ...(query.since !== undefined ? { since: query.since } : {}),
      }),
    );
    return parseLogFrames(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
  }

  async inspectImage(ref: string): Promise<ImageInfo | null> {
    try {
      const raw = await this.versioned(
        'image.inspect',
        () => this.docker.getImage(ref).inspect() as Promise<RawImageInspect>,
      );
      return { id: raw.Id, tags: raw.RepoTags ?? [] };
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return null;
      throw error;
    }
  }

  // --- exec and probes ----------------------------------------------------------------------

  async exec(containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult> {
    const started = performance.now();
    const exec = await this.versioned('exec.create', () =>
      this.docker.getContainer(containerId).exec({
        Cmd: spec.command,
        Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
        ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
        ...(spec.user ? { User: spec.user } : {}),
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      }),
    );
    const stream = await this.versioned('exec.start', () =>
      exec.start({ hijack: true, stdin: false, Tty: false }),
    );
    const demux = new StreamDemuxer(limits.outputLimitBytes);
    const finished = await readUntil(stream, demux, limits.timeoutMs - (performance.now() - started));
    let exitCode: number | null = null;
    if (finished) {
      // The stream ends a moment before the engine records the exit code.
      for (let attempt = 0; attempt < 20; attempt++) {
        const state = (await this.versioned('exec.inspect', () => exec.inspect())) as RawExecInspect;
        if (!state.Running) {
          exitCode = state.ExitCode ?? null;
          break;
        }
        await sleep(10);
      }
    }
    return {
      exitCode,
      stdout: demux.text('stdout'),
      stderr: demux.text('stderr'),
      durationMs: Math.round(performance.now() - started),
      timedOut: !finished,
      truncated: demux.truncated,
    };
  }

  async runProbe(spec: ProbeSpec, limits: ExecLimits): Promise<ExecResult> {
    const started = performance.now();
    const { id } = await this.mutate('probe.create', () =>
      this.docker.createContainer({
        _query: {},
        _body: {
          Image: spec.image,
          Cmd: spec.command,
          Labels: spec.labels,
          Tty: false,
          HostConfig: { NetworkMode: `container:${spec.targetContainerId}` },
        },
      }),
    );
    const container = this.docker.getContainer(id);
    try {
      await this.versioned('probe.start', () => container.start());
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        this.versioned(
          'probe.wait',
          () => container.wait() as Promise<{ StatusCode?: number }>,
          limits.timeoutMs + 1000,
        ),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), limits.timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      const raw = await this.versioned('probe.logs', () =>
        container.logs({ stdout: true, stderr: true, follow: false }),
      );
      const demux = new StreamDemuxer(limits.outputLimitBytes);
      demux.push(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
      return {
        exitCode: waited?.StatusCode ?? null,
        stdout: demux.text('stdout'),
        stderr: demux.text('stderr'),
        durationMs: Math.round(performance.now() - started),
        timedOut: waited === null,
        truncated: demux.truncated,
      };
    } finally {
      await this.mutate('probe.remove', () => container.remove({ force: true })).catch((error: unknown) =>
        this.logger.warn({ err: error, probe: id }, 'could not remove a probe container'),
      );
    }
  }
}

function endpointConfig(endpoint: EndpointSpec): Record<string, unknown> {
  const ipam: Record<string, string> = {};
  if (endpoint.ipv4Address) ipam.IPv4Address = endpoint.ipv4Address;
  if (endpoint.ipv6Address) ipam.IPv6Address = endpoint.ipv6Address;
  return {
    ...(Object.keys(ipam).length ? { IPAMConfig: ipam } : {}),
    ...(endpoint.aliases?.length ? { Aliases: endpoint.aliases } : {}),
    ...(endpoint.macAddress ? { MacAddress: endpoint.macAddress } : {}),
  };
}

// Feeds the stream to the demuxer until it ends (true) or the time is up (false; the stream is
// then destroyed, and the command may go on running in the container).
function readUntil(stream: Duplex, demux: StreamDemuxer, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (finished: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!finished) stream.destroy();
      resolve(finished);
    };
    const timer = setTimeout(() => settle(false), Math.max(0, timeoutMs));
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', () => settle(true));
    stream.on('close', () => settle(true));
    stream.on('error', () => settle(true));
  });
}
