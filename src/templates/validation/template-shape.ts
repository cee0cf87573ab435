import { plainToInstance } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsOptional, IsString, MaxLength, validateSync } from 'class-validator';
import { DomainError, type FieldError } from '../../common/errors/domain-error';
import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '../../common/net/ip';
import { IsArgvList } from '../../common/validation/argv';
import { flattenValidationErrors } from '../../common/validation/validation.pipe';
import {
  HasNoNul,
  LABEL_RULES,
  RESOURCE_NAME_MAX,
  RESOURCE_NAME_PATTERN,
  stringMapProblem,
} from '../../common/validation/validators';
import { ContainerNetworkInput, RunContainerInput } from '../../containers/dto/run-container.input';
import { BUILTIN_NETWORK_NAMES } from '../../lookup/network-facts';
import { CreateNetworkInput } from '../../networks/dto/create-network.input';
import { BRIDGE_NAME_OPTION, planNetwork } from '../../networks/network-spec';
import type { TemplateProblem } from '../template.types';
import { fieldProblems, indexPath, keyPath } from './template-problems';
import { addressProblems, type Addressing, type EndpointAddresses } from './template-addresses';

// The checks of a template document that need neither the engine nor the caller: structure,
// the same field rules as network create and container run, references, addresses. Pure and
// synchronous; linear in the size of the document (maps, never scans per item), except subnet
// pairs between the template's own networks, which are few.

export const MAX_NETWORKS = 256;
export const MAX_CONTAINERS = 1000;
export const MAX_EXPECTATIONS = 1000;
export const MAX_DESCRIPTION = 1024;
// RunContainerInput's own bound on networks per container.
export const MAX_CONTAINER_NETWORKS = 16;

const TOP_FIELDS = ['name', 'description', 'labels', 'networks', 'containers', 'expectations'];
const NETWORK_FIELDS = ['driver', 'internal', 'attachable', 'enableIPv6', 'ipam', 'options', 'labels'];
const CONTAINER_FIELDS = [
  'image',
  'command',
  'entrypoint',
  'env',
  'labels',
  'hostname',
  'restartPolicy',
  'networkMode',
  'networks',
  'start',
];
const ENDPOINT_FIELDS = ['ipv4Address', 'ipv6Address', 'macAddress', 'aliases'];
const EXPECTATION_FIELDS = ['from', 'to', 'reachable'];

// `entrypoint` has the rules of container run's `command` (an argv list, no shell).
class EntrypointRules {
  @IsOptional()
  @IsArgvList(['/bin/sh', '-c'])
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(8192, { each: true })
  @HasNoNul({ each: true })
  entrypoint?: string[];
}

// A subnet of a network of the template, where the document gives it.
export interface SubnetFact {
  network: string;
  cidr: Cidr;
  path: string;
}

export interface NetworkFact {
  name: string;
  path: string;
  driver: string;
  // Valid subnets (for overlaps) and every range a key chooses (subnets and ipRanges, for pools).
  subnets: SubnetFact[];
  ranges: Array<{ cidr: Cidr; path: string }>;
  // Its Linux bridge's chosen name (a bridge network's com.docker.network.bridge.name option), and
  // the host interface a macvlan or ipvlan network attaches to: null when not given.
  bridgeName: string | null;
  parent: string | null;
  // Null when the network's ipam has problems of its own: fixed addresses are not checked
  // against it (that would only repeat them).
  addressing: Addressing | null;
}

export interface ContainerFact {
  name: string;
  path: string;
  started: boolean;
  networkMode: string | null;
}

// What the engine and policy checks need from the document, taken from its well-formed parts.
export interface ShapeFacts {
  // The template's name (the document's, or the one the request gives).
  name: string | null;
  networks: Map<string, NetworkFact>;
  // Each image and the paths of the containers' `image` fields that name it.
  images: Map<string, string[]>;
  // `networkMode` paths of containers on the host network.
  hostNetworkPaths: string[];
  // `macAddress` paths on a container's second or later network.
  laterMacPaths: string[];
  // Every labels map (top level, networks, containers) whose entries are well-formed.
  labelMaps: Array<{ path: string; labels: Record<string, string> }>;
}

export interface ShapeResult {
  problems: TemplateProblem[];
  facts: ShapeFacts;
}

type Plain = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Plain =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;

const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  validationError: { target: true, value: false },
  stopAtFirstError: false,
};

interface Checked<T> {
  instance: T;
  errors: FieldError[];
}

// Runs a DTO's class-validator rules over a plain object, like the validation pipe does.
function dtoErrors<T extends object>(cls: new () => T, plain: Plain): Checked<T> {
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  return { instance, errors: flattenValidationErrors(validateSync(instance, VALIDATOR_OPTIONS)) };
}

// The DTO rules, once per distinct spec: the containers of a template mostly repeat theirs (the
// same image, command and labels), and class-transformer and class-validator cost far more than
// the JSON text that identifies a spec. Answers are shared: read them, never change them.
class DtoRules {
  private readonly answers = new Map<new () => object, Map<string, Checked<object>>>();

  check<T extends object>(cls: new () => T, plain: Plain): Checked<T> {
    let byText = this.answers.get(cls);
    if (!byText) this.answers.set(cls, (byText = new Map<string, Checked<object>>()));
    const text = JSON.stringify(plain);
    let answer = byText.get(text);
    if (!answer) byText.set(text, (answer = dtoErrors(cls, plain)));
    return answer as Checked<T>;
  }
}

const RESOURCE_NAME_RULE = `must be 1-${RESOURCE_NAME_MAX} characters: a letter or digit, then letters, digits, "_", "." or "-"`;

const isResourceName = (name: unknown): name is string =>
  typeof name === 'string' && name.length <= RESOURCE_NAME_MAX && RESOURCE_NAME_PATTERN.test(name);

// The first segment of each field with a problem: those fields stay out of cross-field checks.
const troubled = (errors: readonly FieldError[]) => new Set(errors.map((e) => e.field.split('.')[0]));

const PARENT_DRIVERS: ReadonlySet<string> = new Set(['macvlan', 'ipvlan']);

export const bridgeNamePath = (networkPath: string) => keyPath(`${networkPath}.options`, BRIDGE_NAME_OPTION);

// YAML reads plain scalars such as 0x1F, 1e3, 12 or true as numbers and booleans: where a string
// is wanted, the message says so (a name "must be a string" alone leaves the reader puzzled).
function yamlHint(value: unknown): string {
  const scalar = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
  const member = Array.isArray(value)
    ? value.find(scalar)
    : isPlainObject(value)
      ? Object.values(value).find(scalar)
      : value;
  if (!scalar(member)) return '';
  const kind = typeof member === 'number' ? 'a number' : 'a boolean';
  const text = JSON.stringify(member);
  return member === value
    ? `; YAML read this as ${kind} (${text}) - quote it`
    : `; YAML read ${text} as ${kind} - quote it`;
}

const typeProblem = (message: string) => /must be (a )?strings?\b|must be a container name/.test(message);

// The value of a dotted DTO field (`env.FOO`, `labels.com.example.team`) in the plain input.
function valueAt(plain: Plain, field: string): unknown {
  const [first, ...rest] = field.split('.');
  const value = plain[first];
  if (rest.length === 0 || !isPlainObject(value)) return value;
  const key = rest.join('.');
  return key in value ? value[key] : undefined;
}

// Fields that only take strings, whose rules say what the string must look like rather than
// that it must be one (a hostname's "must be a host name label ...").
const STRING_FIELDS = new Set([
  'image',
  'hostname',
  'driver',
  'networkMode',
  'name',
  'ipv4Address',
  'ipv6Address',
  'macAddress',
  'subnet',
  'gateway',
  'ipRange',
]);

// The DTO's errors about a string, with the YAML hint where the value was a number or boolean.
function withYamlHints(plain: Plain, errors: readonly FieldError[]): FieldError[] {
  return errors.map((e) => {
    const about = typeProblem(e.message) || STRING_FIELDS.has(e.field.split('.').pop() ?? '');
    return about ? { ...e, message: e.message + yamlHint(valueAt(plain, e.field)) } : e;
  });
}

// The DTOs judge a labels map as a whole and tell its first bad entry only: the shape checks
// labels entry by entry instead (ShapeChecker.labels).
const withoutLabelErrors = (errors: readonly FieldError[]) =>
  errors.filter((e) => e.field !== 'labels' && !e.field.startsWith('labels.'));

function withoutKeys(object: Plain, keys: ReadonlySet<string>): Plain {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.has(key)));
}

class ShapeChecker {
  readonly problems: TemplateProblem[] = [];
  readonly facts: ShapeFacts = {
    name: null,
    networks: new Map(),
    images: new Map(),
    hostNetworkPaths: [],
    laterMacPaths: [],
    labelMaps: [],
  };
  // Declared names, or null when the map itself is unusable (then references are not checked:
  // every one would be a problem that only repeats the map's).
  private declaredNetworks: Set<string> | null = new Set();
  private containers: Map<string, ContainerFact> | null = new Map();
  private readonly endpoints: EndpointAddresses[] = [];
  private readonly rules = new DtoRules();

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  check(raw: unknown, requestName: string | undefined): void {
    if (!isPlainObject(raw)) {
      this.problem(
        '$',
        `must be an object { name, description, labels, networks, containers, expectations }, not ${kindOf(raw)}`,
      );
      return;
    }
    this.unknownFields('$', raw, TOP_FIELDS, 'a template');
    this.name(raw, requestName);
    if (raw.description !== undefined) {
      if (typeof raw.description !== 'string')
        this.problem('$.description', `must be a string${yamlHint(raw.description)}`);
      else if (raw.description.length > MAX_DESCRIPTION)
        this.problem('$.description', `must be at most ${MAX_DESCRIPTION} characters`);
    }
    if (raw.labels !== undefined) this.labels('$.labels', raw.labels);
    this.networks(raw.networks);
    this.containerMap(raw.containers);
    this.problems.push(...addressProblems(this.endpoints, this.facts.networks));
    this.subnetOverlaps();
    this.sharedInterfaces();
    this.expectations(raw.expectations);
  }

  private unknownFields(path: string, object: Plain, known: readonly string[], what: string): Plain {
    const kept: Plain = {};
    for (const [key, value] of Object.entries(object)) {
      if (known.includes(key)) kept[key] = value;
      else if (key === 'name' && path !== '$') {
        this.problem(keyPath(path, key), 'is not a field here: the key in the template names it; remove it');
      } else {
        this.problem(
          keyPath(path, key),
          `is not a field of ${what}; remove it or fix its spelling (accepted here: ${known.join(', ')})`,
        );
      }
    }
    return kept;
  }

  private name(raw: Plain, requestName: string | undefined): void {
    const given = raw.name;
    if (given === undefined && requestName === undefined) {
      this.problem('$.name', 'is required: the name of the template');
      return;
    }
    const name = given ?? requestName;
    if (typeof name !== 'string') {
      this.problem('$.name', `must be a string${yamlHint(name)}`);
      return;
    }
    if (!isResourceName(name)) {
      this.problem('$.name', RESOURCE_NAME_RULE);
      return;
    }
    if (given !== undefined && requestName !== undefined && given !== requestName) {
      this.problem(
        '$.name',
        `is "${name}" but the request names the template "${requestName}"; make them equal or leave name out`,
      );
      return;
    }
    this.facts.name = name;
  }

  // A labels map (top level, a network's, a container's), each entry on its own, so that every
  // bad label is told (the DTO rule stops at the first). Its good entries go to the scope checks.
  private labels(path: string, labels: unknown): void {
    if (!isPlainObject(labels)) {
      this.problem(path, `must be an object of string keys to string values, not ${kindOf(labels)}`);
      return;
    }
    const entries = Object.entries(labels);
    if (entries.length > LABEL_RULES.maxEntries) {
      this.problem(path, `must have at most ${LABEL_RULES.maxEntries} entries`);
    }
    const good: Record<string, string> = {};
    for (const [key, value] of entries) {
      const problem = stringMapProblem({ [key]: value }, { ...LABEL_RULES, maxEntries: 1 });
      if (problem)
        this.problem(keyPath(path, key), typeProblem(problem) ? problem + yamlHint(value) : problem);
      else good[key] = value as string;
    }
    this.facts.labelMaps.push({ path, labels: good });
  }

  // ---------------------------------------------------------------------------------------------

  private networks(networks: unknown): void {
    if (networks === undefined) return;
    if (!isPlainObject(networks)) {
      this.problem(
        '$.networks',
        `must be a map of network name to network spec (like network create, without name), not ${kindOf(networks)}`,
      );
      this.declaredNetworks = null;
      return;
    }
    const entries = Object.entries(networks);
    if (entries.length > MAX_NETWORKS) {
      this.problem(
        '$.networks',
        `must have at most ${MAX_NETWORKS} networks (this one has ${entries.length})`,
      );
    }
    for (const [name, spec] of entries) this.network(name, spec);
  }

  private network(name: string, raw: unknown): void {
    const path = keyPath('$.networks', name);
    this.declaredNetworks?.add(name);
    if (BUILTIN_NETWORK_NAMES.has(name)) {
      this.problem(path, `"${name}" is the name of a network Docker creates itself; choose another name`);
    }
    if (!isPlainObject(raw)) {
      this.problem(path, `must be a network spec such as { driver: bridge }, not ${kindOf(raw)}`);
      return;
    }
    const known = this.unknownFields(path, raw, NETWORK_FIELDS, 'a template network');
    const { instance, errors: all } = this.rules.check(CreateNetworkInput, { ...known, name });
    const errors = withYamlHints(known, withoutLabelErrors(all));
    this.problems.push(
      ...fieldProblems(path, errors).map((p) =>
        p.path === `${path}.name` ? { path, message: `is not a valid network name: ${p.message}` } : p,
      ),
    );
    const bad = troubled(all);
    bad.delete('name');
    const input = withoutKeys(instance as unknown as Plain, bad) as unknown as CreateNetworkInput;
    try {
      planNetwork(input);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION_FAILED') throw error;
      this.problems.push(...fieldProblems(path, error.errors ?? []));
    }
    const fact: NetworkFact = {
      name,
      path,
      driver: bad.has('driver') ? 'bridge' : (input.driver ?? 'bridge'),
      subnets: [],
      ranges: [],
      bridgeName: null,
      parent: null,
      addressing: null,
    };
    const options = bad.has('options') ? {} : (input.options ?? {});
    if (fact.driver === 'bridge') fact.bridgeName = options[BRIDGE_NAME_OPTION] || null;
    if (PARENT_DRIVERS.has(fact.driver)) fact.parent = options.parent || null;
    const configs = input.ipam?.config ?? [];
    const addressing: Addressing = {
      enableIPv6: input.enableIPv6 ?? false,
      defaultGateway: (input.ipam?.driver ?? 'default') === 'default',
      configs: [],
    };
    configs.forEach((config, i) => {
      const at = indexPath(`${path}.ipam.config`, i);
      const subnet = config.subnet ? parseCidr(config.subnet) : null;
      const range = config.ipRange ? parseCidr(config.ipRange) : null;
      if (subnet?.ok) {
        fact.subnets.push({ network: name, cidr: subnet.cidr, path: `${at}.subnet` });
        fact.ranges.push({ cidr: subnet.cidr, path: `${at}.subnet` });
        addressing.configs.push({
          cidr: subnet.cidr,
          gateway: config.gateway ?? null,
          auxAddresses: config.auxAddresses ?? {},
          path: at,
        });
      }
      if (range?.ok) fact.ranges.push({ cidr: range.cidr, path: `${at}.ipRange` });
    });
    if (!bad.has('ipam') && !bad.has('enableIPv6')) fact.addressing = addressing;
    this.labels(`${path}.labels`, known.labels ?? {});
    this.facts.networks.set(name, fact);
  }

  // ---------------------------------------------------------------------------------------------

  private containerMap(containers: unknown): void {
    if (containers === undefined) return;
    if (!isPlainObject(containers)) {
      this.problem(
        '$.containers',
        `must be a map of container name to container spec (like container run, without name), not ${kindOf(containers)}`,
      );
      this.containers = null;
      return;
    }
    const entries = Object.entries(containers);
    if (entries.length > MAX_CONTAINERS) {
      this.problem(
        '$.containers',
        `must have at most ${MAX_CONTAINERS} containers (this one has ${entries.length})`,
      );
    }
    for (const [name, spec] of entries) this.container(name, spec);
  }

  private container(name: string, raw: unknown): void {
    const path = keyPath('$.containers', name);
    const fact: ContainerFact = { name, path, started: true, networkMode: null };
    this.containers?.set(name, fact);
    if (!isPlainObject(raw)) {
      this.problem(path, `must be a container spec such as { image: busybox:latest }, not ${kindOf(raw)}`);
      return;
    }
    const known = this.unknownFields(path, raw, CONTAINER_FIELDS, 'a template container');
    if (!isResourceName(name)) this.problem(path, `is not a valid container name: ${RESOURCE_NAME_RULE}`);
    const { networks, entrypoint, ...runFields } = known;
    // Without the name, so that containers with the same spec are checked once.
    const run = this.rules.check(RunContainerInput, runFields);
    const runErrors = withYamlHints(runFields, withoutLabelErrors(run.errors));
    this.problems.push(...fieldProblems(path, runErrors));
    if (entrypoint !== undefined) {
      this.problems.push(...fieldProblems(path, this.rules.check(EntrypointRules, { entrypoint }).errors));
    }
    const bad = troubled(run.errors);
    const input = withoutKeys(run.instance as unknown as Plain, bad) as unknown as RunContainerInput;
    fact.started = input.start !== false;
    fact.networkMode = input.networkMode ?? null;
    if (input.image !== undefined) {
      const paths = this.facts.images.get(input.image) ?? [];
      paths.push(`${path}.image`);
      this.facts.images.set(input.image, paths);
    }
    if (input.networkMode === 'host') this.facts.hostNetworkPaths.push(`${path}.networkMode`);
    this.labels(`${path}.labels`, known.labels ?? {});
    const joined = networks === undefined ? 0 : this.containerNetworks(path, networks, input);
    this.crossField(path, input, joined);
  }

  // Rules between fields that the DTO cannot say alone (those of container run).
  private crossField(path: string, input: RunContainerInput, joined: number): void {
    if (joined > 0 && input.networkMode) {
      this.problem(`${path}.networkMode`, 'cannot be combined with networks: give one or the other');
    }
    if (input.hostname && input.networkMode === 'host') {
      this.problem(`${path}.hostname`, "cannot be set with networkMode host (the container uses the host's)");
    }
    if (input.restartPolicy?.maximumRetryCount && input.restartPolicy.name !== 'on-failure') {
      this.problem(`${path}.restartPolicy.maximumRetryCount`, 'applies only to restartPolicy on-failure');
    }
  }

  // Answers how many networks the container joins.
  private containerNetworks(path: string, networks: unknown, input: RunContainerInput): number {
    const at = `${path}.networks`;
    if (!isPlainObject(networks)) {
      this.problem(
        at,
        `must be a map of declared network name to { ipv4Address, ipv6Address, macAddress, aliases }, not ${kindOf(networks)}` +
          (Array.isArray(networks) ? ' (write networks: { front: {} })' : ''),
      );
      return 0;
    }
    const entries = Object.entries(networks);
    if (entries.length === 0) {
      this.problem(at, 'must name at least one network; leave networks out for the default bridge');
    }
    if (entries.length > MAX_CONTAINER_NETWORKS) {
      this.problem(
        at,
        `must have at most ${MAX_CONTAINER_NETWORKS} networks (this one has ${entries.length})`,
      );
    }
    const hostOrNone = input.networkMode === 'host' || input.networkMode === 'none';
    entries.forEach(([network, raw], i) => {
      const epPath = keyPath(at, network);
      if (this.declaredNetworks && !this.declaredNetworks.has(network)) {
        this.problem(epPath, `network "${network}" is not declared in $.networks`);
      }
      if (!isPlainObject(raw)) {
        this.problem(
          epPath,
          `must be an object { ipv4Address, ipv6Address, macAddress, aliases } (write {} for none), not ${kindOf(raw)}`,
        );
        return;
      }
      const known = this.unknownFields(epPath, raw, ENDPOINT_FIELDS, 'a container network');
      // Without the network (the key, checked above), so that equal endpoints are checked once.
      const { instance, errors } = this.rules.check(ContainerNetworkInput, known);
      const own = withYamlHints(
        known,
        errors.filter((e) => e.field !== 'network'),
      );
      this.problems.push(...fieldProblems(epPath, own));
      const bad = troubled(own);
      const valid = (field: 'ipv4Address' | 'ipv6Address' | 'macAddress') =>
        bad.has(field) ? undefined : instance[field];
      const macAddress = valid('macAddress');
      if (macAddress && hostOrNone) {
        this.problem(
          `${epPath}.macAddress`,
          `cannot be chosen for a container with networkMode ${input.networkMode}`,
        );
      }
      if (macAddress && i > 0) this.facts.laterMacPaths.push(`${epPath}.macAddress`);
      this.endpoints.push({
        network,
        path: epPath,
        ipv4Address: valid('ipv4Address'),
        ipv6Address: valid('ipv6Address'),
        macAddress,
      });
    });
    return entries.length;
  }

  // ---------------------------------------------------------------------------------------------

  // Each overlapping pair of the template's own networks, told once (at the later one).
  private subnetOverlaps(): void {
    const subnets = [...this.facts.networks.values()].flatMap((n) => n.subnets);
    subnets.forEach((subnet, j) => {
      for (let i = 0; i < j; i++) {
        const other = subnets[i];
        if (other.network !== subnet.network && cidrsOverlap(other.cidr, subnet.cidr)) {
          this.problem(
            subnet.path,
            `${formatCidr(subnet.cidr)} overlaps ${formatCidr(other.cidr)} of network "${other.network}" (${other.path})`,
          );
        }
      }
    });
  }

  // Two networks of the template on one Linux bridge would break both (the engine lets the second
  // take over the first's bridge), and Docker gives a parent interface to one macvlan (and one
  // ipvlan) network at a time. Told at the later network.
  private sharedInterfaces(): void {
    const bridges = new Map<string, NetworkFact>();
    const parents = new Map<string, NetworkFact>();
    for (const network of this.facts.networks.values()) {
      if (network.bridgeName !== null) {
        const first = bridges.get(network.bridgeName);
        if (first) {
          this.problem(
            bridgeNamePath(network.path),
            `the bridge interface "${network.bridgeName}" is also network "${first.name}"'s; choose another name`,
          );
        } else bridges.set(network.bridgeName, network);
      }
      if (network.parent !== null) {
        const key = `${network.driver} ${network.parent}`;
        const first = parents.get(key);
        if (first) {
          this.problem(
            keyPath(`${network.path}.options`, 'parent'),
            `the interface "${network.parent}" is already the parent of the ${network.driver} network "${first.name}"; ` +
              `Docker allows one ${network.driver} network per parent. Use another interface, or a VLAN sub-interface such as ${network.parent}.10`,
          );
        } else parents.set(key, network);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private expectations(expectations: unknown): void {
    if (expectations === undefined) return;
    if (!Array.isArray(expectations)) {
      this.problem(
        '$.expectations',
        `must be a list of { from, to, reachable }, not ${kindOf(expectations)}`,
      );
      return;
    }
    if (expectations.length > MAX_EXPECTATIONS) {
      this.problem(
        '$.expectations',
        `must have at most ${MAX_EXPECTATIONS} expectations (this one has ${expectations.length})`,
      );
    }
    const pairs = new Map<string, string>();
    expectations.forEach((raw, i) => {
      const path = indexPath('$.expectations', i);
      if (!isPlainObject(raw)) {
        this.problem(path, `must be an object { from, to, reachable }, not ${kindOf(raw)}`);
        return;
      }
      const known = this.unknownFields(path, raw, EXPECTATION_FIELDS, 'an expectation');
      const from = this.endpointName(`${path}.from`, known.from);
      const to = this.endpointName(`${path}.to`, known.to);
      if (typeof known.reachable !== 'boolean') {
        this.problem(
          `${path}.reachable`,
          known.reachable === undefined ? 'is required: true or false' : 'must be true or false',
        );
      }
      if (from !== null && from === to) {
        this.problem(`${path}.to`, `is the same container as from ("${from}"); an expectation needs two`);
      }
      if (from !== null && to !== null) {
        const pair = JSON.stringify([from, to]);
        const first = pairs.get(pair);
        if (first) this.problem(path, `repeats ${first} (from "${from}" to "${to}")`);
        else pairs.set(pair, path);
      }
      const source = from === null ? undefined : this.containers?.get(from);
      if (source && !source.started) {
        this.problem(
          `${path}.from`,
          `"${from}" has start: false; probes run from a started container, so from must be one`,
        );
      } else if (source && (source.networkMode === 'host' || source.networkMode === 'none')) {
        this.problem(
          `${path}.from`,
          `"${from}" has networkMode ${source.networkMode}; probes run from a container on the template's networks`,
        );
      }
    });
  }

  // A container name of an expectation, or null when it is not usable.
  private endpointName(path: string, value: unknown): string | null {
    if (typeof value !== 'string' || value === '') {
      this.problem(
        path,
        value === undefined
          ? 'is required: a container of the template'
          : `must be a container name${yamlHint(value)}`,
      );
      return null;
    }
    if (this.containers && !this.containers.has(value)) {
      this.problem(path, `container "${value}" is not declared in $.containers`);
    }
    return value;
  }
}

// Checks everything about a template that is knowable without the engine. `name` is the name the
// request gives the template (PUT /templates/{name}), when it gives one.
export function checkTemplateShape(raw: unknown, options: { name?: string } = {}): ShapeResult {
  const checker = new ShapeChecker();
  checker.check(raw, options.name);
  return { problems: checker.problems, facts: checker.facts };
}
