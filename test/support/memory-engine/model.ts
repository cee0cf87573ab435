import type { HostNetwork } from '../../../src/common/net/host-interfaces';
import { Operations, OPERATION_LABEL } from '../../../src/common/operation-context';
import { type Cidr, subnetOfInterfaceAddress } from '../../../src/common/net/ip';
import type {
  ContainerEndpoint,
  ContainerInfo,
  ContainerSummary,
  IpamConfigSpec,
  LogLine,
  NetworkInfo,
  RestartPolicy,
  StringMap,
  SwarmState,
} from '../../../src/engine/engine.types';

// The state of the in-memory engine: what Docker keeps about networks and containers, as far as
// the services rely on it. Records are internal; the port answers with fresh copies.

export interface AddressPool {
  subnet: Cidr;
  // The gateway (the first host address unless given); null for IPv6 pools without one.
  gateway: bigint | null;
  // Where addresses are handed out from: the ipRange, or the whole subnet.
  range: Cidr;
  // Auxiliary addresses: never handed out.
  reserved: Set<bigint>;
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: string;
  scope: 'local' | 'swarm';
  internal: boolean;
  attachable: boolean;
  ingress: boolean;
  enableIPv6: boolean;
  ipamDriver: string;
  ipamOptions: StringMap;
  // The IPAM configuration as the engine reports it.
  config: IpamConfigSpec[];
  pools: AddressPool[];
  // True when the subnets were chosen by the client (only then may containers choose addresses).
  userSubnets: boolean;
  options: StringMap;
  labels: StringMap;
  createdAt: string | null;
  builtIn: boolean;
}

export interface EndpointRecord {
  networkId: string;
  // Settings asked for at create or connect, kept while the container is stopped.
  requestedIpv4: string | null;
  requestedIpv6: string | null;
  requestedMac: string | null;
  userAliases: string[];
  // Set while the container runs on the network.
  active: { endpointId: string; ipv4: string | null; ipv6: string | null; mac: string | null } | null;
  // Once the endpoint was active (the engine's own short-id alias before API 1.45).
  everActive: boolean;
}

export type ContainerState = 'created' | 'running' | 'exited';

export interface ContainerRecord {
  id: string;
  name: string;
  image: string;
  command: string[];
  env: StringMap;
  labels: StringMap;
  hostname: string;
  restartPolicy: RestartPolicy;
  // host | none | bridge | <network id> | container:<id>
  networkMode: string;
  configMac: string | null;
  state: ContainerState;
  exitCode: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  endpoints: EndpointRecord[];
  logs: LogLine[];
}

export interface MemoryImage {
  // name:tag
  ref: string;
  id: string;
  // Programs on the image's PATH.
  programs: string[];
  // The command when a container gives none.
  cmd: string[];
}

// The programs of a busybox-static image, as far as the simulation knows them.
export const BUSYBOX_PROGRAMS = [
  'sh',
  'ping',
  'ping6',
  'sleep',
  'echo',
  'cat',
  'true',
  'false',
  'hostname',
  'pwd',
  'ls',
  'ip',
  'wget',
  'nc',
  'printenv',
];

export const BUSYBOX_IMAGE: MemoryImage = {
  ref: 'switchyard/busybox:latest',
  id: `sha256:${'b'.repeat(64)}`,
  programs: BUSYBOX_PROGRAMS,
  cmd: ['sh'],
};

// An image with only `sleep`: no ping, no shell (like the test fixture switchyard/noping).
export const NOPING_IMAGE: MemoryImage = {
  ref: 'switchyard/noping:latest',
  id: `sha256:${'c'.repeat(64)}`,
  programs: ['sleep'],
  cmd: ['sleep', '3600'],
};

// A host network from interface names and their addresses (`null` for an interface without one):
// hostNetworkOf({ eth0: '192.168.7.10/24', 'sy-mv0': null }).
export function hostNetworkOf(interfaces: Record<string, string | null>): HostNetwork {
  const subnets = Object.entries(interfaces).flatMap(([interfaceName, address]) => {
    const cidr = address ? subnetOfInterfaceAddress(address) : null;
    return cidr ? [{ interfaceName, cidr }] : [];
  });
  return { subnets, interfaces: ['lo', ...Object.keys(interfaces)] };
}

export const DEFAULT_SWARM: SwarmState = { localNodeState: 'inactive', isManager: false };

export const DEFAULT_NETWORK_DRIVERS = ['bridge', 'host', 'ipvlan', 'macvlan', 'null', 'overlay'];

// --- answers of the port, built from the records ---------------------------------------------

const clone = <T>(value: T): T => structuredClone(value);

export function networkInfo(n: NetworkRecord, endpoints?: NetworkInfo['endpoints']): NetworkInfo {
  return {
    id: n.id,
    name: n.name,
    driver: n.driver,
    scope: n.scope,
    internal: n.internal,
    attachable: n.attachable,
    ingress: n.ingress,
    configOnly: false,
    enableIPv6: n.enableIPv6,
    ipam: { driver: n.ipamDriver, config: clone(n.config), options: clone(n.ipamOptions) },
    options: clone(n.options),
    labels: clone(n.labels),
    createdAt: n.createdAt,
    ...(endpoints ? { endpoints } : {}),
  };
}

export function containerEndpoints(
  c: ContainerRecord,
  networkOf: (id: string) => NetworkRecord | undefined,
  aliasesOf: (c: ContainerRecord, e: EndpointRecord) => string[],
): ContainerEndpoint[] {
  return c.endpoints.flatMap((e) => {
    const network = networkOf(e.networkId);
    // A removed network leaves no name to report.
    if (!network) return [];
    return [
      {
        networkName: network.name,
        // The adapter names each endpoint's network by id (NetworkID), so the engine reports it
        // even before the container first starts.
        networkId: e.networkId,
        endpointId: e.active?.endpointId ?? '',
        ipv4Address: e.active?.ipv4 ?? null,
        ipv6Address: e.active?.ipv6 ?? null,
        macAddress: e.active?.mac ?? null,
        aliases: aliasesOf(c, e),
        requestedIpv4Address: e.requestedIpv4,
        requestedIpv6Address: e.requestedIpv6,
      },
    ];
  });
}

export function statusText(c: ContainerRecord): string {
  switch (c.state) {
    case 'created':
      return 'Created';
    case 'running':
      return 'Up Less than a second';
    case 'exited':
      return `Exited (${c.exitCode}) Less than a second ago`;
  }
}

export function containerSummary(c: ContainerRecord, endpoints: ContainerEndpoint[]): ContainerSummary {
  return {
    id: c.id,
    names: [c.name],
    image: c.image,
    state: c.state,
    status: statusText(c),
    createdAt: c.createdAt,
    labels: clone(c.labels),
    networkMode: c.networkMode,
    // The list answer leaves aliases out (the engine reports null there).
    endpoints: endpoints.map((e) => ({ ...e, aliases: [] })),
  };
}

export function containerInfo(c: ContainerRecord, endpoints: ContainerEndpoint[]): ContainerInfo {
  return {
    ...containerSummary(c, endpoints),
    endpoints,
    status: c.state,
    name: c.name,
    running: c.state === 'running',
    configMacAddress: c.configMac,
    command: [...c.command],
    hostname: c.hostname,
    restartPolicy: { ...c.restartPolicy },
    exitCode: c.state === 'running' ? null : c.exitCode,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
  };
}

// What an audited operation creates carries its id (as the dockerode adapter does it).
export function withOperationLabel(labels: StringMap): StringMap {
  const operation = Operations.current();
  return operation ? { ...labels, [OPERATION_LABEL]: operation.operationId } : { ...labels };
}
