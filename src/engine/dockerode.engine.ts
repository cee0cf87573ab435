import { Logger } from '@nestjs/common';
import type { Duplex } from 'node:stream';
import { Operations, type OperationJournal } from '../common/operation-context';
import { featuresFor } from './api-version';
import { DockerClient, isNotModified, sleep } from './docker-client';
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
} from './dockerode.mappers';
import type { HostNetwork } from '../common/net/host-interfaces';
import type { EngineConnection } from './engine-connection';
import { EngineHostLocator } from './engine-host';
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

// How long after an exec's output ends its exit code may take to show.
const EXIT_CODE_WAIT_MS = 5000;

export class DockerodeEngine implements ContainerEngine {
  private readonly logger = new Logger('DockerEngine');
  private readonly client: DockerClient;

  private readonly host: EngineHostLocator | null;

  readonly endpoint: string;

  // Every change is reported to the journal first (the audit stores its intent).
  constructor(
    connection: EngineConnection,
    timeoutMs: number,
    private readonly journal: OperationJournal = Operations,
  ) {
    this.client = new DockerClient(connection, timeoutMs, journal);
    this.endpoint = this.client.endpoint;
    this.host = connection.kind === 'unix' ? new EngineHostLocator(connection.socketPath) : null;
  }

  hostNetwork(): HostNetwork | null {
    return this.host?.network() ?? null;
  }

  ping(timeoutMs = 2000): Promise<void> {
    return this.client.ping(timeoutMs);
  }

  version(): Promise<EngineVersion> {
    return this.client.version();
  }

  async features(): Promise<EngineFeatures> {
    return featuresFor((await this.client.negotiated()).negotiatedApiVersion);
  }

  info(): Promise<EngineInfo> {
    return this.client.read('info', async () => {
      const raw = await this.client.versioned('info', () => this.client.docker.info() as Promise<RawInfo>);
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
    return this.client.read(`network.list ${query}`, async () => {
      const raw = await this.client.versioned(
        'network.list',
        () => this.client.docker.listNetworks({ filters: query }) as Promise<RawNetwork[]>,
      );
      return raw.map((n) => toNetwork(n, false));
    });
  }

  inspectNetwork(id: string): Promise<NetworkInfo> {
    return this.client.read(`network.inspect ${id}`, async () => {
      const raw = await this.client.versioned(
        'network.inspect',
        () => this.client.docker.getNetwork(id).inspect() as Promise<RawNetwork>,
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
      Labels: this.journal.stamp(spec.labels),
    };
    const network = await this.client.mutate('network.create', () =>
      this.client.docker.createNetwork({ _query: {}, _body: body }),
    );
    if (spec.driver === 'overlay') await this.untilAllocated(network.id);
    return network.id;
  }

  // A swarm network exists at once, but shows no driver and no address pool until the swarm's
  // allocator has run (measured: 3 inspects in 8 right after creating, on 20.10 and 26.1): wait
  // for it, so that answers and the connects that follow see the network as it will stay.
  private async untilAllocated(id: string): Promise<void> {
    const deadline = performance.now() + this.client.timeoutMs;
    for (;;) {
      const raw = (await this.client.versioned('network.inspect', () =>
        this.client.docker.getNetwork(id).inspect(),
      )) as RawNetwork;
      if (raw.Driver || performance.now() >= deadline) return;
      await sleep(25);
    }
  }

  async removeNetwork(id: string): Promise<void> {
    await this.client.mutate('network.remove', () => this.client.docker.getNetwork(id).remove());
  }

  async pruneNetworks(labelFilters: string[]): Promise<string[]> {
    const filters = labelFilters.length ? { label: labelFilters } : {};
    const raw = await this.client.mutate(
      'network.prune',
      () =>
        this.client.docker.pruneNetworks({ filters: JSON.stringify(filters) }) as Promise<{
          NetworksDeleted?: string[] | null;
        }>,
    );
    return raw.NetworksDeleted ?? [];
  }

  async connectNetwork(networkId: string, containerId: string, endpoint: EndpointSpec): Promise<void> {
    const body = { Container: containerId, EndpointConfig: endpointConfig(endpoint) };
    await this.client.mutate('network.connect', () => this.client.docker.getNetwork(networkId).connect(body));
  }

  async disconnectNetwork(networkId: string, containerId: string, force: boolean): Promise<void> {
    await this.client.mutate('network.disconnect', () =>
      this.client.docker.getNetwork(networkId).disconnect({ Container: containerId, Force: force }),
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
    return this.client.read(`container.list ${all} ${query}`, async () => {
      const raw = await this.client.versioned(
        'container.list',
        () => this.client.docker.listContainers({ all, filters: query }) as Promise<RawContainerSummary[]>,
      );
      return raw.map(toContainerSummary);
    });
  }

  inspectContainer(id: string): Promise<ContainerInfo> {
    return this.client.read(`container.inspect ${id}`, async () =>
      toContainerInfo(
        await this.client.versioned(
          'container.inspect',
          () => this.client.docker.getContainer(id).inspect() as Promise<RawContainerInspect>,
        ),
      ),
    );
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const body = {
      Image: spec.image,
      ...(spec.command ? { Cmd: spec.command } : {}),
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      Labels: this.journal.stamp(spec.labels),
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
    const container = await this.client.mutate('container.create', () =>
      this.client.docker.createContainer({ _query: spec.name ? { name: spec.name } : {}, _body: body }),
    );
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.client.mutate('container.start', () =>
      this.client.docker
        .getContainer(id)
        .start()
        .catch((error: unknown) => {
          if (!isNotModified(error)) throw error;
        }),
    );
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    // The engine answers once the container stopped: up to the grace period, then a kill.
    await this.client.mutate(
      'container.stop',
      () =>
        this.client.docker
          .getContainer(id)
          .stop({ t: timeoutSeconds })
          .catch((error: unknown) => {
            if (!isNotModified(error)) throw error;
          }),
      timeoutSeconds * 1000 + this.client.timeoutMs,
    );
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.client.mutate(
      'container.restart',
      () => this.client.docker.getContainer(id).restart({ t: timeoutSeconds }),
      timeoutSeconds * 1000 + this.client.timeoutMs,
    );
  }

  async removeContainer(id: string, force: boolean): Promise<void> {
    await this.client.mutate('container.remove', () =>
      this.client.docker.getContainer(id).remove({ force, v: false }),
    );
  }

  async containerLogs(id: string, query: LogQuery): Promise<LogLine[]> {
    const raw = await this.client.versioned('container.logs', () =>
      this.client.docker.getContainer(id).logs({
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
      const raw = await this.client.versioned(
        'image.inspect',
        () => this.client.docker.getImage(ref).inspect() as Promise<RawImageInspect>,
      );
      return { id: raw.Id, tags: raw.RepoTags ?? [] };
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return null;
      throw error;
    }
  }

  // --- exec and probes ----------------------------------------------------------------------

  async exec(containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult> {
    // A command changes what runs in the container: recorded before it starts, like any change.
    await this.journal.beforeChange('exec.create');
    const started = performance.now();
    const exec = await this.client.versioned('exec.create', () =>
      this.client.docker.getContainer(containerId).exec({
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
    const stream = await this.client.versioned('exec.start', () =>
      exec.start({ hijack: true, stdin: false, Tty: false }),
    );
    const demux = new StreamDemuxer(limits.outputLimitBytes);
    const finished = await readUntil(stream, demux, limits.timeoutMs - (performance.now() - started));
    let exitCode: number | null = null;
    if (finished) {
      // The stream ends a moment before the engine records the exit code; a busy engine takes
      // longer, so the wait has a deadline in time rather than a number of tries.
      const deadline = performance.now() + EXIT_CODE_WAIT_MS;
      for (;;) {
        const state = (await this.client.versioned('exec.inspect', () => exec.inspect())) as RawExecInspect;
        if (!state.Running) {
          exitCode = state.ExitCode ?? null;
          break;
        }
        if (performance.now() >= deadline) break;
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
    const { id } = await this.client.mutate('probe.create', () =>
      this.client.docker.createContainer({
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
    const container = this.client.docker.getContainer(id);
    try {
      await this.client.versioned('probe.start', () => container.start());
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        this.client.versioned(
          'probe.wait',
          () => container.wait() as Promise<{ StatusCode?: number }>,
          limits.timeoutMs + 1000,
        ),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), limits.timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      const raw = await this.client.versioned('probe.logs', () =>
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
      await this.client
        .mutate('probe.remove', () => container.remove({ force: true }))
        .catch((error: unknown) =>
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
