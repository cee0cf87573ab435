import { EngineRejection, type EngineRejectionReason } from './engine.errors';

const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EACCES',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'ERR_SOCKET_CLOSED',
]);

export function isTransportError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSPORT_CODES.has(code);
}

// Engine messages differ between versions; these patterns cover 20.10 through 28.x.
const PATTERNS: ReadonlyArray<[RegExp, EngineRejectionReason]> = [
  [/plugin "?[^"]*"? not found|driver .* not found|could not find plugin/i, 'DRIVER_NOT_FOUND'],
  [/endpoint with name .* already exists|already exists in network/i, 'ALREADY_CONNECTED'],
  [
    /network with name .* already exists|container name .* is already in use|name .* is already in use by container/i,
    'NAME_CONFLICT',
  ],
  [/cannot remove a running container|stop the container before/i, 'RUNNING'],
  [/operation is already running/i, 'BUSY'],
  [/is not running|is paused|is restarting/i, 'NOT_RUNNING'],
  [
    /non-overlapping .*address pool|no available .*pool|address pools have been fully subnetted/i,
    'POOLS_EXHAUSTED',
  ],
  [/pool overlaps|overlaps with/i, 'POOL_OVERLAP'],
  [/is already using parent interface/i, 'PARENT_IN_USE'],
  [/parent interface .*not found|invalid subinterface vlan name|-o parent/i, 'PARENT_INTERFACE_NOT_FOUND'],
  [/not a swarm manager|swarm mode|node is not part of a swarm/i, 'NOT_SWARM_MANAGER'],
  [/address.*already in use/i, 'ADDRESS_IN_USE'],
  [
    /does not belong to any of this network's subnets|out of range|no configured subnet/i,
    'ADDRESS_OUTSIDE_SUBNET',
  ],
  [/user specified ip address is supported/i, 'ADDRESS_NOT_ASSIGNABLE'],
  [/is not connected to (the )?network/i, 'NOT_CONNECTED'],
  [/active endpoints|in use by|has active/i, 'HAS_ENDPOINTS'],
  [/operation not supported|not supported/i, 'OPERATION_NOT_SUPPORTED'],
];

export function classifyEngineError(error: unknown): EngineRejection | null {
  const e = error as {
    statusCode?: unknown;
    json?: { message?: unknown } | null;
    reason?: unknown;
    message?: unknown;
  };
  if (typeof e?.statusCode !== 'number') return null;
  const message =
    (typeof e.json?.message === 'string' && e.json.message) ||
    (typeof e.reason === 'string' && e.reason) ||
    (typeof e.message === 'string' && e.message) ||
    'no message';
  const status = e.statusCode;
  for (const [pattern, reason] of PATTERNS) {
    if (pattern.test(message)) return new EngineRejection(reason, message, status);
  }
  return new EngineRejection(reasonFor(status), message, status);
}

// What the engine's status says when its message matched nothing we know: its 4xx keep their
// meaning; a 5xx (or anything else) is the engine failing, not the caller.
function reasonFor(status: number): EngineRejectionReason {
  if (status === 404) return 'NOT_FOUND';
  if (status === 403 || status === 409) return 'CONFLICT';
  if (status >= 400 && status < 500) return 'INVALID_REQUEST';
  return 'ENGINE_FAILURE';
}
