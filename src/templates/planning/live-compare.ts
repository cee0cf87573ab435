import type {
  ContainerEndpoint,
  ContainerInfo,
  NetworkInfo,
  NetworkSpec,
  StringMap,
} from '../../engine/engine.types';
import type { Change, DesiredContainerSpec, DesiredEndpoint } from '../template.types';
import { canonicalCidr, canonicalIp, canonicalMac, sameValue } from './canonical';
import { pathOf } from './value-diff';

// What the engine shows of a resource, compared with its desired spec. Only what the spec fixes is
// compared: the engine fills in the rest (auto-assigned subnets and gateways, the image's env and
// labels, the container's id as an alias and hostname, its own options), and none of that may
// ever look like a change.

function mapChanges(path: string, want: StringMap, have: StringMap): Change[] {
  return Object.keys(want)
    .sort()
    .filter((key) => have[key] !== want[key])
    .map((key) => ({ path: pathOf(path, key), from: have[key] ?? null, to: want[key] }));
}

function field(path: string, from: unknown, to: unknown): Change[] {
  return sameValue(from, to) ? [] : [{ path, from, to }];
}

export function networkChanges(spec: NetworkSpec, live: NetworkInfo): Change[] {
  return [
    ...field('driver', live.driver, spec.driver),
    ...field('internal', live.internal, spec.internal),
    ...field('attachable', live.attachable, spec.attachable),
    ...field('enableIPv6', live.enableIPv6, spec.enableIPv6),
    ...field('ipam.driver', live.ipam.driver, spec.ipam.driver),
    ...ipamConfigChanges(spec, live),
    ...mapChanges('ipam.options', spec.ipam.options, live.ipam.options ?? {}),
    ...mapChanges('options', spec.options, live.options ?? {}),
    ...mapChanges('labels', spec.labels, live.labels ?? {}),
  ];
}

// Entries without a subnet are the engine's to fill; an entry with one is found by its subnet
// (the engine may list an auto-assigned IPv6 entry beside the ones given).
function ipamConfigChanges(spec: NetworkSpec, live: NetworkInfo): Change[] {
  const changes: Change[] = [];
  const liveBySubnet = new Map(
    live.ipam.config.filter((c) => c.subnet).map((c) => [canonicalCidr(c.subnet ?? ''), c]),
  );
  spec.ipam.config.forEach((want, i) => {
    if (!want.subnet) return;
    const at = `ipam.config[${i}]`;
    const have = liveBySubnet.get(want.subnet);
    if (!have) {
      changes.push({ path: `${at}.subnet`, from: live.ipam.config[i]?.subnet ?? null, to: want.subnet });
      return;
    }
    const gateway = have.gateway ? canonicalIp(have.gateway) : null;
    if (want.gateway && gateway !== want.gateway) {
      changes.push({ path: `${at}.gateway`, from: gateway, to: want.gateway });
    }
    const ipRange = have.ipRange ? canonicalCidr(have.ipRange) : null;
    if ((want.ipRange ?? null) !== ipRange) {
      changes.push({ path: `${at}.ipRange`, from: ipRange, to: want.ipRange ?? null });
    }
    const aux = Object.fromEntries(
      Object.entries(have.auxAddresses ?? {}).map(([h, ip]) => [h, canonicalIp(ip)]),
    );
    changes.push(...field(`${at}.auxAddresses`, aux, want.auxAddresses ?? {}));
  });
  return changes;
}

// The container's argv as the engine shows it is the entrypoint followed by the command; without
// an entrypoint in the spec, the image's own entrypoint comes first, so only the tail is known.
function argvChanges(spec: DesiredContainerSpec, live: ContainerInfo): Change[] {
  const argv = live.command ?? [];
  if (spec.entrypoint) {
    const head = argv.slice(0, spec.entrypoint.length);
    const tail = argv.slice(spec.entrypoint.length);
    return [...field('entrypoint', head, spec.entrypoint), ...field('command', tail, spec.command ?? [])];
  }
  if (spec.command) {
    const tail = argv.slice(Math.max(0, argv.length - spec.command.length));
    if (!sameValue(tail, spec.command)) return [{ path: 'command', from: argv, to: spec.command }];
  }
  return [];
}

function endpointView(e: ContainerEndpoint): Record<string, unknown> {
  return {
    ipv4Address: e.requestedIpv4Address ?? e.ipv4Address,
    ipv6Address: e.requestedIpv6Address ?? e.ipv6Address,
    macAddress: e.macAddress,
    aliases: [...e.aliases].sort(),
  };
}

function desiredView(e: DesiredEndpoint): Record<string, unknown> {
  return {
    ipv4Address: e.ipv4Address,
    ipv6Address: e.ipv6Address,
    macAddress: e.macAddress,
    aliases: e.aliases,
  };
}

const MODE_NETWORK: Record<string, string> = {
  bridge: 'bridge',
  default: 'bridge',
  host: 'host',
  none: 'none',
};

// Networks joined or left by hand, fixed addresses that differ, missing aliases, an endpoint on a
// network that has since been replaced (networkIds: the live id of each template network).
export function endpointChanges(
  spec: DesiredContainerSpec,
  live: ContainerInfo,
  networkIds: ReadonlyMap<string, string>,
): Change[] {
  const changes: Change[] = [];
  const liveByName = new Map(live.endpoints.map((e) => [e.networkName, e]));
  const wanted = spec.networkMode
    ? [{ network: MODE_NETWORK[spec.networkMode] ?? spec.networkMode } as DesiredEndpoint]
    : spec.networks;
  if (spec.networkMode) {
    const mode = MODE_NETWORK[live.networkMode] ?? live.networkMode;
    if (live.networkMode && mode !== spec.networkMode) {
      changes.push({ path: 'networkMode', from: live.networkMode, to: spec.networkMode });
    }
  }
  for (const want of wanted) {
    const have = liveByName.get(want.network);
    const at = pathOf('networks', want.network);
    if (!have) {
      changes.push({ path: at, from: null, to: spec.networkMode ? 'connected' : desiredView(want) });
      continue;
    }
    if (spec.networkMode) continue;
    const ipv4 = have.requestedIpv4Address ?? have.ipv4Address;
    if (want.ipv4Address && (ipv4 ? canonicalIp(ipv4) : null) !== want.ipv4Address) {
      changes.push({ path: `${at}.ipv4Address`, from: ipv4, to: want.ipv4Address });
    }
    const ipv6 = have.requestedIpv6Address ?? have.ipv6Address;
    if (want.ipv6Address && (ipv6 ? canonicalIp(ipv6) : null) !== want.ipv6Address) {
      changes.push({ path: `${at}.ipv6Address`, from: ipv6, to: want.ipv6Address });
    }
    // A stopped container may show no MAC; the container-level one is the first network's.
    const mac = have.macAddress ?? (want === spec.networks[0] ? live.configMacAddress : null);
    if (want.macAddress && mac && canonicalMac(mac) !== want.macAddress) {
      changes.push({ path: `${at}.macAddress`, from: mac, to: want.macAddress });
    }
    const aliases = new Set(have.aliases);
    if (want.aliases.some((a) => !aliases.has(a))) {
      changes.push({ path: `${at}.aliases`, from: [...have.aliases].sort(), to: want.aliases });
    }
    const networkId = networkIds.get(want.network);
    if (networkId && have.networkId && have.networkId !== networkId) {
      changes.push({ path: `${at}.networkId`, from: have.networkId, to: networkId });
    }
  }
  const wantedNames = new Set(wanted.map((w) => w.network));
  for (const extra of live.endpoints) {
    if (!wantedNames.has(extra.networkName)) {
      changes.push({ path: pathOf('networks', extra.networkName), from: endpointView(extra), to: null });
    }
  }
  return changes;
}

function restartChanges(spec: DesiredContainerSpec, live: ContainerInfo): Change[] {
  const have = live.restartPolicy ?? { name: 'no', maximumRetryCount: 0 };
  const changes = field('restartPolicy.name', have.name || 'no', spec.restartPolicy.name);
  // The count means something only for on-failure; engines report 0 or refuse it otherwise.
  if (spec.restartPolicy.name === 'on-failure') {
    changes.push(
      ...field(
        'restartPolicy.maximumRetryCount',
        have.maximumRetryCount,
        spec.restartPolicy.maximumRetryCount,
      ),
    );
  }
  return changes;
}

// What can be changed on a container without recreating it (network connect and disconnect, docker
// update of the restart policy): the usual changes by hand.
export function handChanges(
  spec: DesiredContainerSpec,
  live: ContainerInfo,
  networkIds: ReadonlyMap<string, string>,
): Change[] {
  return [...endpointChanges(spec, live, networkIds), ...restartChanges(spec, live)];
}

// Everything the engine shows that differs from the spec.
export function containerChanges(
  spec: DesiredContainerSpec,
  live: ContainerInfo,
  networkIds: ReadonlyMap<string, string>,
): Change[] {
  return [
    ...field('image', live.image, spec.image),
    ...argvChanges(spec, live),
    ...(spec.hostname ? field('hostname', live.hostname, spec.hostname) : []),
    ...mapChanges('labels', spec.labels, live.labels ?? {}),
    ...handChanges(spec, live, networkIds),
  ];
}
