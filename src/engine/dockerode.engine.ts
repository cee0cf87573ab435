import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Duplex, Readable } from 'node:stream';
import { DomainError } from '../common/errors/domain-error';
import { Operations, type OperationJournal } from '../common/operation-context';
import { featuresFor } from './api-version';
import { DockerClient, type EngineCallObserver, isNotModified, sleep, type LooseExec } from './docker-client';
import { LogCollector, StreamDemuxer } from './docker-stream';
import {
  toContainerInfo,
  toContainerSummary,
  toNetwork,
  type RawContainerInspect,
  type RawContainerSummary,
  type RawExecInspect,
  type RawImageInspect,
  type RawInfo,
  type RawPlugin,
  type RawNetwork,
} from './dockerode.mappers';
import type { HostNetwork } from '../common/net/host-interfaces';
import type { EngineConnection } from './engine-connection';
import { EngineHostLocator } from './engine-host';
import { EngineRejection } from './engine.errors';
import type { ContainerEngine } from './engine.port';
import { DockerodeModelPort, type ModelEnginePort } from './read-model/model-port';
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
} from './engine.types';

// The IPAM drivers built into every engine (`windows` only on Windows engines).
const BUILTIN_IPAM_DRIVERS = ['default', 'null'];

// How long after an exec's output ends its exit code may take to show.
const EXIT_CODE_WAIT_MS = 5000;
// The environment variable that marks the processes of one exec (see endCommand).
const EXEC_MARK = 'SWITCHYARD_EXEC';
// How far the engine's start of a process may be from the moments Switchyard saw around it.
const EXEC_START_SLACK_MS = 1000;
// Ends a command in its container (sh and cat there; arguments: the mark, and the youngest
// and oldest age in clock ticks the command's own process can have relative to this script's).
// 1. Every process whose environment carries the mark is killed.
// 2. A command that dropped its environment (`env -i ...`) is found by what the engine makes of an
//    exec: a session of its own whose leader has parent 0 (its parent is outside the container) and
//    is not PID 1. The one session that started within the window, is not this script's, and has no
//    process of another Switchyard exec is killed whole. When more than one could be it, none is:
//    another client's command is never ended in its place.
const END_COMMAND_SCRIPT = [
  'mark=$1; youngest=$2; oldest=$3',
  'fields() { s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; ppid=$2; sid=$4; start=${20}; }',
  'env_of() { cat "/proc/$1/environ" 2>/dev/null; }',
  `for d in /proc/[0-9]*; do case "$(env_of "\${d#/proc/}")" in *${EXEC_MARK}=$mark*) kill -KILL "\${d#/proc/}" 2>/dev/null;; esac; done`,
  'fields $$; mine=$sid; now=$start; found=""; many=""',
  'for d in /proc/[0-9]*; do p=${d#/proc/}',
  '  fields "$p" || continue',
  '  [ "$ppid" = 0 ] && [ "$p" != 1 ] && [ "$sid" = "$p" ] && [ "$sid" != "$mine" ] || continue',
  '  age=$((now - start)); [ "$age" -ge "$youngest" ] && [ "$age" -le "$oldest" ] || continue',
  '  other=""',
  '  for e in /proc/[0-9]*; do q=${e#/proc/}; fields "$q" || continue; [ "$sid" = "$p" ] || continue',
  `    case "$(env_of "$q")" in *${EXEC_MARK}=$mark*) ;; *${EXEC_MARK}=*) other=1;; esac`,
  '  done',
  '  [ -z "$other" ] || continue',
  '  if [ -n "$found" ]; then many=1; else found=$p; fi',
  'done',
  '[ -n "$found" ] && [ -z "$many" ] || exit 0',
  'for d in /proc/[0-9]*; do p=${d#/proc/}; fields "$p" && [ "$sid" = "$found" ] && kill -KILL "$p" 2>/dev/null; done',
  'exit 0',
].join('\n');
// How long a killed command may take to show as ended.
// Tries at ending a command whose connection broke (see endCommand).
const END_COMMAND_ATTEMPTS = 3;
const KILL_WAIT_MS = 2000;

export class DockerodeEngine implements ContainerEngine {
  private readonly logger = new Logger('DockerEngine');
  private readonly client: DockerClient;

  private readonly host: EngineHostLocator | null;

  readonly endpoint: string;

  // Told of each probe container removed (the read model forgets it before runProbe answers).
  onProbeRemoved: ((id: string) => void) | null = null;

  // Every change is reported to the journal first (the audit stores its intent).
  constructor(
    connection: EngineConnection,
    timeoutMs: number,
    private readonly journal: OperationJournal = Operations,
    observe?: EngineCallObserver,
  ) {
    this.client = new DockerClient(connection, timeoutMs, journal, observe);
    this.endpoint = this.client.endpoint;
    this.host = connection.kind === 'unix' ? new EngineHostLocator(connection.socketPath) : null;
  }

  // The unshared reads and the event stream the read model is fed from.
  modelPort(): ModelEnginePort {
    return new DockerodeModelPort(this.client);
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
      const [raw, ipamPlugins] = await Promise.all([
        this.client.versioned(
          'info',
          (signal) => this.client.docker.info({ abortSignal: signal }) as Promise<RawInfo>,
        ),
        // /info lists no IPAM drivers: the built-in ones are fixed, plugins are asked for.
        this.client.versioned(
          'info',
          (signal) =>
            this.client.docker.listPlugins({
              filters: JSON.stringify({ capability: ['ipamdriver'] }),
              abortSignal: signal,
            }) as Promise<RawPlugin[]>,
        ),
      ]);
      return {
        id: raw.ID ?? '',
        name: raw.Name ?? '',
        serverVersion: raw.ServerVersion ?? '',
        swarm: {
          localNodeState: raw.Swarm?.LocalNodeState ?? 'inactive',
          isManager: raw.Swarm?.ControlAvailable === true,
        },
        networkDrivers: raw.Plugins?.Network ?? [],
        ipamDrivers: [
          ...BUILTIN_IPAM_DRIVERS,
          ...ipamPlugins
            .filter((plugin) => plugin.Enabled !== false && plugin.Name)
            .map((plugin) => plugin.Name!),
        ],
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
        (signal) =>
          this.client.docker.listNetworks({ filters: query, abortSignal: signal }) as Promise<RawNetwork[]>,
      );
      return raw.map((n) => toNetwork(n, false));
    });
  }

  inspectNetwork(id: string): Promise<NetworkInfo> {
    return this.client.read(`network.inspect ${id}`, async () => {
      const raw = await this.client.versioned(
        'network.inspect',
        (signal) => this.client.docker.getNetwork(id).inspect({ abortSignal: signal }) as Promise<RawNetwork>,
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
    const network = await this.client.mutate('network.create', (signal) =>
      this.client.docker.createNetwork({ _query: {}, _body: body, abortSignal: signal }),
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
      const raw = (await this.client.versioned('network.inspect', (signal) =>
        this.client.docker.getNetwork(id).inspect({ abortSignal: signal }),
      )) as RawNetwork;
      if (raw.Driver || performance.now() >= deadline) return;
      await sleep(25);
    }
  }

  async removeNetwork(id: string): Promise<void> {
    await this.client.mutate('network.remove', (signal) =>
      this.client.docker.getNetwork(id).remove({ abortSignal: signal }),
    );
  }

  async pruneNetworks(labelFilters: string[]): Promise<string[]> {
    const filters = labelFilters.length ? { label: labelFilters } : {};
    const raw = await this.client.mutate(
      'network.prune',
      (signal) =>
        this.client.docker.pruneNetworks({
          filters: JSON.stringify(filters),
          abortSignal: signal,
        }) as Promise<{
          NetworksDeleted?: string[] | null;
        }>,
    );
    return raw.NetworksDeleted ?? [];
  }

  async connectNetwork(networkId: string, containerId: string, endpoint: EndpointSpec): Promise<void> {
    const body = { Container: containerId, EndpointConfig: endpointConfig(endpoint, networkId) };
    await this.client.mutate('network.connect', (signal) =>
      this.client.docker.getNetwork(networkId).connect({ ...body, abortSignal: signal }),
    );
  }

  async disconnectNetwork(networkId: string, containerId: string, force: boolean): Promise<void> {
    await this.client.mutate('network.disconnect', (signal) =>
      this.client.docker
        .getNetwork(networkId)
        .disconnect({ Container: containerId, Force: force, abortSignal: signal }),
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
        (signal) =>
          this.client.docker.listContainers({ all, filters: query, abortSignal: signal }) as Promise<
            RawContainerSummary[]
          >,
      );
      return raw.map(toContainerSummary);
    });
  }

  inspectContainer(id: string): Promise<ContainerInfo> {
    return this.client.read(`container.inspect ${id}`, async () =>
      toContainerInfo(
        await this.client.versioned(
          'container.inspect',
          (signal) =>
            this.client.docker
              .getContainer(id)
              .inspect({ abortSignal: signal }) as Promise<RawContainerInspect>,
        ),
      ),
    );
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const body = {
      Image: spec.image,
      ...(spec.command ? { Cmd: spec.command } : {}),
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
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
        EndpointsConfig: Object.fromEntries(
          spec.endpoints.map((e) => [e.networkId, endpointConfig(e, e.networkId)]),
        ),
      },
    };
    const container = await this.client.mutate('container.create', (signal) =>
      this.client.docker.createContainer({
        _query: spec.name ? { name: spec.name } : {},
        _body: body,
        abortSignal: signal,
      }),
    );
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.client.mutate('container.start', (signal) =>
      this.client.docker
        .getContainer(id)
        .start({ abortSignal: signal })
        .catch((error: unknown) => {
          if (!isNotModified(error)) throw error;
        }),
    );
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    // The engine answers once the container stopped: up to the grace period, then a kill.
    await this.client.mutate(
      'container.stop',
      (signal) =>
        this.client.docker
          .getContainer(id)
          .stop({ t: timeoutSeconds, abortSignal: signal })
          .catch((error: unknown) => {
            if (!isNotModified(error)) throw error;
          }),
      timeoutSeconds * 1000 + this.client.timeoutMs,
    );
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.client.mutate(
      'container.restart',
      (signal) => this.client.docker.getContainer(id).restart({ t: timeoutSeconds, abortSignal: signal }),
      timeoutSeconds * 1000 + this.client.timeoutMs,
    );
  }

  async removeContainer(id: string, force: boolean): Promise<void> {
    await this.client.mutate('container.remove', (signal) =>
      this.client.docker.getContainer(id).remove({ force, v: false, abortSignal: signal }),
    );
  }

  async renameContainer(id: string, name: string): Promise<void> {
    await this.client.mutate('container.rename', (signal) =>
      this.client.docker.getContainer(id).rename({ name, abortSignal: signal }),
    );
  }

  // The log is read as a stream and parsed as it arrives; at query.limitBytes the stream is
  // destroyed (closing its connection) and the answer says truncated.
  async containerLogs(id: string, query: LogQuery): Promise<LogAnswer> {
    const options = {
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      ...(query.tail !== undefined ? { tail: query.tail } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
    };
    return this.client.versioned('container.logs', async (signal) => {
      const stream = await this.openStream(`/containers/${encodeURIComponent(id)}/logs?`, options, signal);
      const collector = new LogCollector(query.limitBytes);
      await readStream(stream, signal, (chunk) => {
        collector.push(chunk);
        return !collector.full;
      });
      return { lines: collector.end(), truncated: collector.full };
    });
  }

  // A GET whose answer is read as a stream (dockerode streams logs only when following them).
  private openStream(path: string, options: object, signal: AbortSignal): Promise<Readable> {
    return new Promise((resolve, reject) => {
      this.client.docker.modem.dial(
        {
          path,
          method: 'GET',
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options,
        },
        (error, data) => (error ? reject(error) : resolve(data as Readable)),
      );
    });
  }

  async inspectImage(ref: string): Promise<ImageInfo | null> {
    try {
      const raw = await this.client.versioned(
        'image.inspect',
        (signal) =>
          this.client.docker.getImage(ref).inspect({ abortSignal: signal }) as Promise<RawImageInspect>,
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
    // The engine cannot kill an exec. Its process, and whatever it starts, carry this mark in their
    // environment, so that they can be found and ended in the container (see endCommand).
    const mark = randomUUID();
    const exec = await this.client.versioned('exec.create', (signal) =>
      this.client.docker.getContainer(containerId).exec({
        Cmd: spec.command,
        Env: [...Object.entries(spec.env).map(([key, value]) => `${key}=${value}`), `${EXEC_MARK}=${mark}`],
        ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
        ...(spec.user ? { User: spec.user } : {}),
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        abortSignal: signal,
      }),
    );
    const stream = await this.client.versioned('exec.start', (signal) =>
      exec.start({ hijack: true, stdin: false, Tty: false, abortSignal: signal }),
    );
    const startedBy = performance.now();
    const demux = new StreamDemuxer(limits.outputLimitBytes);
    const outcome = await readUntil(stream, demux, limits.timeoutMs - (performance.now() - started));
    let exitCode: number | null = null;
    let running = outcome !== 'ended';
    let broken = outcome === 'broken';
    if (outcome === 'ended') {
      // The stream ends a moment before the engine records the exit code; a busy engine takes
      // longer, so the wait has a deadline in time rather than a number of tries.
      try {
        const state = await this.untilExited(exec, EXIT_CODE_WAIT_MS);
        running = state.Running === true;
        exitCode = running ? null : (state.ExitCode ?? null);
      } catch (error) {
        // The connection broke as the output ended (a kept-alive socket cut with it): the exit is
        // unknown. An engine that is really gone fails the ending below as unavailable.
        if (!(error instanceof DomainError) || error.code !== 'ENGINE_UNAVAILABLE') throw error;
        running = true;
        broken = true;
      }
    }
    // Past the deadline, or with the output gone while it still runs, the command is ended.
    if (running) await this.endCommand(containerId, exec, mark, spec.user, { from: started, to: startedBy });
    if (broken || (outcome === 'ended' && running)) {
      throw new DomainError(
        'ENGINE_ERROR',
        `The connection to the Docker engine at ${this.endpoint} broke while the command ran in the container, ` +
          'so its output and exit code are unknown; the command was ended. Check the engine, then run the command again.',
        { context: { container: containerId } },
      );
    }
    return {
      exitCode,
      stdout: demux.text('stdout'),
      stderr: demux.text('stderr'),
      durationMs: Math.round(performance.now() - started),
      timedOut: outcome === 'deadline',
      truncated: demux.truncated,
    };
  }

  // Inspects the exec until it no longer runs or `waitMs` passed; answers the last state.
  private async untilExited(exec: LooseExec, waitMs: number): Promise<RawExecInspect> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      const state = (await this.client.versioned('exec.inspect', (signal) =>
        exec.inspect({ abortSignal: signal }),
      )) as RawExecInspect;
      if (!state.Running || performance.now() >= deadline) return state;
      await sleep(10);
    }
  }

  // Ends a command and everything it started: a second exec, as the same user, kills every process
  // in the container whose environment carries the command's mark, and the command's own session
  // when it dropped its environment (see END_COMMAND_SCRIPT). It needs sh and cat in the
  // container; where they are missing (or the command cannot be told from another client's) the
  // command runs on, and this is logged. Never throws: the caller's answer does not depend on it.
  private async endCommand(
    containerId: string,
    exec: LooseExec,
    mark: string,
    user: string | undefined,
    startedWithin: { from: number; to: number },
  ): Promise<void> {
    // How long before the killer the command's own process started, in clock ticks (1/100 s).
    const now = performance.now();
    const ticks = (ms: number) => Math.max(0, Math.floor(ms / 10));
    const youngest = ticks(now - startedWithin.to - EXEC_START_SLACK_MS);
    const oldest = ticks(now - startedWithin.from + EXEC_START_SLACK_MS);
    // The connection that broke may have taken the client's other kept-alive sockets with it (a
    // proxy or engine restart cuts them all), and the first request can meet one that is dead
    // before the pool has heard: the killer is sent again on a fresh connection.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runKiller(containerId, exec, mark, user, youngest, oldest);
        return;
      } catch (error) {
        if (attempt >= END_COMMAND_ATTEMPTS) {
          this.logger.warn(
            { err: error, container: containerId },
            'could not end a command in its container',
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  private async runKiller(
    containerId: string,
    exec: LooseExec,
    mark: string,
    user: string | undefined,
    youngest: number,
    oldest: number,
  ): Promise<void> {
    const killer = await this.client.versioned('exec.create', (signal) =>
      this.client.docker.getContainer(containerId).exec({
        Cmd: ['sh', '-c', END_COMMAND_SCRIPT, 'sh', mark, String(youngest), String(oldest)],
        ...(user ? { User: user } : {}),
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        abortSignal: signal,
      }),
    );
    const stream = await this.client.versioned('exec.start', (signal) =>
      killer.start({ hijack: true, stdin: false, Tty: false, abortSignal: signal }),
    );
    const output = new StreamDemuxer(4096);
    await readUntil(stream, output, this.client.timeoutMs);
    const state = await this.untilExited(exec, KILL_WAIT_MS);
    if (state.Running) {
      this.logger.warn(
        { container: containerId, output: (output.text('stdout') + output.text('stderr')).slice(0, 500) },
        'could not end a command in its container (ending it needs sh and cat there); it runs on',
      );
    }
  }

  async runProbe(spec: ProbeSpec, limits: ExecLimits): Promise<ExecResult> {
    const started = performance.now();
    const { id } = await this.client.mutate('probe.create', (signal) =>
      this.client.docker.createContainer({
        abortSignal: signal,
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
      await this.client.versioned('probe.start', (signal) => container.start({ abortSignal: signal }));
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        this.client.versioned(
          'probe.wait',
          (signal) => container.wait({ abortSignal: signal }) as Promise<{ StatusCode?: number }>,
          limits.timeoutMs + 1000,
        ),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), limits.timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      const demux = new StreamDemuxer(limits.outputLimitBytes);
      await this.client.versioned('probe.logs', async (signal) => {
        const stream = await this.openStream(
          `/containers/${encodeURIComponent(id)}/logs?`,
          { stdout: true, stderr: true, follow: false },
          signal,
        );
        await readStream(stream, signal, (chunk) => {
          demux.push(chunk);
          return !demux.truncated;
        });
      });
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
        .mutate('probe.remove', (signal) => container.remove({ force: true, abortSignal: signal }))
        .then(() => this.onProbeRemoved?.(id))
        .catch((error: unknown) =>
          this.logger.warn({ err: error, probe: id }, 'could not remove a probe container'),
        );
    }
  }
}

// The endpoint names its network by id: an engine that keys endpoints by network name would
// otherwise look the name up again when the container starts, and a name that is another
// network's full id finds that other network (Docker looks up ids before names).
function endpointConfig(endpoint: EndpointSpec, networkId: string): Record<string, unknown> {
  const ipam: Record<string, string> = {};
  if (endpoint.ipv4Address) ipam.IPv4Address = endpoint.ipv4Address;
  if (endpoint.ipv6Address) ipam.IPv6Address = endpoint.ipv6Address;
  return {
    NetworkID: networkId,
    ...(Object.keys(ipam).length ? { IPAMConfig: ipam } : {}),
    ...(endpoint.aliases?.length ? { Aliases: endpoint.aliases } : {}),
    ...(endpoint.macAddress ? { MacAddress: endpoint.macAddress } : {}),
  };
}

type ReadOutcome = 'ended' | 'deadline' | 'broken';

// Feeds the stream to the demuxer until it ends, the time is up, or the connection breaks (an
// error, or a close without an end). Past the deadline or on a break the stream is destroyed.
function readUntil(stream: Duplex, demux: StreamDemuxer, timeoutMs: number): Promise<ReadOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: ReadOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome !== 'ended') stream.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle('deadline'), Math.max(0, timeoutMs));
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', () => settle('ended'));
    stream.on('close', () => settle('broken'));
    stream.on('error', () => settle('broken'));
  });
}

// Reads a stream chunk by chunk until it ends or `take` answers false (then the stream is
// destroyed: enough was read). An abort of the call or a broken connection is an error.
function readStream(stream: Readable, signal: AbortSignal, take: (chunk: Buffer) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve();
    };
    const onAbort = () => {
      stream.destroy();
      settle(Object.assign(new Error('aborted'), { code: 'ECONNABORTED' }));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (!take(chunk)) {
        stream.destroy();
        settle();
      }
    });
    stream.on('end', () => settle());
    stream.on('error', (error: Error) => settle(error));
    stream.on('close', () => settle(Object.assign(new Error('stream closed early'), { code: 'ECONNRESET' })));
  });
}
