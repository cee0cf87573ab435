// What a container request may never ask for. Whoever drives the Docker socket is root on the
// host: each of these is a known way out of a container. The API only knows a typed allowlist
// of fields, so none of them could reach the engine anyway; refusing them by name tells the
// caller which rule they hit.

export interface PolicyRule {
  rule: string;
  what: string;
}

const RULES: Record<string, PolicyRule> = {
  privileged: { rule: 'privileged', what: 'privileged containers' },
  binds: { rule: 'host-mounts', what: 'bind mounts of the host' },
  mounts: { rule: 'host-mounts', what: 'mounts of host paths or volumes' },
  volumes: { rule: 'host-mounts', what: 'volume mounts' },
  volumesfrom: { rule: 'volumes-from', what: "mounting another container's volumes" },
  devices: { rule: 'devices', what: 'host devices' },
  devicerequests: { rule: 'devices', what: 'host devices' },
  devicecgrouprules: { rule: 'devices', what: 'device cgroup rules' },
  capadd: { rule: 'capabilities', what: 'added capabilities' },
  capabilities: { rule: 'capabilities', what: 'added capabilities' },
  pidmode: { rule: 'host-namespaces', what: "the host's PID namespace" },
  ipcmode: { rule: 'host-namespaces', what: "the host's IPC namespace" },
  utsmode: { rule: 'host-namespaces', what: "the host's UTS namespace" },
  usernsmode: { rule: 'host-namespaces', what: "the host's user namespace" },
  sysctls: { rule: 'sysctls', what: 'kernel parameters (sysctls)' },
  securityopt: { rule: 'security-options', what: 'security options (seccomp, AppArmor, SELinux overrides)' },
  cgroupparent: { rule: 'cgroup-parent', what: 'a cgroup parent' },
  cgroup: { rule: 'cgroup-parent', what: 'a cgroup namespace' },
};

const normalise = (key: string) => key.toLowerCase().replace(/[^a-z]/g, '');

// The rules a raw request body breaks, looking at its top level and inside a `hostConfig`.
export function policyViolations(body: unknown): Array<PolicyRule & { field: string }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  const found: Array<PolicyRule & { field: string }> = [];
  const scan = (object: Record<string, unknown>, path: string) => {
    for (const [key, value] of Object.entries(object)) {
      const rule = RULES[normalise(key)];
      if (rule) found.push({ ...rule, field: path + key });
      if (normalise(key) === 'hostconfig' && value && typeof value === 'object' && !Array.isArray(value)) {
        scan(value as Record<string, unknown>, `${path}${key}.`);
      }
    }
  };
  scan(body as Record<string, unknown>, '');
  return found;
}

export function policyRuleForField(field: string): PolicyRule | null {
  return RULES[normalise(field)] ?? null;
}

// IMAGE_ALLOWLIST patterns: `*` matches within a path segment, `**` across segments. A reference
// without a tag or digest is matched as `<name>:latest`.
export function compileImageAllowlist(text: string): RegExp[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((pattern) => {
      const source = pattern
        .split('**')
        .map((part) =>
          part
            .split('*')
            .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^/]*'),
        )
        .join('.*');
      return new RegExp(`^${source}$`);
    });
}

export function imageAllowed(image: string, allowlist: RegExp[]): boolean {
  if (allowlist.length === 0) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tagged = image.includes('@') || lastSegment.includes(':') ? image : `${image}:latest`;
  return allowlist.some((pattern) => pattern.test(image) || pattern.test(tagged));
}
