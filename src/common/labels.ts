// Labels Switchyard puts on what it creates. Clients cannot set `io.switchyard.*` labels themselves.
export const MANAGED_LABEL = 'io.switchyard.managed';
export const PROBE_LABEL = 'io.switchyard.probe';
