import type {
  ContainerEndpoint,
  ContainerInfo,
  ContainerSummary,
  IpamConfigSpec,
  NetworkEndpoint,
  NetworkInfo,
  StringMap,
} from './engine.types';

// The engine's JSON, as far as we read it, and its translation into the port's types. Nothing
// outside src/engine sees these shapes.

interface RawIpamConfig {
  Subnet?: string;
  Gateway?: string;
  IPRange?: string;
  AuxiliaryAddresses?: StringMap | null;
}

export interface RawNetwork {
  Id: string;
  Name: string;
  Created?: string;
  Scope?: string;
  Driver?: string;
  EnableIPv6?: boolean;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  IPAM?: { Driver?: string; Config?: RawIpamConfig[] | null; Options?: StringMap | null } | null;
  Options?: StringMap | null;
  Labels?: StringMap | null;
  Containers?: Record<
    string,
    { Name?: string; EndpointID?: string; MacAddress?: string; IPv4Address?: string; IPv6Address?: string }
  > | null;
}

export interface RawInfo {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
  Plugins?: { Network?: string[] | null };
}

export interface RawPlugin {
  Name?: string;
  Enabled?: boolean;
}

export interface RawVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  Os: string;
  Arch: string;
}

interface RawEndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Aliases?: string[] | null;
  NetworkID?: string;
  EndpointID?: string;
  IPAddress?: string;
  GlobalIPv6Address?: string;
  MacAddress?: string;
}

export interface RawContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  State?: string;
  Status?: string;
  Created?: number;
  Labels?: StringMap | null;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, RawEndpointSettings> | null };
}

export interface RawContainerInspect {
  Id: string;
  Name?: string;
  Created?: string;
  Path?: string;
  Args?: string[] | null;
  State?: {
    Status?: string;
    Running?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
    // Read by the read model, which words a list's status sentence itself.
    Health?: { Status?: string } | null;
  };
  Config?: { Image?: string; Labels?: StringMap | null; MacAddress?: string; Hostname?: string };
  HostConfig?: { NetworkMode?: string; RestartPolicy?: { Name?: string; MaximumRetryCount?: number } };
  NetworkSettings?: { Networks?: Record<string, RawEndpointSettings> | null };
}

export interface RawExecInspect {
  ExitCode?: number | null;
  Running?: boolean;
  Pid?: number;
}

export interface RawImageInspect {
  Id: string;
  RepoTags?: string[] | null;
}

function emptyToNull(value: string | undefined | null): string | null {
  return value ? value : null;
}

// Network inspect reports `10.0.0.2/24`; we report plain addresses.
function stripPrefix(value: string | undefined): string | null {
  if (!value) return null;
  const slash = value.indexOf('/');
  return slash >= 0 ? value.slice(0, slash) : value;
}

// The engine writes 0001-01-01T00:00:00Z for "never".
export function timeOrNull(value: string | undefined): string | null {
  if (!value || value.startsWith('0001-')) return null;
  return value;
}

export function toNetwork(n: RawNetwork, inspected: boolean): NetworkInfo {
  const config: IpamConfigSpec[] = (n.IPAM?.Config ?? []).map((c) => ({
    ...(c.Subnet ? { subnet: c.Subnet } : {}),
    ...(c.Gateway ? { gateway: c.Gateway } : {}),
    ...(c.IPRange ? { ipRange: c.IPRange } : {}),
    ...(c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length
      ? { auxAddresses: c.AuxiliaryAddresses }
      : {}),
  }));
  const info: NetworkInfo = {
    id: n.Id,
    name: n.Name,
    driver: n.Driver ?? '',
    scope: n.Scope ?? 'local',
    internal: n.Internal === true,
    attachable: n.Attachable === true,
    ingress: n.Ingress === true,
    configOnly: n.ConfigOnly === true,
    enableIPv6: n.EnableIPv6 === true,
    ipam: { driver: n.IPAM?.Driver ?? 'default', config, options: n.IPAM?.Options ?? {} },
    options: n.Options ?? {},
    labels: n.Labels ?? {},
    createdAt: timeOrNull(n.Created),
  };
  if (inspected) {
    // Swarm adds load-balancer endpoints (`lb-<network>`) that are not containers.
    info.endpoints = Object.entries(n.Containers ?? {})
      .filter(([id]) => /^[0-9a-f]{64}$/.test(id))
      .map(([id, c]): NetworkEndpoint => ({
        containerId: id,
        containerName: c.Name ?? '',
        endpointId: c.EndpointID ?? '',
        ipv4Address: stripPrefix(c.IPv4Address),
        ipv6Address: stripPrefix(c.IPv6Address),
        macAddress: emptyToNull(c.MacAddress),
      }));
  }
  return info;
}

// Docker 20.10 reports a container made with `--network <network id>` under two keys, the id as
// given and the network's name, both with the same NetworkID: one endpoint, kept once, under the
// name (the key that is not a prefix of the id).
function uniqueEndpoints(
  networks: Record<string, RawEndpointSettings> | null | undefined,
): [string, RawEndpointSettings][] {
  const byNetwork = new Map<string, [string, RawEndpointSettings]>();
  const out: [string, RawEndpointSettings][] = [];
  for (const entry of Object.entries(networks ?? {})) {
    const id = entry[1].NetworkID;
    const seen = id ? byNetwork.get(id) : undefined;
    if (!id || !seen) {
      if (id) byNetwork.set(id, entry);
      out.push(entry);
      continue;
    }
    // The one under the id prefix gives way to the one under the name.
    if (id.startsWith(seen[0]) && !id.startsWith(entry[0])) {
      out[out.indexOf(seen)] = entry;
      byNetwork.set(id, entry);
    }
  }
  return out;
}

function toContainerEndpoints(
  networks: Record<string, RawEndpointSettings> | null | undefined,
): ContainerEndpoint[] {
  return uniqueEndpoints(networks).map(([networkName, e]) => ({
    networkName,
    networkId: e.NetworkID ?? '',
    endpointId: e.EndpointID ?? '',
    ipv4Address: emptyToNull(e.IPAddress),
    ipv6Address: emptyToNull(e.GlobalIPv6Address),
    macAddress: emptyToNull(e.MacAddress),
    aliases: e.Aliases ?? [],
    requestedIpv4Address: emptyToNull(e.IPAMConfig?.IPv4Address),
    requestedIpv6Address: emptyToNull(e.IPAMConfig?.IPv6Address),
  }));
}

export function toContainerSummary(c: RawContainerSummary): ContainerSummary {
  return {
    id: c.Id,
    names: (c.Names ?? []).map((n) => n.replace(/^\//, '')),
    image: c.Image ?? '',
    state: c.State ?? 'unknown',
    status: c.Status ?? '',
    createdAt: typeof c.Created === 'number' ? new Date(c.Created * 1000).toISOString() : null,
    labels: c.Labels ?? {},
    networkMode: c.HostConfig?.NetworkMode ?? '',
    endpoints: toContainerEndpoints(c.NetworkSettings?.Networks),
  };
}

export function toContainerInfo(raw: RawContainerInspect): ContainerInfo {
  const name = (raw.Name ?? '').replace(/^\//, '');
  const state = raw.State?.Status ?? 'unknown';
  return {
    id: raw.Id,
    name,
    names: [name],
    image: raw.Config?.Image ?? '',
    state,
    // Inspect has no status sentence; the list answer has. Callers that show it use the list's.
    status: state,
    running: raw.State?.Running === true,
    createdAt: timeOrNull(raw.Created),
    labels: raw.Config?.Labels ?? {},
    networkMode: raw.HostConfig?.NetworkMode ?? '',
    configMacAddress: emptyToNull(raw.Config?.MacAddress),
    endpoints: toContainerEndpoints(raw.NetworkSettings?.Networks),
    command: raw.Path ? [raw.Path, ...(raw.Args ?? [])] : [],
    hostname: raw.Config?.Hostname ?? '',
    restartPolicy: {
      name: raw.HostConfig?.RestartPolicy?.Name || 'no',
      maximumRetryCount: raw.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0,
    },
    exitCode: raw.State?.Running ? null : (raw.State?.ExitCode ?? null),
    startedAt: timeOrNull(raw.State?.StartedAt),
    finishedAt: timeOrNull(raw.State?.FinishedAt),
  };
}
