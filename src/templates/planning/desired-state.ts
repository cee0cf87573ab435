import { INSTANCE_LABEL, MANAGED_LABEL, TEMPLATE_LABEL } from '../../common/labels';
import type { IpamConfigSpec, NetworkSpec, StringMap } from '../../engine/engine.types';
import { planNetwork } from '../../networks/network-spec';
import type {
  DesiredContainer,
  DesiredContainerSpec,
  DesiredEndpoint,
  DesiredNetwork,
  DesiredState,
  TemplateContainer,
  TemplateDocument,
  TemplateEndpoint,
  TemplateNetwork,
} from '../template.types';
import { canonicalCidr, canonicalIp, canonicalMac, specHash } from './canonical';

// A validated document in engine terms, defaults filled in, each resource with the hash of its
// normalised spec. Labels: io.switchyard.managed, io.switchyard.instance, io.switchyard.template,
// the template's labels, then the resource's own (no revision or hash label: the applier adds
// those). Two documents that mean the same (key order, defaults spelled out or left out, address
// spellings) give the same specs and hashes.
export function desiredState(document: TemplateDocument, revision: number, instanceId: string): DesiredState {
  const base: StringMap = {
    ...(document.labels ?? {}),
    [MANAGED_LABEL]: 'true',
    [INSTANCE_LABEL]: instanceId,
    [TEMPLATE_LABEL]: document.name,
  };
  const networks = Object.entries(document.networks ?? {}).map(([name, network]) =>
    desiredNetwork(name, network, base),
  );
  const containers = Object.entries(document.containers ?? {}).map(([name, container]) =>
    desiredContainer(name, container, base),
  );
  return {
    template: document.name,
    revision,
    networks,
    containers,
    expectations: (document.expectations ?? []).map((e) => ({
      from: e.from,
      to: e.to,
      reachable: e.reachable,
    })),
  };
}

// The resource's own labels win over the template's; io.switchyard.* cannot be set by users (the
// validator refuses them), so ours are never overridden.
function resourceLabels(base: StringMap, own: StringMap | undefined): StringMap {
  return { ...base, ...(own ?? {}), ...pick(base, [MANAGED_LABEL, INSTANCE_LABEL, TEMPLATE_LABEL]) };
}

function pick(map: StringMap, keys: string[]): StringMap {
  return Object.fromEntries(keys.map((k) => [k, map[k]]));
}

export function desiredNetwork(name: string, network: TemplateNetwork, base: StringMap): DesiredNetwork {
  // The same defaults and engine shape as a direct network create.
  const { spec } = planNetwork({ ...network, name, labels: resourceLabels(base, network.labels) });
  const normalised = normaliseNetworkSpec(spec);
  return { name, spec: normalised, hash: specHash(normalised) };
}

export function normaliseNetworkSpec(spec: NetworkSpec): NetworkSpec {
  return {
    ...spec,
    ipam: { ...spec.ipam, config: spec.ipam.config.map(normaliseIpamConfig) },
  };
}

function normaliseIpamConfig(config: IpamConfigSpec): IpamConfigSpec {
  return {
    ...(config.subnet ? { subnet: canonicalCidr(config.subnet) } : {}),
    ...(config.gateway ? { gateway: canonicalIp(config.gateway) } : {}),
    ...(config.ipRange ? { ipRange: canonicalCidr(config.ipRange) } : {}),
    ...(config.auxAddresses && Object.keys(config.auxAddresses).length
      ? {
          auxAddresses: Object.fromEntries(
            Object.entries(config.auxAddresses).map(([host, ip]) => [host, canonicalIp(ip)]),
          ),
        }
      : {}),
  };
}

export function desiredContainer(
  name: string,
  container: TemplateContainer,
  base: StringMap,
): DesiredContainer {
  const spec = normaliseContainer(container, base);
  return { name, spec, hash: specHash(spec) };
}

function normaliseContainer(container: TemplateContainer, base: StringMap): DesiredContainerSpec {
  const networks = Object.entries(container.networks ?? {}).map(([network, endpoint]) =>
    normaliseEndpoint(network, endpoint),
  );
  return {
    image: container.image,
    command: container.command ? [...container.command] : null,
    entrypoint: container.entrypoint ? [...container.entrypoint] : null,
    env: { ...(container.env ?? {}) },
    labels: resourceLabels(base, container.labels),
    hostname: container.hostname ? container.hostname : null,
    restartPolicy: {
      name: container.restartPolicy?.name ?? 'no',
      maximumRetryCount: container.restartPolicy?.maximumRetryCount ?? 0,
    },
    // A container on template networks is created on the first of them; the mode only matters
    // for containers without any.
    networkMode: networks.length ? null : (container.networkMode ?? 'bridge'),
    networks,
    start: container.start ?? true,
  };
}

function normaliseEndpoint(network: string, endpoint: TemplateEndpoint | null | undefined): DesiredEndpoint {
  return {
    network,
    ipv4Address: endpoint?.ipv4Address ? canonicalIp(endpoint.ipv4Address) : null,
    ipv6Address: endpoint?.ipv6Address ? canonicalIp(endpoint.ipv6Address) : null,
    macAddress: endpoint?.macAddress ? canonicalMac(endpoint.macAddress) : null,
    aliases: [...new Set(endpoint?.aliases ?? [])].sort(),
  };
}
