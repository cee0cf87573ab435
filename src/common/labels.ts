// Labels Switchyard puts on what it creates. Clients cannot set `io.switchyard.*` labels themselves.
export const MANAGED_LABEL = 'io.switchyard.managed';
export const PROBE_LABEL = 'io.switchyard.probe';
// The id of the Switchyard instance (its database) that created a network or container.
export const INSTANCE_LABEL = 'io.switchyard.instance';
// Template resources: the template that owns them, the revision that created them last, and the
// hash of their normalised spec (so that engine defaults never look like changes).
export const TEMPLATE_LABEL = 'io.switchyard.template';
export const REVISION_LABEL = 'io.switchyard.revision';
export const HASH_LABEL = 'io.switchyard.hash';
