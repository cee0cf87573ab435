import type {
  ContainerEndpoint,
  ContainerListFilter,
  NetworkFilter,
  NetworkInfo,
  StringMap,
} from '../engine.types';

// The engine's list filters, applied to the model's objects with the engine's exact semantics
// (moby daemon/network/filter.go and daemon/list.go).

// `all=false` lists what the engine counts as running: running, paused and restarting.
export const LISTED_WITHOUT_ALL = new Set(['running', 'paused', 'restarting']);

// label filters: `k` (the label exists) or `k=v` (it has that value); every one must match.
export function matchesLabels(labels: StringMap, filters: readonly string[] | undefined): boolean {
  if (!filters?.length) return true;
  for (const filter of filters) {
    const eq = filter.indexOf('=');
    const key = eq < 0 ? filter : filter.slice(0, eq);
    if (!Object.prototype.hasOwnProperty.call(labels, key)) return false;
    if (eq >= 0 && labels[key] !== filter.slice(eq + 1)) return false;
  }
  return true;
}

// driver and scope match exactly, any of the values; labels as above.
export function matchesNetworkFilter(network: NetworkInfo, filter: NetworkFilter): boolean {
  if (filter.driver?.length && !filter.driver.includes(network.driver)) return false;
  if (filter.scope?.length && !filter.scope.includes(network.scope)) return false;
  return matchesLabels(network.labels, filter.label);
}

// network: any value that is the name of one of the container's networks or a prefix of its id.
export function onAnyNetwork(endpoints: readonly ContainerEndpoint[], values: readonly string[]): boolean {
  for (const value of values) {
    for (const e of endpoints) {
      if (e.networkName === value || (e.networkId && e.networkId.startsWith(value))) return true;
    }
  }
  return false;
}

export interface ContainerFacts {
  state: string;
  labels: StringMap;
  endpoints: readonly ContainerEndpoint[];
}

// A status filter lists every state it names, as `all` does.
export function matchesContainerFilter(c: ContainerFacts, filter: ContainerListFilter): boolean {
  const all = filter.all === true || (filter.status?.length ?? 0) > 0;
  if (!all && !LISTED_WITHOUT_ALL.has(c.state)) return false;
  if (filter.status?.length && !filter.status.includes(c.state)) return false;
  if (!matchesLabels(c.labels, filter.label)) return false;
  if (filter.network?.length && !onAnyNetwork(c.endpoints, filter.network)) return false;
  return true;
}

// How the engine finds an object by reference: full id, then exact name, then a unique id
// prefix. Null when nothing or more than one matches (the caller asks the engine, which answers
// with its own error).
export function findByReference<T>(
  ref: string,
  byId: ReadonlyMap<string, T>,
  nameOf: (item: T) => string,
): T | null {
  if (!ref) return null;
  const exact = byId.get(ref);
  if (exact) return exact;
  let named: T | null = null;
  let names = 0;
  let prefixed: T | null = null;
  let prefixes = 0;
  for (const [id, item] of byId) {
    if (nameOf(item) === ref) {
      named = item;
      names++;
    }
    if (id.startsWith(ref)) {
      prefixed = item;
      prefixes++;
    }
  }
  if (names) return names === 1 ? named : null;
  return prefixes === 1 ? prefixed : null;
}

// Freezes an answer and everything in it: answers are shared between callers.
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}
