import type { ContainerSpec, EndpointSpec, ExecLimits, ExecResult } from '../../../src/engine/engine.types';
import type { EngineFeatures } from '../../../src/engine/engine.types';
import { type ExecContext, type ExecHandler, type ExecOutcome, simulateBusybox } from './busybox';
import { type ContainerRecord, type EndpointRecord, type MemoryImage, withOperationLabel } from './model';
import { noSuchImage, refuse } from './refusals';
import type { EngineState } from './state';

// Containers of the in-memory engine: create with its endpoint settings (as each API version
// takes them), start (endpoints come alive, the main command runs), stop, and commands.

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function endpointRecord(networkId: string, settings: EndpointSpec): EndpointRecord {
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

function limit(text: string, bytes: number): { text: string; cut: boolean } {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes
    ? { text, cut: false }
    : { text: buffer.subarray(0, bytes).toString('utf8'), cut: true };
}

export class ContainerLifecycle {
  constructor(
    private readonly state: EngineState,
    private readonly features: () => EngineFeatures,
    private readonly handler: () => ExecHandler,
  ) {}

  create(spec: ContainerSpec, image: MemoryImage | undefined): string {
    if (!image) throw noSuchImage(spec.image);
    if (spec.name && this.state.containers().some((c) => c.name === spec.name)) {
      const holder = this.state.containers().find((c) => c.name === spec.name)!;
      throw refuse(
        409,
        `Conflict. The container name "/${spec.name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const features = this.features();
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
        endpoints.push(endpointRecord(network.id, { ...wanted, macAddress: mac }));
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

  async start(container: ContainerRecord): Promise<void> {
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

  stop(container: ContainerRecord): void {
    // Already stopped: the engine answers 304, which is done. busybox sleep ignores SIGTERM.
    if (container.state === 'running') this.exit(container, 137);
  }

  private exit(container: ContainerRecord, exitCode: number): void {
    this.state.deactivateAll(container);
    container.state = 'exited';
    container.exitCode = exitCode;
    container.finishedAt = this.state.now();
  }

  async runCommand(context: Omit<ExecContext, 'world'>, limits: ExecLimits): Promise<ExecResult> {
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

  private outcomeOf(context: Omit<ExecContext, 'world'>): Promise<ExecOutcome> {
    return Promise.resolve(this.handler()({ ...context, world: this.state }, simulateBusybox));
  }
}
