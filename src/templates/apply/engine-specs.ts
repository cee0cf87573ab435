import { HASH_LABEL, REVISION_LABEL } from '../../common/labels';
import type {
  ContainerEndpoint,
  ContainerInfo,
  ContainerSpec,
  CreateEndpointSpec,
  EndpointSpec,
  EngineFeatures,
  NetworkInfo,
  NetworkSpec,
  StringMap,
} from '../../engine/engine.types';
import type { DesiredContainer, DesiredEndpoint, DesiredNetwork } from '../template.types';

// Engine specs for what a template declares, built like ContainerRunner builds a `docker run`
// (the same rules for API versions before 1.44), plus the revision and hash labels.

export function stampedLabels(labels: StringMap, revision: number, hash: string): StringMap {
  return { ...labels, [REVISION_LABEL]: String(revision), [HASH_LABEL]: hash };
}

export function networkSpecOf(desired: DesiredNetwork, revision: number): NetworkSpec {
  return { ...desired.spec, labels: stampedLabels(desired.spec.labels, revision, desired.hash) };
}

// A network as the engine reported it, as a spec to create it again (a rollback puts a removed
// network back with the subnets the engine had given it, so that addresses stay valid).
export function networkSpecFromLive(network: NetworkInfo): NetworkSpec {
  return {
    name: network.name,
    driver: network.driver,
    internal: network.internal,
    attachable: network.attachable,
    enableIPv6: network.enableIPv6,
    ipam: structuredClone(network.ipam),
    options: { ...network.options },
    labels: { ...network.labels },
  };
}

export function endpointSpecOf(endpoint: DesiredEndpoint): EndpointSpec {
  return {
    ...(endpoint.ipv4Address ? { ipv4Address: endpoint.ipv4Address } : {}),
    ...(endpoint.ipv6Address ? { ipv6Address: endpoint.ipv6Address } : {}),
    ...(endpoint.macAddress ? { macAddress: endpoint.macAddress } : {}),
    ...(endpoint.aliases.length ? { aliases: [...endpoint.aliases] } : {}),
  };
}

export interface PlannedContainer {
  spec: ContainerSpec;
  // Endpoints connected after create, before start (API < 1.44: one network at create).
  connectLater: Array<{ networkId: string; network: string; endpoint: EndpointSpec }>;
  // Every endpoint as asked, to verify after start.
  wanted: Array<{ networkId: string; network: string; endpoint: EndpointSpec }>;
}

// `networkIds` maps each network name the container joins to its engine id.
export function containerPlanOf(
  desired: DesiredContainer,
  revision: number,
  networkIds: ReadonlyMap<string, string>,
  features: EngineFeatures,
): PlannedContainer {
  const spec = desired.spec;
  const base = {
    name: desired.name,
    image: spec.image,
    ...(spec.command ? { command: [...spec.command] } : {}),
    ...(spec.entrypoint ? { entrypoint: [...spec.entrypoint] } : {}),
    env: { ...spec.env },
    labels: stampedLabels(spec.labels, revision, desired.hash),
    ...(spec.hostname ? { hostname: spec.hostname } : {}),
    restartPolicy: { ...spec.restartPolicy },
  };
  const wanted = spec.networks.map((e) => {
    const networkId = networkIds.get(e.network);
    if (!networkId) throw new Error(`network "${e.network}" of container "${desired.name}" has no id`);
    return { networkId, network: e.network, endpoint: endpointSpecOf(e) };
  });
  if (wanted.length === 0 || spec.networkMode) {
    return {
      spec: { ...base, networkMode: spec.networkMode ?? 'bridge', endpoints: [] },
      connectLater: [],
      wanted: [],
    };
  }
  const atCreate = (w: (typeof wanted)[number]): CreateEndpointSpec => ({
    networkId: w.networkId,
    ...w.endpoint,
  });
  // networkMode names the first network by NAME: a container keeps it in its config, and a
  // network put back by a rollback has the same name but a new id (with the id, the container
  // could never start again).
  if (features.multipleNetworksAtCreate) {
    return {
      spec: { ...base, networkMode: wanted[0].network, endpoints: wanted.map(atCreate) },
      connectLater: [],
      wanted,
    };
  }
  // Before API 1.44 the MAC address of the first network is the container's own, and the engine
  // applies it only when networkMode names that network by name (Docker 20.10 compares names):
  // one more reason for the name.
  const [first, ...rest] = wanted;
  const { macAddress, ...firstEndpoint } = atCreate(first);
  return {
    spec: {
      ...base,
      networkMode: first.network,
      endpoints: [firstEndpoint],
      ...(macAddress ? { macAddress } : {}),
    },
    connectLater: rest,
    wanted,
  };
}

// What a container had on a network, to connect it again the same way (its asked-for address,
// else the one it held, and its own aliases: not the name and short id the engine adds).
export function endpointToRestore(container: ContainerInfo, endpoint: ContainerEndpoint): EndpointSpec {
  const ipv4 = endpoint.requestedIpv4Address ?? endpoint.ipv4Address;
  const ipv6 = endpoint.requestedIpv6Address ?? endpoint.ipv6Address;
  const own = endpoint.aliases.filter((a) => a !== container.name && !container.id.startsWith(a));
  return {
    ...(ipv4 ? { ipv4Address: ipv4 } : {}),
    ...(ipv6 ? { ipv6Address: ipv6 } : {}),
    ...(endpoint.macAddress ? { macAddress: endpoint.macAddress } : {}),
    ...(own.length ? { aliases: own } : {}),
  };
}
