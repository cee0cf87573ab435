// A small engine simulator for the planner's tests: it applies a plan the way the runtime does
// (labels io.switchyard.revision and io.switchyard.hash on what it creates) and answers what a
// real engine shows afterwards, engine noise included: auto-assigned subnets and gateways, an
// auto IPv6 entry, the image's labels, entrypoint and command, the container's short id as
// hostname and alias, random MACs, the engine's own network options.

import { createHash } from 'node:crypto';
import { HASH_LABEL, REVISION_LABEL } from '../../../src/common/labels';
import type {
  ContainerEndpoint,
  ContainerInfo,
  IpamConfigSpec,
  NetworkInfo,
} from '../../../src/engine/engine.types';
import type { LiveState } from '../../../src/templates/planning/planner';
import type {
  DesiredContainer,
  DesiredNetwork,
  DesiredState,
  Plan,
} from '../../../src/templates/template.types';

export const IMAGE_LABEL = 'org.opencontainers.image.source';
export const IMAGE_ENTRYPOINT = ['/usr/local/bin/entry'];
export const IMAGE_COMMAND = ['sh'];

export class EngineSim {
  private counter = 0;

  constructor(private readonly seed = 'sim') {}

  id(): string {
    this.counter += 1;
    return createHash('sha256').update(`${this.seed}:${this.counter}`).digest('hex');
  }

  network(want: DesiredNetwork, revision: number, created = '2026-01-01T00:00:00Z'): NetworkInfo {
    const n = this.counter + 1;
    const config: IpamConfigSpec[] = want.spec.ipam.config.map((c, i) => {
      // The engine fills in what the spec leaves out.
      const subnet = c.subnet ?? `172.${20 + (n % 10)}.${(n * 7 + i) % 250}.0/24`;
      const gateway = c.gateway ?? (subnet.includes(':') ? subnet.replace(/\/\d+$/, '1') : firstHost(subnet));
      return { ...c, subnet, gateway };
    });
    if (!config.some((c) => !c.subnet?.includes(':'))) {
      const subnet = `172.${20 + (n % 10)}.${(n * 7) % 250}.0/24`;
      config.unshift({ subnet, gateway: firstHost(subnet) });
    }
    if (want.spec.enableIPv6 && !config.some((c) => c.subnet?.includes(':'))) {
      config.push({ subnet: `fd00:${n.toString(16)}::/64`, gateway: `fd00:${n.toString(16)}::1` });
    }
    return {
      id: this.id(),
      name: want.name,
      driver: want.spec.driver,
      scope: 'local',
      internal: want.spec.internal,
      attachable: want.spec.attachable,
      ingress: false,
      configOnly: false,
      enableIPv6: want.spec.enableIPv6,
      ipam: { driver: want.spec.ipam.driver, config, options: { ...want.spec.ipam.options } },
      options: { 'com.docker.network.bridge.default_bridge': 'false', ...want.spec.options },
      labels: { ...want.spec.labels, [REVISION_LABEL]: String(revision), [HASH_LABEL]: want.hash },
      createdAt: created,
    };
  }

  container(want: DesiredContainer, revision: number, networks: NetworkInfo[]): ContainerInfo {
    const id = this.id();
    const short = id.slice(0, 12);
    const byName = new Map(networks.map((n) => [n.name, n]));
    const spec = want.spec;
    const endpoints: ContainerEndpoint[] = spec.networkMode
      ? [
          endpoint(
            spec.networkMode === 'bridge' ? 'bridge' : spec.networkMode,
            `builtin-${spec.networkMode}`,
            id,
          ),
        ]
      : spec.networks.map((e, i) => {
          const network = byName.get(e.network);
          if (!network) throw new Error(`simulator: network ${e.network} is not on the engine`);
          const subnet = network.ipam.config.find((c) => !c.subnet?.includes(':'))?.subnet ?? '172.30.0.0/24';
          return {
            networkName: e.network,
            networkId: network.id,
            endpointId: `${id.slice(0, 8)}${i}`,
            ipv4Address: e.ipv4Address ?? autoHost(subnet, parseInt(id.slice(0, 4), 16)),
            ipv6Address: e.ipv6Address,
            // MACs are random when not given (upper case here: the engine's spelling is not ours).
            macAddress: spec.start
              ? (e.macAddress?.toUpperCase() ?? `02:42:ac:11:${id.slice(0, 2)}:${id.slice(2, 4)}`)
              : null,
            aliases: [...e.aliases, short],
            requestedIpv4Address: e.ipv4Address,
            requestedIpv6Address: e.ipv6Address,
          };
        });
    const entrypoint = spec.entrypoint ?? IMAGE_ENTRYPOINT;
    const command = spec.command ?? (spec.entrypoint ? [] : IMAGE_COMMAND);
    return {
      id,
      name: want.name,
      names: [want.name],
      image: spec.image,
      state: spec.start ? 'running' : 'created',
      status: spec.start ? 'running' : 'created',
      running: spec.start,
      createdAt: '2026-01-01T00:00:00Z',
      labels: {
        [IMAGE_LABEL]: 'https://example.invalid/image',
        ...spec.labels,
        [REVISION_LABEL]: String(revision),
        [HASH_LABEL]: want.hash,
      },
      networkMode:
        spec.networkMode === 'bridge' ? 'default' : (spec.networkMode ?? endpoints[0]?.networkId ?? ''),
      configMacAddress: spec.networks[0]?.macAddress ?? null,
      endpoints,
      command: [...entrypoint, ...command],
      hostname: spec.hostname ?? short,
      restartPolicy: { ...spec.restartPolicy },
      exitCode: spec.start ? null : 0,
      startedAt: spec.start ? '2026-01-01T00:00:01Z' : null,
      finishedAt: null,
    };
  }

  // Runs a plan against `live` the way the runtime does and answers the engine state after it.
  apply(desired: DesiredState, plan: Plan, live: LiveState): LiveState {
    const gone = new Set(
      plan.actions.filter((a) => a.action !== 'unchanged' && a.liveId).map((a) => a.liveId),
    );
    const networks = live.networks.filter((n) => !gone.has(n.id));
    const containers = live.containers.filter((c) => !gone.has(c.id));
    const wantNetworks = new Map(desired.networks.map((n) => [n.name, n]));
    const wantContainers = new Map(desired.containers.map((c) => [c.name, c]));
    for (const a of plan.actions) {
      if (a.kind !== 'network' || (a.action !== 'create' && a.action !== 'recreate')) continue;
      const want = wantNetworks.get(a.name);
      if (want) networks.push(this.network(want, desired.revision));
    }
    for (const a of plan.actions) {
      if (a.kind !== 'container' || (a.action !== 'create' && a.action !== 'recreate')) continue;
      const want = wantContainers.get(a.name);
      if (want) containers.push(this.container(want, desired.revision, networks));
    }
    return { networks, containers };
  }
}

function endpoint(networkName: string, networkId: string, id: string): ContainerEndpoint {
  return {
    networkName,
    networkId,
    endpointId: `${id.slice(0, 8)}0`,
    ipv4Address: networkName === 'bridge' ? '172.17.0.5' : null,
    ipv6Address: null,
    macAddress: networkName === 'bridge' ? '02:42:ac:11:00:05' : null,
    aliases: [],
    requestedIpv4Address: null,
    requestedIpv6Address: null,
  };
}

function firstHost(subnet: string): string {
  const [a, b, c] = subnet.split('.');
  return `${a}.${b}.${c}.1`;
}

function autoHost(subnet: string, n: number): string {
  const [a, b, c] = subnet.split('.');
  return `${a}.${b}.${c}.${200 + (n % 50)}`;
}
