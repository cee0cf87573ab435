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
  // IPAM drivers the engine has: its built-in ones and the enabled plugins that provide one.
  // Absent when the engine cannot tell.
  ipamDrivers?: string[];
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
  // created | running | paused | restarting | removing | exited | dead
  state: string;
  // The engine's words, e.g. "Up 5 minutes" or "Exited (0) 2 seconds ago".
  status: string;
  createdAt: string | null;
  labels: StringMap;
  networkMode: string;
  endpoints: ContainerEndpoint[];
}

export interface ContainerInfo extends ContainerSummary {
  name: string;
  running: boolean;
  // The MAC address from the container config (honoured at create on every API version).
  configMacAddress: string | null;
  command: string[];
  hostname: string;
  restartPolicy: RestartPolicy;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ContainerListFilter {
  all?: boolean;
  label?: string[];
  network?: string[];
  status?: string[];
}

export interface EndpointSpec {
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  aliases?: string[];
}

export interface RestartPolicy {
  // no | always | unless-stopped | on-failure
  name: string;
  maximumRetryCount: number;
}

// A container endpoint to set up at create time.
export interface CreateEndpointSpec extends EndpointSpec {
  networkId: string;
}

export interface ContainerSpec {
  name?: string;
  image: string;
  command?: string[];
  // Replaces the image's entrypoint (templates and compose files can set it).
  entrypoint?: string[];
  env: StringMap;
  labels: StringMap;
  hostname?: string;
  restartPolicy: RestartPolicy;
  // A network id, or host / none / bridge.
  networkMode: string;
  // Endpoints given at create: the first network only before API 1.44, all of them from 1.44.
  endpoints: CreateEndpointSpec[];
  // The container-level MAC address (API < 1.44, applies to the first network).
  macAddress?: string;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  timestamp: string | null;
  text: string;
}

export interface LogQuery {
  tail?: number;
  // Unix seconds.
  since?: number;
  // Bytes of log read at most; the engine's stream is closed there.
  limitBytes: number;
}

export interface LogAnswer {
  lines: LogLine[];
  // The log went on past limitBytes.
  truncated: boolean;
}

export interface ExecSpec {
  command: string[];
  env: StringMap;
  workingDir?: string;
  user?: string;
}

export interface ExecLimits {
  timeoutMs: number;
  // Per stream: output past this is dropped and `truncated` is set.
  outputLimitBytes: number;
}

export interface ExecResult {
  // Null when the command did not finish before the deadline.
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
}

// A throwaway container that shares another container's network namespace, for probes.
export interface ProbeSpec {
  image: string;
  command: string[];
  // The container whose network namespace the probe joins.
  targetContainerId: string;
  labels: StringMap;
}

export interface ImageInfo {
  id: string;
  tags: string[];
}
