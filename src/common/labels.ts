// Labels Switchyard puts on what it creates. Clients cannot set `io.switchyard.*` labels themselves.
export const MANAGED_LABEL = 'io.switchyard.managed';
export const PROBE_LABEL = 'io.switchyard.probe';
// The id of the Switchyard instance (its database) that created a network or container.
export const INSTANCE_LABEL = 'io.switchyard.instance';
