import { Inject, Injectable } from '@nestjs/common';
import { mapLimit } from '../common/concurrency/map-limit';
import { DomainError } from '../common/errors/domain-error';
import { cidrContainsIp, normaliseIp, parseCidr, parseIp, type IpAddress } from '../common/net/ip';
import { resolveReference } from '../common/reference/resolve-reference';
import { AccessPolicy, PARENT_INTERFACE_DRIVERS } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import { AppConfig } from '../config/app-config';
import { ContainersService } from '../containers/containers.service';
import { ExecService } from '../containers/exec.service';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import type { ContainerEndpoint, ContainerInfo, ContainerSummary, ExecResult } from '../engine/engine.types';
import { ResourceLookup } from '../lookup/resource-lookup';
import { MANAGED_LABEL, PROBE_LABEL } from '../common/labels';
import { InstanceIdentity } from '../instance/instance-identity';
import type { MatrixInput, PingInput } from './dto/ping.input';
import type {
  ConnectivityMatrixModel,
  DiagnosisModel,
  MatrixEntryModel,
  PingResultModel,
} from './models/connectivity.model';
import { parsePing, programMissing, splitByTarget } from './ping-output';

// Time on top of ping's own deadline for the exec round trip.
const EXEC_SLACK_MS = 3000;
const MATRIX_MAX_MEMBERS = 64;

// One exec per source: pings every target at once, each output line prefixed with its target.
// Arguments: count, deadline in seconds, then the target addresses.
const MATRIX_SCRIPT =
  'c=$1; w=$2; shift 2; for t in "$@"; do ' +
  '( ping -c "$c" -w "$w" -W "$w" -i 0.2 "$t" 2>&1 | while IFS= read -r l; do echo "$t|$l"; done ) & ' +
  'done; wait';

// The transport a caller used: a suggested fix names its route or its mutation. 'template': the
// expectations of a template, whose fix is in the template (no route of any transport).
export type Transport = 'rest' | 'graphql' | 'template';

interface Fixes {
  start: (container: string) => string;
  // The end of the NO_SHARED_NETWORK diagnosis: how to give both a network.
  share: (network: string, source: string, target: string) => string;
  // The end of the NETWORK_INTERNAL diagnosis.
  leaveInternal: (source: string) => string;
}

const FIXES: Record<Transport, Fixes> = {
  rest: {
    start: (container) => `start it (POST /api/v1/containers/${container}/start)`,
    share: (network, source) =>
      `Connect both to one network, e.g. POST /api/v1/networks/${network}/connections with {"container": "${source}"}.`,
    leaveInternal: (source) =>
      `Connect it to a network that is not internal to reach other addresses (POST /api/v1/networks/<network>/connections with {"container": "${source}"}).`,
  },
  graphql: {
    start: (container) => `start it (startContainer(ref: "${container}"))`,
    share: (network, source) =>
      `Connect both to one network, e.g. connectContainer(network: "${network}", input: {container: "${source}"}).`,
    leaveInternal: (source) =>
      `Connect it to a network that is not internal to reach other addresses (connectContainer(network: "<network>", input: {container: "${source}"})).`,
  },
  template: {
    start: () => 'start it (apply the template again)',
    share: (_network, source, target) =>
      `Add a network both containers join in the template (containers.${source}.networks and containers.${target}.networks).`,
    leaveInternal: (source) =>
      `Add a network that is not internal to containers.${source}.networks in the template to reach other addresses.`,
  },
};

type Probe = { result: ExecResult; probe: 'exec' | 'helper' } | { missing: DiagnosisModel };

// A pair for checkReach: container names (or ids) on the engine.
export interface ReachPair {
  from: string;
  to: string;
}

export interface ReachOutcome {
  from: string;
  to: string;
  reachable: boolean;
  // The address the name resolved to, when it did.
  address: string | null;
}

interface Target {
  info: ContainerInfo | null;
}

@Injectable()
export class ConnectivityService {
  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
    private readonly execs: ExecService,
    private readonly config: AppConfig,
    private readonly access: AccessPolicy,
    private readonly containers: ContainersService,
    private readonly instance: InstanceIdentity,
  ) {}

  async ping(input: PingInput, actor: Actor, transport: Transport = 'rest'): Promise<PingResultModel> {
    const fix = FIXES[transport];
    const count = input.count ?? 3;
    const timeoutMs = input.timeoutMs ?? 5000;
    // Diagnoses name only the networks the key may see.
    const [{ info: source }, shown] = await Promise.all([
      this.lookup.container(input.from, actor),
      this.lookup.endpointVisibility(actor),
    ]);
    // The ping runs in the source: it must be a container the key may run commands in.
    await this.containers.assertMayDrive(source, actor, 'ping from');
    const answer: PingResultModel = {
      from: source.name,
      to: input.to,
      reachable: false,
      resolvedAddress: null,
      transmitted: 0,
      received: 0,
      packetLoss: null,
      rttMs: null,
      probe: null,
      diagnosis: null,
    };
    const diagnose = (code: string, message: string) => ({ ...answer, diagnosis: { code, message } });

    if (!source.running) {
      return diagnose(
        'SOURCE_NOT_RUNNING',
        `The source container "${source.name}" is ${source.state}: ${fix.start(source.name)}, then ping again.`,
      );
    }
    // Probes stay within the key's reach, at both ends.
    const target = await this.findTarget(input.to, source, actor);
    if (target.info && !target.info.running) {
      return diagnose(
        'TARGET_NOT_RUNNING',
        `The target container "${target.info.name}" is ${target.info.state}: ${fix.start(target.info.name)}, then ping again.`,
      );
    }
    if (target.info && !sharesNetwork(source, target.info)) {
      // The fix suggested: the source joins a network of the target that the key may see.
      const joinable = target.info.endpoints.filter(shown).map((e) => e.networkName);
      const network = joinable.sort()[0] ?? '<network>';
      return {
        ...answer,
        diagnosis: {
          code: 'NO_SHARED_NETWORK',
          message:
            `"${source.name}" and "${target.info.name}" share no network: "${source.name}" is on ${networksOf(source, shown)}, ` +
            `"${target.info.name}" on ${networksOf(target.info, shown)}. ${fix.share(network, source.name, target.info.name)}`,
        },
      };
    }

    // -w bounds the whole run; busybox also needs -W, or it waits 10 s for replies that never come.
    const seconds = String(Math.ceil(timeoutMs / 1000));
    const destination = target.info ? await this.destination(input.to, source, target.info, actor) : input.to;
    const command = ['ping', '-c', String(count), '-w', seconds, '-W', seconds, '-i', '0.2', destination];
    const probed = await this.probe(source, command, timeoutMs + EXEC_SLACK_MS, actor.keyId);
    if ('missing' in probed) return { ...answer, diagnosis: probed.missing };
    const stats = parsePing(`${probed.result.stdout}\n${probed.result.stderr}`);
    const result: PingResultModel = {
      ...answer,
      probe: probed.probe,
      reachable: stats.received > 0,
      resolvedAddress: stats.resolvedAddress,
      transmitted: stats.transmitted,
      received: stats.received,
      packetLoss: stats.packetLoss,
      rttMs: stats.rttMs,
    };
    if (result.reachable) return result;
    if (stats.unresolved) {
      return {
        ...result,
        diagnosis: {
          code: 'NAME_NOT_RESOLVED',
          message: this.unresolvedMessage(input.to, source, target.info, shown),
        },
      };
    }
    // No "PING name (address)" line: the lookup itself did not finish before the deadline, so not
    // one echo request was sent (a name server that does not answer).
    if (!stats.resolvedAddress && !parseIp(input.to)) {
      return {
        ...result,
        diagnosis: {
          code: 'NAME_NOT_RESOLVED',
          message:
            `"${input.to}" did not resolve from "${source.name}" within ${seconds} s: the name server the container uses ` +
            'did not answer. Check the DNS settings of the engine (or the container), or ping by IP address.',
        },
      };
    }
    const internal = await this.onlyInternal(source);
    if (stats.networkUnreachable || (!target.info && internal)) {
      return {
        ...result,
        diagnosis: {
          code: internal ? 'NETWORK_INTERNAL' : 'PACKET_LOSS',
          message: internal
            ? `"${source.name}" is only on internal networks (${networksOf(source, shown)}): nothing outside them can be reached. ` +
              fix.leaveInternal(source.name)
            : `"${source.name}" has no route to ${input.to}.`,
        },
      };
    }
    const timedOut = probed.result.timedOut ? ' (the probe hit its deadline)' : '';
    return {
      ...result,
      diagnosis: {
        code: 'PACKET_LOSS',
        message:
          `All ${stats.transmitted || count} echo requests to ${stats.resolvedAddress ?? input.to} were lost${timedOut}. ` +
          'The target does not answer ICMP echo, or a firewall in between drops it.',
      },
    };
  }

  async matrix(input: MatrixInput, actor: Actor): Promise<ConnectivityMatrixModel> {
    const started = performance.now();
    const count = input.count ?? 1;
    const timeoutMs = input.timeoutMs ?? 2000;
    const network = await this.lookup.network(input.network, actor);
    // Every member on a network that attaches to a host interface has power over the host.
    if (actor.role !== 'admin' && PARENT_INTERFACE_DRIVERS.has(network.driver)) {
      this.access.assertAdmin(
        actor,
        'parent-interface',
        `A matrix on the ${network.driver} network "${network.name}" (it runs commands in containers on a host interface)`,
      );
    }
    // Only the containers the key may run commands in take part.
    const [listed, networks] = await Promise.all([
      this.engine.listContainers({ network: [network.id], label: this.access.labelFilters(actor) }),
      actor.role === 'admin' ? Promise.resolve([]) : this.engine.listNetworks(),
    ]);
    const members = listed
      .filter((c) => this.access.mayDrive(actor, c, networks))
      .map((c) => ({ name: c.names[0] ?? c.id.slice(0, 12), summary: c, address: addressOn(c, network.id) }))
      .filter((m): m is { name: string; summary: ContainerSummary; address: string } => m.address !== null)
      .sort((a, b) => a.name.localeCompare(b.name));
    if (members.length > MATRIX_MAX_MEMBERS) {
      throw DomainError.validation([
        {
          field: 'network',
          message: `network "${network.name}" has ${members.length} running containers; the matrix covers at most ${MATRIX_MAX_MEMBERS}`,
        },
      ]);
    }
    const rows = await mapLimit(members, this.execs.perKeyConcurrency, async (source) => {
      const targets = members.filter((m) => m !== source);
      if (targets.length === 0) return [];
      const command = matrixCommand(
        count,
        timeoutMs,
        targets.map((t) => t.address),
      );
      const info = await this.engine.inspectContainer(source.summary.id);
      const probed = await this.probe(info, command, timeoutMs + EXEC_SLACK_MS, actor.keyId);
      const outputs = 'missing' in probed ? new Map<string, string>() : splitByTarget(probed.result.stdout);
      return targets.map((target): MatrixEntryModel => {
        const stats = parsePing(outputs.get(target.address) ?? '');
        return {
          from: source.name,
          to: target.name,
          address: target.address,
          reachable: stats.received > 0,
          rttMs: stats.rttMs,
        };
      });
    });
    return {
      network: network.name,
      durationMs: Math.round(performance.now() - started),
      results: rows.flat(),
    };
  }

  // How many probes one key may run at once (more wait in line, and may get EXEC_BUSY).
  get probeConcurrency(): number {
    return this.execs.perKeyConcurrency;
  }

  // Whether each source reaches each target by NAME, as one matrix: one probe per source pinging
  // all its targets at once (bounded by the exec slots), reachable when any reply came. A source
  // that is missing or not running reaches nothing. For the template expectations: the caller
  // diagnoses the pairs whose outcome it did not expect (ping() says why).
  async checkReach(
    pairs: readonly ReachPair[],
    actor: Actor,
    options: { count?: number; timeoutMs?: number } = {},
  ): Promise<ReachOutcome[]> {
    const count = options.count ?? 1;
    const timeoutMs = options.timeoutMs ?? 2000;
    const bySource = new Map<string, string[]>();
    for (const { from, to } of pairs) {
      const targets = bySource.get(from) ?? [];
      if (!targets.includes(to)) targets.push(to);
      bySource.set(from, targets);
    }
    const outcomes = new Map<string, ReachOutcome>();
    const key = (from: string, to: string) => `${from}\u0000${to}`;
    await mapLimit([...bySource], this.execs.perKeyConcurrency, async ([from, targets]) => {
      const info = await this.engine.inspectContainer(from).catch(() => null);
      let outputs = new Map<string, string>();
      if (info?.running) {
        const command = matrixCommand(count, timeoutMs, targets);
        const probed = await this.probe(info, command, timeoutMs + EXEC_SLACK_MS, actor.keyId);
        if (!('missing' in probed)) outputs = splitByTarget(probed.result.stdout);
      }
      for (const to of targets) {
        const stats = parsePing(outputs.get(to) ?? '');
        outcomes.set(key(from, to), {
          from,
          to,
          reachable: stats.received > 0,
          address: stats.resolvedAddress,
        });
      }
    });
    return pairs.map((p) => outcomes.get(key(p.from, p.to)) as ReachOutcome);
  }

  // Runs the command in the source container; an image without the program gets a helper
  // container from PROBE_IMAGE in the source's network namespace instead.
  private async probe(
    source: ContainerInfo,
    command: string[],
    timeoutMs: number,
    keyId: string,
  ): Promise<Probe> {
    const own = await this.execs.run(source.id, source.name, { command, env: {} }, timeoutMs, keyId);
    if (!programMissing(own.exitCode, own.stdout + own.stderr)) return { result: own, probe: 'exec' };
    const image = this.config.PROBE_IMAGE;
    if (!(await this.engine.inspectImage(image))) {
      return {
        missing: {
          code: 'NO_PROBE',
          message:
            `"${source.name}" has no ${command[0]}, and the probe image "${image}" is not on the engine, so no probe can run. ` +
            'Load an image with a busybox ping on the engine and name it in PROBE_IMAGE.',
        },
      };
    }
    const result = await this.execs.probe(
      {
        image,
        command,
        targetContainerId: source.id,
        labels: this.instance.stamp({ [PROBE_LABEL]: 'true', [MANAGED_LABEL]: 'true' }),
      },
      timeoutMs,
      keyId,
    );
    return { result, probe: 'helper' };
  }

  // The target as a container, when `to` names one: by name or id, by address, or by alias on
  // one of the source's networks. Anything else is a host name for the source's resolver.
  // A scoped key pings only within its scope: a container of its scope (by name, id, alias or
  // address), the source's own loopback, or a free address on a network of its scope that the
  // source is on. Anything else, a container outside the scope included, is not found, before
  // any probe runs (the engine's name server would answer for any container on a shared network).
  private async findTarget(to: string, source: ContainerInfo, actor: Actor): Promise<Target> {
    const all = await this.engine.listContainers({ all: true });
    const scoped = !this.access.unscoped(actor);
    const containers = scoped ? all.filter((c) => this.access.canSee(actor, this.access.container(c))) : all;
    try {
      const match = resolveReference(to, containers, 'container', 'CONTAINER_NOT_FOUND');
      return { info: await this.engine.inspectContainer(match.id) };
    } catch (error) {
      // Not a container name: an address or an alias, looked at next.
      const code = error instanceof DomainError ? error.code : null;
      if (code !== 'CONTAINER_NOT_FOUND' && code !== 'AMBIGUOUS_REFERENCE' && code !== 'NOT_FOUND')
        throw error;
    }
    const ip = parseIp(to);
    if (ip) {
      const wanted = normaliseIp(to);
      const holder = all.find((c) =>
        c.endpoints.some((e) => [e.ipv4Address, e.ipv6Address].some((a) => a && normaliseIp(a) === wanted)),
      );
      if (scoped) {
        const reachable = holder
          ? containers.includes(holder)
          : isLoopback(ip) || (await this.onScopedNetworkOf(source, ip, actor));
        if (!reachable) throw notInReach(to);
      }
      return { info: holder ? await this.engine.inspectContainer(holder.id) : null };
    }
    const sourceNetworks = new Set(source.endpoints.map((e) => e.networkId));
    const neighbours = containers.filter(
      (c) => c.id !== source.id && c.endpoints.some((e) => sourceNetworks.has(e.networkId)),
    );
    for (const { info } of await this.lookup.inspectMany(neighbours)) {
      if (info.endpoints.some((e) => sourceNetworks.has(e.networkId) && e.aliases.includes(to)))
        return { info };
    }
    if (scoped) throw notInReach(to);
    return { info: null };
  }

  // What the probe pings for a target container. The engine's name server answers on a network
  // for every container on it (name, short id, aliases), whatever its scope: when the name a
  // scoped key gave is also one of a container outside its scope on a network of the source, the
  // probe pings the target's own address there instead, so that it never reaches the other one.
  private async destination(
    to: string,
    source: ContainerInfo,
    target: ContainerInfo,
    actor: Actor,
  ): Promise<string> {
    if (this.access.unscoped(actor) || parseIp(to)) return to;
    const joined = new Set(source.endpoints.map((e) => e.networkId).filter(Boolean));
    const others = (await this.engine.listContainers()).filter(
      (c) =>
        c.endpoints.some((e) => joined.has(e.networkId)) &&
        !this.access.canSee(actor, this.access.container(c)),
    );
    const name = to.toLowerCase();
    const clash = (await this.lookup.inspectMany(others)).some(
      ({ info }) =>
        info.name.toLowerCase() === name ||
        info.id.startsWith(name) ||
        info.endpoints.some(
          (e) => joined.has(e.networkId) && e.aliases.some((a) => a.toLowerCase() === name),
        ),
    );
    if (!clash) return to;
    const shared = target.endpoints.find((e) => joined.has(e.networkId) && (e.ipv4Address || e.ipv6Address));
    return shared?.ipv4Address ?? shared?.ipv6Address ?? to;
  }

  // True when the address lies in a subnet of a network of the key's scope that the source is on.
  private async onScopedNetworkOf(source: ContainerInfo, ip: IpAddress, actor: Actor): Promise<boolean> {
    const joined = new Set(source.endpoints.map((e) => e.networkId).filter(Boolean));
    return (await this.engine.listNetworks())
      .filter((n) => joined.has(n.id) && this.access.canSee(actor, this.access.network(n)))
      .some((n) =>
        n.ipam.config.some((c) => {
          const parsed = c.subnet ? parseCidr(c.subnet) : null;
          return parsed?.ok === true && cidrContainsIp(parsed.cidr, ip);
        }),
      );
  }

  // True when every network of the container is internal (no route leaves them).
  private async onlyInternal(container: ContainerInfo): Promise<boolean> {
    if (container.endpoints.length === 0) return false;
    const internal = new Set((await this.engine.listNetworks()).filter((n) => n.internal).map((n) => n.id));
    return container.endpoints.every((e) => internal.has(e.networkId));
  }

  private unresolvedMessage(
    to: string,
    source: ContainerInfo,
    target: ContainerInfo | null,
    shown: (endpoint: ContainerEndpoint) => boolean,
  ): string {
    const networks = networkNames(source);
    if (networks.length === 1 && networks[0] === 'bridge') {
      return (
        `"${to}" does not resolve from "${source.name}": it is only on the default bridge network, which has no name resolution. ` +
        'Put both containers on a user-defined network, or ping by IP address.'
      );
    }
    if (target) {
      return (
        `"${to}" does not resolve from "${source.name}": names resolve only on user-defined networks both containers are on ` +
        `("${source.name}" is on ${networksOf(source, shown)}).`
      );
    }
    return `"${to}" does not resolve from "${source.name}": no container, alias or host of that name is known on ${networksOf(source, shown)}.`;
  }
}

// The same answer for a target outside the scope and one that does not exist.
function notInReach(to: string): DomainError {
  return new DomainError(
    'CONTAINER_NOT_FOUND',
    `No container matches "${to}": ping a container by its name, id, id prefix or network alias, ` +
      'or an address on a network of the source container.',
    { context: { ref: to } },
  );
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'].map((text) => parseCidr(text));

function isLoopback(ip: IpAddress): boolean {
  return LOOPBACK.some((parsed) => parsed.ok && cidrContainsIp(parsed.cidr, ip));
}

function networkNames(container: ContainerInfo): string[] {
  return container.endpoints.map((e) => e.networkName).sort();
}

// The networks of a container in words, naming only those the key may see.
function networksOf(container: ContainerInfo, shown: (endpoint: ContainerEndpoint) => boolean): string {
  const names = container.endpoints
    .filter(shown)
    .map((e) => e.networkName)
    .sort();
  const hidden = container.endpoints.length - names.length;
  const outside = hidden ? `${hidden} network${hidden === 1 ? '' : 's'} outside your scope` : '';
  if (names.length === 0) return outside || 'no network';
  return outside ? `${list(names)} and ${outside}` : list(names);
}

function sharesNetwork(a: ContainerInfo, b: ContainerInfo): boolean {
  // A container on the host network reaches what the host reaches.
  if (a.networkMode === 'host' || b.networkMode === 'host') return true;
  const ids = new Set(a.endpoints.map((e) => e.networkId).filter(Boolean));
  return b.endpoints.some((e) => e.networkId && ids.has(e.networkId));
}

function addressOn(container: ContainerSummary, networkId: string): string | null {
  const endpoint = container.endpoints.find((e) => e.networkId === networkId);
  return endpoint?.ipv4Address ?? endpoint?.ipv6Address ?? null;
}

function list(names: string[]): string {
  return names.length ? names.map((n) => `"${n}"`).join(', ') : 'no network';
}

// One probe from a source to every target (addresses or names): MATRIX_SCRIPT pings each and
// prints what each answered.
function matrixCommand(count: number, timeoutMs: number, targets: string[]): string[] {
  return ['sh', '-c', MATRIX_SCRIPT, 'sh', String(count), String(Math.ceil(timeoutMs / 1000)), ...targets];
}
