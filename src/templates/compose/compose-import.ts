import type { StringMap } from '../../engine/engine.types';
import type {
  TemplateContainer,
  TemplateDocument,
  TemplateEndpoint,
  TemplateExpectation,
  TemplateNetwork,
} from '../template.types';
import { childPath, isMap } from './compose-paths';
import { networkFieldReason, serviceFieldReason, topLevelReason } from './compose-reasons';
import { uninterpolate } from './interpolation';
import { shellSplit } from './shell-split';

// Compose file -> template document. Rules (each one says why, in the unmapped reasons):
// - services become containers named by `container_name`, else by the service name;
// - top-level networks become template networks named by `name:`, else by their key, as services
//   keep theirs (compose itself would prefix the key with the project; a template's networks have
//   the names it gives them). A service with no `networks` and no `network_mode` is on compose's
//   implicit `default` network, which becomes `<project>_default` (the project being the template
//   name, normalised the way compose normalises `-p`), and so does a declared `default` key;
// - a service's networks keep compose's order (highest `priority` first, else by name): the first
//   one is where compose creates the container, and where a service-level `mac_address` applies;
// - strings are read like compose reads them: `$$` is a dollar, `$VAR` needs the host environment
//   and is listed as unmapped; string commands are split like docker-py splits them (no shell);
// - `x-switchyard` (top level: description, labels, expectations; per service: start; per service
//   network: macAddress) carries what compose has no field for, so an export comes back whole.

export interface UnmappedField {
  // Path in the compose file ($.services.web.ports).
  path: string;
  reason: string;
}

export interface ComposeImport {
  document: TemplateDocument;
  unmapped: UnmappedField[];
}

const SERVICE_FIELDS = new Set([
  'image',
  'command',
  'entrypoint',
  'environment',
  'hostname',
  'labels',
  'restart',
  'network_mode',
  'networks',
  'mac_address',
  'container_name',
  'x-switchyard',
]);
const NETWORK_FIELDS = new Set([
  'name',
  'driver',
  'driver_opts',
  'ipam',
  'internal',
  'attachable',
  'enable_ipv6',
  'labels',
]);
const ENDPOINT_FIELDS = new Set([
  'aliases',
  'ipv4_address',
  'ipv6_address',
  'mac_address',
  'priority',
  'x-switchyard',
]);

// docker-compose 1.x: `re.sub(r'[^-_a-z0-9]', '', name.lower())`.
export function composeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^-_a-z0-9]/g, '');
}

class Importer {
  readonly unmapped: UnmappedField[] = [];
  readonly project: string;
  // Compose network key -> template network name (null: declared but not mapped, e.g. external).
  private readonly networkNames = new Map<string, string | null>();
  private readonly networks: Record<string, TemplateNetwork> = {};
  private readonly containers: Record<string, TemplateContainer> = {};

  constructor(private readonly name: string) {
    this.project = composeProjectName(name);
  }

  lose(path: string, reason: string): void {
    this.unmapped.push({ path, reason });
  }

  run(compose: unknown): TemplateDocument {
    const document: TemplateDocument = { name: this.name };
    if (!isMap(compose)) {
      this.lose('$', 'a compose file is a mapping with `services` (and `networks`); nothing was imported');
      return document;
    }
    for (const key of Object.keys(compose)) {
      if (!['version', 'services', 'networks', 'x-switchyard'].includes(key)) {
        this.lose(childPath('$', key), topLevelReason(key));
      }
    }
    this.readNetworks(compose.networks);
    this.readServices(compose.services);
    this.readExtension(compose['x-switchyard'], document);
    if (isMap(compose.networks) || Object.keys(this.networks).length > 0) document.networks = this.networks;
    // An export always writes `services` (compose needs it), empty when the template has no
    // containers: an empty map reads back as no containers.
    if (Object.keys(this.containers).length > 0) document.containers = this.containers;
    return reorder(document);
  }

  // -------------------------------------------------------------------------------------------
  // Strings, maps and lists as compose reads them.

  // A string value (interpolated by compose), or null after listing why not.
  text(value: unknown, path: string): string | null {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') {
      this.lose(path, 'must be a string; not imported');
      return null;
    }
    const read = uninterpolate(value);
    if ('problem' in read) {
      this.lose(path, `${read.problem}; not imported`);
      return null;
    }
    return read.value;
  }

  bool(value: unknown, path: string): boolean | undefined {
    if (typeof value === 'boolean') return value;
    this.lose(path, 'must be true or false; not imported');
    return undefined;
  }

  // `environment` / `labels`: a map, or a list of `KEY=VALUE`. `bare` says what a key without a
  // value means (null: it cannot be mapped, with that reason).
  keyValues(
    value: unknown,
    path: string,
    bare: { value: string } | { reason: string },
  ): StringMap | undefined {
    const out: StringMap = {};
    const put = (key: string, raw: unknown, at: string) => {
      if (raw === null || raw === undefined) {
        if ('value' in bare) out[key] = bare.value;
        else this.lose(at, bare.reason);
        return;
      }
      const text = this.text(raw, at);
      if (text !== null) out[key] = text;
    };
    if (isMap(value)) {
      for (const [key, raw] of Object.entries(value)) put(key, raw, childPath(path, key));
      return out;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        const at = childPath(path, index);
        if (typeof item !== 'string') return this.lose(at, 'must be a `KEY=VALUE` string; not imported');
        const read = uninterpolate(item);
        if ('problem' in read) return this.lose(at, `${read.problem}; not imported`);
        const cut = read.value.indexOf('=');
        if (cut < 0) put(read.value, null, at);
        else out[read.value.slice(0, cut)] = read.value.slice(cut + 1);
      });
      return out;
    }
    this.lose(path, 'must be a map or a list of `KEY=VALUE` strings; not imported');
    return undefined;
  }

  // A map of strings (driver_opts, ipam options, aux_addresses).
  stringMap(value: unknown, path: string): StringMap | undefined {
    if (!isMap(value)) {
      this.lose(path, 'must be a map of strings; not imported');
      return undefined;
    }
    const out: StringMap = {};
    for (const [key, raw] of Object.entries(value)) {
      const text = this.text(raw, childPath(path, key));
      if (text !== null) out[key] = text;
    }
    return out;
  }

  // `command` / `entrypoint`: a list, or a string split the way docker-py splits it.
  argv(value: unknown, path: string): string[] | undefined {
    if (typeof value === 'string') {
      const text = this.text(value, path);
      if (text === null) return undefined;
      const words = shellSplit(text);
      if (words === null) {
        this.lose(
          path,
          'has an unclosed quote or a trailing backslash (compose refuses it too); not imported',
        );
        return undefined;
      }
      return words;
    }
    if (Array.isArray(value)) {
      const words: string[] = [];
      for (const [index, item] of value.entries()) {
        const text = typeof item === 'string' || typeof item === 'number' ? this.text(item, path) : null;
        if (text === null) {
          if (typeof item !== 'string') this.lose(childPath(path, index), 'must be a string; not imported');
          return undefined;
        }
        words.push(text);
      }
      return words;
    }
    this.lose(path, 'must be a string or a list of strings; not imported');
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Top-level networks.

  readNetworks(value: unknown): void {
    if (value === undefined || value === null) return;
    if (!isMap(value)) return this.lose('$.networks', 'must be a map of network names; not imported');
    const taken = new Map<string, string>();
    for (const [key, spec] of Object.entries(value)) {
      const path = childPath('$.networks', key);
      if (spec !== null && !isMap(spec)) {
        this.lose(path, 'must be a map (or empty); this network was not imported');
        this.networkNames.set(key, null);
        continue;
      }
      const raw = spec ?? {};
      if (raw.external !== undefined && raw.external !== false) {
        this.lose(
          path,
          'an external network is not created by compose, and a template manages only networks it creates: declare the network in the template, or keep the containers that need it outside the template',
        );
        this.networkNames.set(key, null);
        continue;
      }
      const named = raw.name === undefined ? null : this.text(raw.name, childPath(path, 'name'));
      const engineName = named ?? (key === 'default' ? `${this.project}_default` : key);
      const holder = taken.get(engineName);
      if (holder !== undefined) {
        this.lose(path, `has the same engine name \`${engineName}\` as network \`${holder}\`; not imported`);
        this.networkNames.set(key, null);
        continue;
      }
      taken.set(engineName, key);
      this.networkNames.set(key, engineName);
      this.networks[engineName] = this.network(raw, path);
    }
  }

  network(raw: Record<string, unknown>, path: string): TemplateNetwork {
    const network: TemplateNetwork = {};
    for (const [field, value] of Object.entries(raw)) {
      const at = childPath(path, field);
      if (field === 'external') continue;
      if (!NETWORK_FIELDS.has(field)) {
        this.lose(at, networkFieldReason(field));
        continue;
      }
      switch (field) {
        case 'driver': {
          const text = this.text(value, at);
          if (text !== null) network.driver = text;
          break;
        }
        case 'driver_opts':
          network.options = this.stringMap(value, at);
          break;
        case 'internal':
          network.internal = this.bool(value, at);
          break;
        case 'attachable':
          network.attachable = this.bool(value, at);
          break;
        case 'enable_ipv6':
          network.enableIPv6 = this.bool(value, at);
          break;
        case 'labels':
          network.labels = this.keyValues(value, at, { value: '' });
          break;
        case 'ipam':
          network.ipam = this.ipam(value, at);
          break;
      }
    }
    return dropUndefined(network);
  }

  ipam(value: unknown, path: string): TemplateNetwork['ipam'] {
    if (!isMap(value)) {
      this.lose(path, 'must be a map; not imported');
      return undefined;
    }
    const ipam: NonNullable<TemplateNetwork['ipam']> = {};
    for (const [field, raw] of Object.entries(value)) {
      const at = childPath(path, field);
      if (field === 'driver') {
        const text = this.text(raw, at);
        if (text !== null) ipam.driver = text;
      } else if (field === 'options') {
        ipam.options = this.stringMap(raw, at);
      } else if (field === 'config') {
        if (!Array.isArray(raw)) this.lose(at, 'must be a list; not imported');
        else ipam.config = raw.map((entry, index) => this.ipamConfig(entry, childPath(at, index)));
      } else {
        this.lose(at, 'an ipam block maps driver, config and options only');
      }
    }
    return dropUndefined(ipam);
  }

  ipamConfig(
    value: unknown,
    path: string,
  ): NonNullable<NonNullable<TemplateNetwork['ipam']>['config']>[number] {
    const config: NonNullable<NonNullable<TemplateNetwork['ipam']>['config']>[number] = {};
    if (!isMap(value)) {
      this.lose(path, 'must be a map; not imported');
      return config;
    }
    const fields = { subnet: 'subnet', gateway: 'gateway', ip_range: 'ipRange' } as const;
    for (const [field, raw] of Object.entries(value)) {
      const at = childPath(path, field);
      if (field in fields) {
        const text = this.text(raw, at);
        if (text !== null) config[fields[field as keyof typeof fields]] = text;
      } else if (field === 'aux_addresses') {
        config.auxAddresses = this.stringMap(raw, at);
      } else {
        this.lose(at, 'an ipam config entry maps subnet, gateway, ip_range and aux_addresses only');
      }
    }
    return dropUndefined(config);
  }

  // -------------------------------------------------------------------------------------------
  // Services.

  readServices(value: unknown): void {
    if (value === undefined || value === null) return;
    if (!isMap(value)) return this.lose('$.services', 'must be a map of service names; not imported');
    for (const [key, spec] of Object.entries(value)) {
      const path = childPath('$.services', key);
      if (!isMap(spec)) {
        this.lose(path, 'must be a map; this service was not imported');
        continue;
      }
      const named =
        spec.container_name === undefined ? null : this.text(spec.container_name, `${path}.container_name`);
      const name = named ?? key;
      if (Object.hasOwn(this.containers, name)) {
        this.lose(
          path,
          `a container named \`${name}\` is already imported (container names are unique); not imported`,
        );
        continue;
      }
      this.containers[name] = this.service(spec, path);
    }
  }

  service(spec: Record<string, unknown>, path: string): TemplateContainer {
    const container = {} as TemplateContainer;
    for (const [field, value] of Object.entries(spec)) {
      const at = childPath(path, field);
      if (!SERVICE_FIELDS.has(field)) {
        this.lose(at, serviceFieldReason(field));
        continue;
      }
      if (value === null) continue;
      switch (field) {
        case 'image': {
          const text = this.text(value, at);
          if (text !== null) container.image = text;
          break;
        }
        case 'hostname': {
          const text = this.text(value, at);
          if (text !== null) container.hostname = text;
          break;
        }
        case 'command':
          container.command = this.argv(value, at);
          break;
        case 'entrypoint':
          container.entrypoint = this.argv(value, at);
          break;
        case 'environment':
          container.env = this.keyValues(value, at, {
            reason:
              'has no value: compose copies it from the environment of whoever runs it, which a template does not have; write `KEY=value`',
          });
          break;
        case 'labels':
          container.labels = this.keyValues(value, at, { value: '' });
          break;
        case 'restart':
          container.restartPolicy = this.restart(value, at);
          break;
        case 'x-switchyard':
          this.serviceExtension(value, at, container);
          break;
      }
    }
    this.networking(spec, path, container);
    return reorder(dropUndefined(container));
  }

  restart(value: unknown, path: string): TemplateContainer['restartPolicy'] {
    // YAML 1.2 parsers read a bare `no` as a string, YAML 1.1 (compose's own) as false.
    if (value === false) return { name: 'no' };
    const text = this.text(value, path);
    if (text === null) return undefined;
    if (['no', 'always', 'unless-stopped'].includes(text)) return { name: text };
    const onFailure = /^on-failure(?::(\d+))?$/.exec(text);
    if (onFailure) {
      return onFailure[1] === undefined
        ? { name: 'on-failure' }
        : { name: 'on-failure', maximumRetryCount: Number(onFailure[1]) };
    }
    this.lose(path, 'must be "no", always, unless-stopped or on-failure[:N]; not imported');
    return undefined;
  }

  serviceExtension(value: unknown, path: string, container: TemplateContainer): void {
    if (!isMap(value)) return this.lose(path, 'must be a map ({ start: false }); not imported');
    for (const [field, raw] of Object.entries(value)) {
      const at = childPath(path, field);
      if (field === 'start') container.start = this.bool(raw, at);
      else this.lose(at, 'x-switchyard on a service carries `start` only');
    }
  }

  // network_mode, networks and mac_address together: which networks, in which order, with which MAC.
  networking(spec: Record<string, unknown>, path: string, container: TemplateContainer): void {
    const macPath = `${path}.mac_address`;
    const mac =
      spec.mac_address === undefined || spec.mac_address === null
        ? null
        : this.text(spec.mac_address, macPath);
    if (spec.network_mode !== undefined && spec.network_mode !== null) {
      const mode = this.text(spec.network_mode, `${path}.network_mode`);
      if (mode === 'host' || mode === 'none' || mode === 'bridge') {
        container.networkMode = mode;
      } else if (mode !== null) {
        this.lose(
          `${path}.network_mode`,
          `\`${mode}\` cannot be mapped: a template container uses host, none or bridge, or joins template networks (sharing another container's network stack is not supported); the container gets the engine's default network`,
        );
      }
      if (spec.networks !== undefined) {
        this.lose(
          `${path}.networks`,
          'network_mode and networks cannot be combined (compose refuses it too)',
        );
      }
      if (mac !== null) {
        this.lose(
          macPath,
          'a template sets MAC addresses per template network, and with network_mode the container joins none; attach it to a network in `networks` and give the MAC there',
        );
      }
      return;
    }
    const entries = this.serviceNetworks(spec.networks, `${path}.networks`);
    if (entries.length === 0 && spec.networks !== undefined && spec.networks !== null) {
      // Compose runs a service with an empty `networks` with network mode none.
      container.networkMode = 'none';
      if (mac !== null) this.lose(macPath, 'a MAC address needs a network; this service has none');
      return;
    }
    const endpoints: Record<string, TemplateEndpoint> = {};
    for (const entry of entries) {
      const target = this.networkFor(entry.key, entry.path);
      if (target !== null) endpoints[target] = entry.endpoint;
    }
    if (mac !== null) this.placeMac(mac, macPath, entries[0], endpoints);
    container.networks = endpoints;
  }

  // The service's networks in compose's order (compose/network.py get_networks): by `priority`,
  // highest first, when any is set (ties keep file order), else by name.
  serviceNetworks(value: unknown, path: string): { key: string; path: string; endpoint: TemplateEndpoint }[] {
    const raw: { key: string; path: string; spec: unknown }[] = [];
    if (value === undefined || value === null) {
      raw.push({ key: 'default', path, spec: null });
    } else if (Array.isArray(value)) {
      value.forEach((key, index) => {
        if (typeof key === 'string') raw.push({ key, path: childPath(path, index), spec: null });
        else this.lose(childPath(path, index), 'must be a network name; not imported');
      });
    } else if (isMap(value)) {
      for (const [key, spec] of Object.entries(value)) raw.push({ key, path: childPath(path, key), spec });
    } else {
      this.lose(path, 'must be a list or a map of networks; not imported');
    }
    const entries = raw.map((item) => ({ ...item, ...this.endpoint(item.spec, item.path) }));
    if (entries.some((entry) => entry.priority !== 0)) {
      entries.sort((a, b) => b.priority - a.priority);
    } else {
      entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    return entries.map(({ key, path: at, endpoint }) => ({ key, path: at, endpoint }));
  }

  endpoint(value: unknown, path: string): { endpoint: TemplateEndpoint; priority: number } {
    const endpoint: TemplateEndpoint = {};
    let priority = 0;
    if (value === null || value === undefined) return { endpoint, priority };
    if (!isMap(value)) {
      this.lose(path, 'must be a map (or empty); its settings were not imported');
      return { endpoint, priority };
    }
    for (const [field, raw] of Object.entries(value)) {
      const at = childPath(path, field);
      if (!ENDPOINT_FIELDS.has(field)) {
        this.lose(
          at,
          'a template attachment maps ipv4_address, ipv6_address, mac_address, aliases (and priority, as the order)',
        );
        continue;
      }
      if (field === 'priority') {
        if (typeof raw === 'number') priority = raw;
        else this.lose(at, 'must be a number; ignored');
      } else if (field === 'aliases') {
        const aliases = Array.isArray(raw) ? this.argv(raw, at) : undefined;
        if (!Array.isArray(raw)) this.lose(at, 'must be a list of names; not imported');
        if (aliases) endpoint.aliases = aliases;
      } else if (field === 'x-switchyard') {
        this.endpointExtension(raw, at, endpoint);
      } else if (raw !== null) {
        const text = this.text(raw, at);
        if (text === null) continue;
        if (field === 'ipv4_address') endpoint.ipv4Address = text;
        else if (field === 'ipv6_address') endpoint.ipv6Address = text;
        else endpoint.macAddress = text;
      }
    }
    return { endpoint: reorder(endpoint), priority };
  }

  endpointExtension(value: unknown, path: string, endpoint: TemplateEndpoint): void {
    if (!isMap(value)) return this.lose(path, 'must be a map ({ macAddress }); not imported');
    for (const [field, raw] of Object.entries(value)) {
      const at = childPath(path, field);
      if (field !== 'macAddress') {
        this.lose(at, 'x-switchyard on a service network carries `macAddress` only');
        continue;
      }
      const text = this.text(raw, at);
      if (text === null) continue;
      if (endpoint.macAddress !== undefined && endpoint.macAddress !== text) {
        this.lose(
          at,
          `disagrees with mac_address \`${endpoint.macAddress}\` on the same network; the latter was kept`,
        );
      } else {
        endpoint.macAddress = text;
      }
    }
  }

  // The template network a service's network key refers to, or null after listing why none.
  networkFor(key: string, path: string): string | null {
    if (!this.networkNames.has(key)) {
      if (key !== 'default') {
        this.lose(
          path,
          `network \`${key}\` is not declared in the top-level networks (compose refuses it too); not attached`,
        );
        return null;
      }
      // Compose's implicit default network.
      const name = `${this.project}_default`;
      this.networkNames.set(key, name);
      this.networks[name] ??= {};
    }
    const name = this.networkNames.get(key) ?? null;
    if (name === null)
      this.lose(path, `network \`${key}\` was not imported (see its own entry); not attached`);
    return name;
  }

  // Compose applies a service-level mac_address at create, so on the first (primary) network.
  placeMac(
    mac: string,
    path: string,
    primary: { key: string } | undefined,
    endpoints: Record<string, TemplateEndpoint>,
  ): void {
    const target = primary ? this.networkNames.get(primary.key) : undefined;
    const endpoint = target ? endpoints[target] : undefined;
    if (!endpoint) {
      this.lose(path, 'the network compose would apply it to (the first one) was not imported; not imported');
    } else if (endpoint.macAddress !== undefined && endpoint.macAddress !== mac) {
      this.lose(
        path,
        `ambiguous: the first network \`${primary?.key}\` has its own MAC \`${endpoint.macAddress}\`; put the MAC on the network entry it belongs to`,
      );
    } else {
      endpoint.macAddress = mac;
      endpoints[target as string] = reorder(endpoint);
    }
  }

  // -------------------------------------------------------------------------------------------
  // x-switchyard at the top level: what compose has no field for.

  // Labels as written: compose does not interpolate the top-level extension.
  extensionLabels(raw: Record<string, unknown>, path: string): StringMap {
    const labels: StringMap = {};
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        labels[key] = String(value);
      } else {
        this.lose(childPath(path, key), 'must be a string; not imported');
      }
    }
    return labels;
  }

  readExtension(value: unknown, document: TemplateDocument): void {
    if (value === undefined || value === null) return;
    const path = childPath('$', 'x-switchyard');
    if (!isMap(value))
      return this.lose(path, 'must be a map ({ description, labels, expectations }); not imported');
    for (const [field, raw] of Object.entries(value)) {
      const at = childPath(path, field);
      if (field === 'description') {
        if (typeof raw === 'string') document.description = raw;
        else this.lose(at, 'must be a string; not imported');
      } else if (field === 'labels') {
        if (isMap(raw)) document.labels = this.extensionLabels(raw, at);
        else this.lose(at, 'must be a map of strings; not imported');
      } else if (field === 'expectations') {
        // Checked by the validator, like the expectations of any template.
        if (Array.isArray(raw)) document.expectations = raw as TemplateExpectation[];
        else this.lose(at, 'must be a list of { from, to, reachable }; not imported');
      } else {
        this.lose(at, 'x-switchyard carries description, labels and expectations only');
      }
    }
  }
}

// A copy without the keys whose value is undefined (fields that were listed as unmapped).
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// Keys in the order templates are written (stable output, readable YAML and JSON).
const ORDER = [
  'name',
  'description',
  'labels',
  'image',
  'entrypoint',
  'command',
  'env',
  'hostname',
  'restartPolicy',
  'networkMode',
  'networks',
  'containers',
  'expectations',
  'start',
  'ipv4Address',
  'ipv6Address',
  'macAddress',
  'aliases',
];
function reorder<T extends object>(value: T): T {
  const rank = (key: string) => {
    const at = ORDER.indexOf(key);
    return at < 0 ? ORDER.length : at;
  };
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => rank(a) - rank(b))) as T;
}

export function importCompose(compose: unknown, name: string): ComposeImport {
  const importer = new Importer(name);
  const document = importer.run(compose);
  return { document, unmapped: importer.unmapped };
}
