import { Inject, Injectable } from '@nestjs/common';
import { AccessPolicy } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import { INSTANCE_LABEL, TEMPLATE_LABEL } from '../common/labels';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import type { ContainerEndpoint, ContainerSummary, EngineInfo, NetworkInfo } from '../engine/engine.types';
import { InstanceIdentity } from '../instance/instance-identity';
import { isBuiltIn } from '../lookup/network-facts';
import { ResourceLookup, type ResolvedContainer } from '../lookup/resource-lookup';
import type { TopologyQuery } from './dto/topology-filter.input';
import { TopologyRenderer, type TopologyAnswer } from './topology-renderer';
import { TopologyTemplates, type TopologyTemplate, type TopologyTemplateSource } from './topology-templates';
import type {
  TopologyEdge,
  TopologyEngine,
  TopologyExpectation,
  TopologyFilter,
  TopologyGraph,
  TopologyNode,
} from './topology.types';

export const networkNodeId = (id: string) => `network:${id}`;
export const containerNodeId = (id: string) => `container:${id}`;

// `key` or `key=value` (validated by the transports): true when the labels carry it. Own
// properties only, as the lists match: `toString` or `__proto__` is no label of anything.
function hasLabel(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  const key = eq < 0 ? filter : filter.slice(0, eq);
  if (!Object.hasOwn(labels, key)) return false;
  return eq < 0 || labels[key] === filter.slice(eq + 1);
}

// What a scoped key is told of the engine: nothing (as /health/ready tells it only whether the
// engine is up). Its id, name and version are about the whole engine, for unscoped keys alone.
const HIDDEN_ENGINE: TopologyEngine = { id: null, name: null, version: null };

// A stopped container's endpoints may carry the network's name only (never started: no id yet).
function endpointNetwork(
  endpoint: ContainerEndpoint,
  networks: readonly NetworkInfo[],
): NetworkInfo | undefined {
  return networks.find((n) =>
    endpoint.networkId ? n.id === endpoint.networkId : n.name === endpoint.networkName,
  );
}

// Every node passes each filter given (they combine with AND); edges are the endpoints between
// nodes that are both in the graph.
interface Selection {
  network: (n: NetworkInfo) => boolean;
  container: (c: ContainerSummary) => boolean;
}

// The live graph of networks, containers and their endpoints, as the calling key may see it: the
// networks GET /api/v1/networks shows it (its scope and Docker's own), the containers
// GET /api/v1/containers?all=true shows it, and only the endpoints between the two.
@Injectable()
export class TopologyService {
  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
    private readonly access: AccessPolicy,
    private readonly instance: InstanceIdentity,
    @Inject(TopologyTemplates) private readonly templates: TopologyTemplateSource,
    private readonly renderer: TopologyRenderer,
  ) {}

  // GET /api/v1/topology: the graph in the format asked for.
  async answer(query: TopologyQuery, actor: Actor): Promise<TopologyAnswer> {
    const { format = 'json', theme, ...filter } = query;
    // A setting that would be ignored is refused, as unknown parameters are.
    if (theme !== undefined && format !== 'svg') {
      throw DomainError.validation([
        { field: 'theme', message: `theme applies to format=svg only; leave it out for format=${format}` },
      ]);
    }
    return this.renderer.render(await this.graph(filter, actor), format, theme, actor.keyId);
  }

  async graph(filter: TopologyFilter, actor: Actor): Promise<TopologyGraph> {
    const engine = this.engineOf(await this.engine.info(), filter.engine, actor);
    // References are resolved among what the key sees, as everywhere (NETWORK_NOT_FOUND,
    // AMBIGUOUS_REFERENCE), and the template is checked before the engine is read further.
    const chosen = await Promise.all((filter.network ?? []).map((ref) => this.lookup.network(ref, actor)));
    const template = filter.template !== undefined ? await this.templates.read(filter.template, actor) : null;
    const [networks, containers] = await Promise.all([
      this.engine.listNetworks(),
      this.engine.listContainers({ all: true }),
    ]);
    const selection = this.selection(filter, chosen, networks);
    const shownNetworks = networks
      .filter((n) => this.access.canSee(actor, this.access.network(n)) && selection.network(n))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const shownContainers = await this.lookup.inspectMany(
      containers.filter((c) => this.access.canSee(actor, this.access.container(c)) && selection.container(c)),
    );
    shownContainers.sort(
      (a, b) => a.info.name.localeCompare(b.info.name) || a.info.id.localeCompare(b.info.id),
    );
    const nodes = [...shownNetworks.map(networkNode), ...shownContainers.map(containerNode)];
    const edges = shownContainers.flatMap((c) => edgesOf(c, shownNetworks));
    const graph: TopologyGraph = { engine, nodes, edges, generatedAt: new Date().toISOString() };
    if (template) {
      graph.template = template.name;
      graph.expectations = overlays(template, shownContainers);
    }
    return graph;
  }

  // The service manages one engine: a filter naming another is refused. An unscoped key is told
  // the one it manages; a scoped key only that this is not it (the engine's id, name and version
  // are for unscoped keys, as on /health/ready), though its own filter still works.
  private engineOf(info: EngineInfo, wanted: string | undefined, actor: Actor): TopologyEngine {
    const unscoped = this.access.unscoped(actor);
    const engine = unscoped ? { id: info.id, name: info.name, version: info.serverVersion } : HIDDEN_ENGINE;
    if (wanted === undefined) return engine;
    const matches =
      wanted === info.name || wanted === info.id || (wanted.length >= 4 && info.id.startsWith(wanted));
    if (matches) return engine;
    const managed = unscoped ? `, "${info.name}" (id ${info.id}),` : '';
    throw new DomainError(
      'ENGINE_NOT_FOUND',
      `This service manages one engine${managed} and "${wanted}" is neither its name, its id nor a prefix of its id (4 characters at least). ` +
        `Leave engine out${unscoped ? ', or give that name or id' : ''}.`,
      { context: unscoped ? { engine: wanted, managed: engine } : { engine: wanted } },
    );
  }

  private selection(filter: TopologyFilter, chosen: NetworkInfo[], networks: NetworkInfo[]): Selection {
    const chosenIds = new Set(chosen.map((n) => n.id));
    const labels = filter.label ?? [];
    const template = filter.template;
    const ofTemplate = (l: Record<string, string>) =>
      template === undefined || (l[TEMPLATE_LABEL] === template && l[INSTANCE_LABEL] === this.instance.id);
    const labelled = (l: Record<string, string>) => labels.every((f) => hasLabel(l, f));
    return {
      network: (n) =>
        (!filter.network?.length || chosenIds.has(n.id)) && labelled(n.labels) && ofTemplate(n.labels),
      container: (c) =>
        (!filter.network?.length ||
          c.endpoints.some((e) => chosenIds.has(endpointNetwork(e, networks)?.id ?? ''))) &&
        labelled(c.labels) &&
        ofTemplate(c.labels),
    };
  }
}

function networkNode(n: NetworkInfo): TopologyNode {
  const node: TopologyNode = {
    id: networkNodeId(n.id),
    kind: 'network',
    name: n.name,
    driver: n.driver,
    subnets: n.ipam.config.flatMap((c) => (c.subnet ? [c.subnet] : [])),
    internal: n.internal,
    builtIn: isBuiltIn(n),
    labels: n.labels,
  };
  if (n.labels[TEMPLATE_LABEL]) node.template = n.labels[TEMPLATE_LABEL];
  return node;
}

function containerNode({ info }: ResolvedContainer): TopologyNode {
  const node: TopologyNode = {
    id: containerNodeId(info.id),
    kind: 'container',
    name: info.name,
    state: info.state,
    image: info.image,
    labels: info.labels,
  };
  if (info.labels[TEMPLATE_LABEL]) node.template = info.labels[TEMPLATE_LABEL];
  return node;
}

// One edge per endpoint on a network in the graph, with the addresses the container answers of
// GET /api/v1/containers give: a stopped container shows the addresses it asked for.
function edgesOf({ info }: ResolvedContainer, networks: readonly NetworkInfo[]): TopologyEdge[] {
  const edges: TopologyEdge[] = [];
  for (const endpoint of info.endpoints) {
    const network = endpointNetwork(endpoint, networks);
    if (!network) continue;
    const from = containerNodeId(info.id);
    const to = networkNodeId(network.id);
    edges.push({
      id: `${from}|${to}`,
      from,
      to,
      ipv4Address: endpoint.ipv4Address ?? endpoint.requestedIpv4Address,
      ipv6Address: endpoint.ipv6Address ?? endpoint.requestedIpv6Address,
      macAddress: endpoint.macAddress,
      aliases: endpoint.aliases,
    });
  }
  return edges.sort((a, b) => a.to.localeCompare(b.to));
}

// The template's expectations (its current revision: `reachable` is what it expects) with their results in the last deployment
// that checked expectations; one it did not check (added since) has passed null.
function overlays(
  template: TopologyTemplate,
  containers: readonly ResolvedContainer[],
): TopologyExpectation[] {
  const idOf = (name: string) => {
    const found = containers.find((c) => c.info.name === name);
    return found ? containerNodeId(found.info.id) : null;
  };
  const checked = template.lastChecked;
  return template.expectations.map((e) => {
    // A result's `reachable` is what the check saw: what it expected follows from `passed`.
    const result = checked?.expectations.find(
      (r) => r.from === e.from && r.to === e.to && (r.passed ? r.reachable : !r.reachable) === e.reachable,
    );
    return {
      fromName: e.from,
      toName: e.to,
      from: idOf(e.from),
      to: idOf(e.to),
      reachable: e.reachable,
      passed: result ? result.passed : null,
      diagnosis: result?.diagnosis ?? null,
      deploymentId: result && checked ? checked.id : null,
      checkedAt: result && checked ? (checked.finishedAt ?? checked.startedAt) : null,
    };
  });
}
