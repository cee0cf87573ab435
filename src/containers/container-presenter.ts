import type { EndpointVisibility, ResolvedContainer } from '../lookup/resource-lookup';
import type { ContainerModel } from './models/container.model';

const date = (value: string | null) => (value ? new Date(value) : null);

// Network modes that name no other object (a `container:<id>` mode names a container, and
// a network's name may be another scope's: both are hidden from scoped keys).
const PLAIN_MODES = new Set(['bridge', 'host', 'none', 'default']);
// What a scoped key reads instead of the name of a network outside its scope.
export const OUTSIDE_SCOPE = '(outside your scope)';

// `visible` keeps the endpoints on networks the key may see (all of them when not given).
export function presentContainer(
  { summary, info }: ResolvedContainer,
  visible?: EndpointVisibility,
): ContainerModel {
  const endpoints = visible ? info.endpoints.filter(visible) : info.endpoints;
  // A container created on a network by id reports the id; show the network's name.
  const mode =
    info.endpoints.find((e) => e.networkId && e.networkId === info.networkMode)?.networkName ??
    info.networkMode;
  const modeHidden =
    visible !== undefined && !PLAIN_MODES.has(mode) && !endpoints.some((e) => e.networkName === mode);
  // A network that is gone is not outside the key's scope: say what is true.
  const gone = modeHidden && !mode.startsWith('container:') && visible?.exists?.(info.networkMode) === false;
  const goneId = info.endpoints.find((e) => e.networkName === mode)?.networkId || info.networkMode;
  const shownMode = gone
    ? `(removed network ${/^[0-9a-f]{12,}$/.test(goneId) ? goneId.slice(0, 12) : ''})`.replace(' )', ')')
    : modeHidden
      ? OUTSIDE_SCOPE
      : mode;
  return {
    id: info.id,
    name: info.name,
    image: info.image,
    command: info.command,
    state: info.state,
    status: summary.status || info.state,
    createdAt: date(info.createdAt),
    startedAt: date(info.startedAt),
    finishedAt: date(info.finishedAt),
    exitCode: info.exitCode,
    labels: info.labels,
    hostname: info.hostname,
    networkMode: shownMode,
    restartPolicy: info.restartPolicy,
    networks: endpoints
      .map((e) => ({
        network: e.networkName,
        networkId: e.networkId || null,
        // A stopped container keeps the addresses it asked for; the engine assigns them on start.
        ipv4Address: e.ipv4Address ?? e.requestedIpv4Address,
        ipv6Address: e.ipv6Address ?? e.requestedIpv6Address,
        macAddress: e.macAddress,
        aliases: e.aliases,
      }))
      .sort((a, b) => a.network.localeCompare(b.network)),
  };
}
