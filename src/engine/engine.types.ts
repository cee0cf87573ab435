// The engine port's vocabulary. These types are ours: nothing outside src/engine sees the engine's JSON.

export type StringMap = Record<string, string>;

export interface EngineVersion {
  version: string;
  // The engine's newest API version, and the one we speak after negotiation.
  apiVersion: string;
  negotiatedApiVersion: string;
  minApiVersion: string;
  os: string;
  arch: string;
}

export interface EngineFeatures {
  apiVersion: string;
  // The engine applies `MacAddress` on network connect (API >= 1.54); older engines ignore it silently.
  macAddressOnConnect: boolean;
  // Per-endpoint `MacAddress` and several networks at container create (API >= 1.44).
  perEndpointMacAtCreate: boolean;
  multipleNetworksAtCreate: boolean;
  // The engine itself refuses a second network with a taken name (API >= 1.44).
  uniqueNetworkNames: boolean;
}

export interface SwarmState {
  // inactive | pending | active | error | locked
  localNodeState: string;
  isManager: boolean;
}

export interface EngineInfo {
  id: string;
  name: string;
  serverVersion: string;
  swarm: SwarmState;
  // Network drivers the engine reports as available (built in and plugins).
  networkDrivers: string[];
}

export interface IpamConfigSpec {
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses?: StringMap;
}

export interface NetworkSpec {
  name: string;
  driver: string;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  ipam: { driver: string; config: IpamConfigSpec[]; options: StringMap };
  options: StringMap;
  labels: StringMap;
}

export interface NetworkEndpoint {
  containerId: string;
  containerName: string;
  endpointId: string;
  // Plain addresses, without the prefix length the engine appends.
  ipv4Address: string | null;
  ipv6Address: string | null;
  macAddress: string | null;
}

export interface NetworkInfo {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  attachable: boolean;
  ingress: boolean;
  configOnly: boolean;
  enableIPv6: boolean;
  ipam: { driver: string; config: IpamConfigSpec[]; options: StringMap };
  options: StringMap;
  labels: StringMap;
  createdAt: string | null;
  // Present when the network was inspected; a list leaves it undefined.
  endpoints?: NetworkEndpoint[];
}

export interface NetworkFilter {
  driver?: string[];
  label?: string[];
  scope?: string[];
}

export interface ContainerEndpoint {
  networkName: string;
  networkId: string;
  endpointId: string;
  ipv4Address: string | null;
  ipv6Address: string | null;
  macAddress: string | null;
  aliases: string[];
  // The addresses the container asked for (kept by the engine even while it is stopped).
  requestedIpv4Address: string | null;
  requestedIpv6Address: string | null;
}

export interface ContainerSummary {
  id: string;
  names: string[];
  image: string;
  state: string;
  labels: StringMap;
  networkMode: string;
  endpoints: ContainerEndpoint[];
}

export interface ContainerInfo extends ContainerSummary {
  name: string;
  running: boolean;
  createdAt: string | null;
  // The MAC address from the container config (honoured at create on every API version).
  configMacAddress: string | null;
}

export interface ContainerListFilter {
  all?: boolean;
  label?: string[];
  network?: string[];
}

export interface EndpointSpec {
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  aliases?: string[];
}
