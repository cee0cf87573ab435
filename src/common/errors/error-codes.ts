// Stable error codes: clients and portals match on these strings, so they are never renamed.
export const ERROR_CATALOG = {
  VALIDATION_FAILED: { status: 400, title: 'Invalid input' },
  QUERY_TOO_COMPLEX: { status: 400, title: 'GraphQL query too complex' },
  ADDRESS_OUTSIDE_SUBNET: { status: 400, title: 'Address outside the network subnet' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  POLICY_VIOLATION: { status: 403, title: 'Refused by policy' },
  QUERY_NOT_ALLOWED: { status: 403, title: 'Query not on the safelist' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  API_KEY_NOT_FOUND: { status: 404, title: 'API key not found' },
  NETWORK_NOT_FOUND: { status: 404, title: 'Network not found' },
  CONTAINER_NOT_FOUND: { status: 404, title: 'Container not found' },
  CONNECTION_NOT_FOUND: { status: 404, title: 'Container not connected to the network' },
  IMAGE_NOT_FOUND: { status: 404, title: 'Image not found' },
  NETWORK_NAME_TAKEN: { status: 409, title: 'Network name taken' },
  API_KEY_NAME_TAKEN: { status: 409, title: 'API key name taken' },
  CONTAINER_NAME_TAKEN: { status: 409, title: 'Container name taken' },
  CONTAINER_NOT_RUNNING: { status: 409, title: 'Container not running' },
  CONTAINER_RUNNING: { status: 409, title: 'Container running' },
  SUBNET_OVERLAP: { status: 409, title: 'Subnet overlaps another network' },
  NETWORK_IN_USE: { status: 409, title: 'Network in use' },
  BUILTIN_NETWORK: { status: 409, title: 'Built-in network' },
  AMBIGUOUS_REFERENCE: { status: 409, title: 'Ambiguous reference' },
  ALREADY_CONNECTED: { status: 409, title: 'Container already connected' },
  ADDRESS_IN_USE: { status: 409, title: 'Address in use' },
  ADDRESS_NOT_ASSIGNABLE: { status: 409, title: 'Address cannot be chosen on this network' },
  ADDRESS_POOLS_EXHAUSTED: { status: 409, title: 'No free address pool' },
  BRIDGE_NAME_TAKEN: { status: 409, title: 'Bridge interface name taken' },
  PARENT_INTERFACE_IN_USE: { status: 409, title: 'Parent interface in use' },
  ENGINE_CONFLICT: { status: 409, title: 'Engine state conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  URI_TOO_LONG: { status: 414, title: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  UNSUPPORTED_BY_ENGINE: { status: 422, title: 'Not supported by this engine' },
  PARENT_INTERFACE_NOT_FOUND: { status: 422, title: 'Parent interface not found' },
  CONTAINER_START_FAILED: { status: 422, title: 'Container could not start' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  EXEC_BUSY: { status: 429, title: 'Too many commands running' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  ENGINE_UNAVAILABLE: { status: 503, title: 'Docker engine unavailable' },
  ENGINE_TIMEOUT: { status: 504, title: 'Docker engine timed out' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOG[code].status;
}
