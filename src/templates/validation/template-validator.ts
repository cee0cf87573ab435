import { Inject, Injectable } from '@nestjs/common';
import { AccessPolicy, PARENT_INTERFACE_DRIVERS } from '../../auth/access-policy';
import { ApiKeysService } from '../../auth/api-keys.service';
import type { Actor } from '../../auth/roles';
import { DomainError } from '../../common/errors/domain-error';
import { INSTANCE_LABEL, TEMPLATE_LABEL } from '../../common/labels';
import type { HostNetwork } from '../../common/net/host-interfaces';
import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '../../common/net/ip';
import { parseNetworkPools, poolProblems } from '../../common/net/pools';
import { AppConfig } from '../../config/app-config';
import { CONTAINER_ENGINE, type ContainerEngine } from '../../engine/engine.port';
import type { NetworkInfo } from '../../engine/engine.types';
import { InstanceIdentity } from '../../instance/instance-identity';
import { BRIDGE_NAME_OPTION } from '../../networks/network-spec';
import { compileImageAllowlist, imageAllowed } from '../../policy/container-policy';
import type { TemplateDocument, TemplateProblem } from '../template.types';
import { keyPath, templateInvalid } from './template-problems';
import { bridgeNamePath, checkTemplateShape, type NetworkFact, type ShapeFacts } from './template-shape';

// The Linux bridge of a bridge network: its chosen name, else Docker's br-<first 12 of its id>.
const bridgeOf = (network: NetworkInfo) =>
  network.options[BRIDGE_NAME_OPTION] || `br-${network.id.slice(0, 12)}`;

const OUTSIDE_SCOPE = 'a network outside your scope';

// Checks a template document before anything is stored: its shape (checkTemplateShape), then what
// needs the engine (images, live subnets, engine features) and the caller's key (the same policy
// and label scope as direct calls). Every problem is collected and told at once.
@Injectable()
export class TemplateValidator {
  private readonly allowlist: RegExp[];
  private readonly pools: Cidr[];

  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly access: AccessPolicy,
    private readonly keys: ApiKeysService,
    private readonly config: AppConfig,
    private readonly instance: InstanceIdentity,
  ) {
    this.allowlist = compileImageAllowlist(config.IMAGE_ALLOWLIST);
    this.pools = parseNetworkPools(config.NETWORK_POOLS).pools;
  }

  // `raw` is the parsed body (JSON, or YAML parsed with parseTemplateYaml). `name`, when given,
  // is the name the template must have (PUT /templates/{name}, import ?name=). Answers the
  // document to store: the same content, named, with the key's scope in its top-level labels.
  async validate(raw: unknown, actor: Actor, options: { name?: string } = {}): Promise<TemplateDocument> {
    const { problems, facts } = checkTemplateShape(raw, options);
    const scoped = !this.access.unscoped(actor);
    const [images, live, laterMacs, scopeLabelKeys] = await Promise.all([
      this.imageProblems(facts),
      this.liveProblems(facts, actor),
      this.engineFeatureProblems(facts),
      scoped ? this.keys.scopeLabelKeys() : Promise.resolve(new Set<string>()),
    ]);
    problems.push(...images, ...live, ...laterMacs);
    problems.push(...this.policyProblems(facts, actor, scopeLabelKeys));
    if (problems.length > 0) throw templateInvalid(problems);
    return this.stored(raw as TemplateDocument, facts, actor, scopeLabelKeys);
  }

  private stored(
    raw: TemplateDocument,
    facts: ShapeFacts,
    actor: Actor,
    scopeLabelKeys: ReadonlySet<string>,
  ): TemplateDocument {
    const { name: _name, description, labels, ...resources } = structuredClone(raw);
    return {
      name: facts.name as string,
      ...(description !== undefined ? { description } : {}),
      // Everything the template makes carries the key's scope, as what the key makes directly.
      ...(labels !== undefined || !this.access.unscoped(actor)
        ? { labels: this.access.labelsFor(actor, labels, scopeLabelKeys) }
        : {}),
      ...resources,
    };
  }

  // Every distinct image once, concurrently: on the engine, and on the allowlist.
  private async imageProblems(facts: ShapeFacts): Promise<TemplateProblem[]> {
    const checked = await Promise.all(
      [...facts.images].map(async ([image, paths]) => {
        const problems: TemplateProblem[] = [];
        if (!imageAllowed(image, this.allowlist)) {
          const message =
            `"${image}" is not on this service's image allowlist ` +
            `(policy rule "image-allowlist": ${this.config.IMAGE_ALLOWLIST})`;
          problems.push(...paths.map((path) => ({ path, message })));
        }
        if (!(await this.engine.inspectImage(image))) {
          const message =
            `"${image}" is not on the engine, and Switchyard never pulls images; ` +
            'load it on the engine host (docker pull or docker load), then send the template again';
          problems.push(...paths.map((path) => ({ path, message })));
        }
        return problems;
      }),
    );
    return checked.flat();
  }

  // What the template's networks take on the engine's host, against live networks it does not
  // own (one list of the engine's networks): subnets, bridge names and parent interfaces; and
  // bridges against the host's own subnets.
  private async liveProblems(facts: ShapeFacts, actor: Actor): Promise<TemplateProblem[]> {
    const networks = [...facts.networks.values()].filter(
      (n) => n.subnets.length > 0 || n.bridgeName !== null || n.parent !== null,
    );
    if (networks.length === 0) return [];
    const all = await this.engine.listNetworks();
    const live = all.filter((n) => !this.owned(n, facts.name));
    // A live network's bridge is an interface of the host too: that network is told, not its bridge.
    const bridges = new Set(all.filter((n) => n.driver === 'bridge').map(bridgeOf));
    const host = this.engine.hostNetwork();
    const hostNetwork = host && {
      subnets: host.subnets.filter((h) => !bridges.has(h.interfaceName)),
      interfaces: host.interfaces.filter((name) => !bridges.has(name)),
    };
    // A network the key cannot see is never named.
    const described = (network: NetworkInfo) =>
      this.access.canSee(actor, this.access.network(network))
        ? `the network "${network.name}"`
        : OUTSIDE_SCOPE;
    return [
      ...this.liveOverlapProblems(networks, live, hostNetwork, described),
      ...networks.flatMap((network) => this.liveInterfaceProblems(network, live, hostNetwork, described)),
    ];
  }

  // The template's subnets against live networks it does not own, and bridges against the
  // host's own subnets.
  private liveOverlapProblems(
    networks: NetworkFact[],
    live: NetworkInfo[],
    host: HostNetwork | null,
    described: (network: NetworkInfo) => string,
  ): TemplateProblem[] {
    const liveSubnets = live.flatMap((network) =>
      network.ipam.config.flatMap((config) => {
        const parsed = config.subnet ? parseCidr(config.subnet) : null;
        return parsed?.ok ? [{ network, cidr: parsed.cidr, text: config.subnet as string }] : [];
      }),
    );
    const problems: TemplateProblem[] = [];
    for (const network of networks) {
      for (const subnet of network.subnets) {
        const text = formatCidr(subnet.cidr);
        for (const other of liveSubnets) {
          if (!cidrsOverlap(other.cidr, subnet.cidr)) continue;
          const owner = described(other.network);
          problems.push({
            path: subnet.path,
            message:
              owner === OUTSIDE_SCOPE
                ? `${text} overlaps the subnet of ${owner} on the engine; choose a free subnet`
                : `${text} overlaps ${other.text} of ${owner} on the engine; choose a free subnet`,
          });
        }
        // A bridge on the engine's own LAN would cut the host off from it. Macvlan and ipvlan
        // networks share their parent's LAN on purpose.
        const clash =
          network.driver === 'bridge'
            ? host?.subnets.find((h) => cidrsOverlap(h.cidr, subnet.cidr))
            : undefined;
        if (clash) {
          problems.push({
            path: subnet.path,
            message:
              `${text} overlaps ${formatCidr(clash.cidr)} of the host interface ${clash.interfaceName}; ` +
              'a bridge there would shadow the host network. Choose another subnet',
          });
        }
      }
    }
    return problems;
  }

  // The rules of network create (assertBridgeNameFree, assertParentFree): the engine lets a new
  // bridge network take over another's Linux bridge (docker0 included), which breaks both, and
  // gives a parent interface to one macvlan (and one ipvlan) network at a time.
  private liveInterfaceProblems(
    network: NetworkFact,
    live: NetworkInfo[],
    host: HostNetwork | null,
    described: (network: NetworkInfo) => string,
  ): TemplateProblem[] {
    const problems: TemplateProblem[] = [];
    const name = network.bridgeName;
    if (name !== null) {
      const owner = live.find((n) => n.driver === 'bridge' && bridgeOf(n) === name);
      if (owner) {
        problems.push({
          path: bridgeNamePath(network.path),
          message: `the bridge interface "${name}" belongs to ${described(owner)}; choose another name`,
        });
      } else if (host?.interfaces.includes(name)) {
        problems.push({
          path: bridgeNamePath(network.path),
          message: `an interface named "${name}" already exists on the host; choose another bridge name`,
        });
      }
    }
    const parent = network.parent;
    const user =
      parent === null
        ? undefined
        : live.find((n) => n.driver === network.driver && n.options.parent === parent);
    if (user) {
      problems.push({
        path: keyPath(`${network.path}.options`, 'parent'),
        message:
          `the interface "${parent}" is already the parent of ${described(user)} (${network.driver}); ` +
          `Docker allows one ${network.driver} network per parent. Use another interface, or a VLAN sub-interface such as ${parent}.10`,
      });
    }
    return problems;
  }

  // A network the template owns: made for this template by this instance (apply replaces it).
  private owned(network: NetworkInfo, template: string | null): boolean {
    return (
      template !== null &&
      network.labels[TEMPLATE_LABEL] === template &&
      network.labels[INSTANCE_LABEL] === this.instance.id
    );
  }

  // Before API 1.44 only a container's first network can have a chosen MAC address.
  private async engineFeatureProblems(facts: ShapeFacts): Promise<TemplateProblem[]> {
    if (facts.laterMacPaths.length === 0) return [];
    const features = await this.engine.features();
    if (features.perEndpointMacAtCreate) return [];
    const message =
      `this engine (API ${features.apiVersion}) applies a chosen MAC address only on a container's first network ` +
      '(per-network MAC addresses came with API 1.44); put the network with the MAC address first';
    return facts.laterMacPaths.map((path) => ({ path, message }));
  }

  // The policy of direct calls, for the caller's key: admin-only drivers and network mode,
  // address pools, and label scope.
  private policyProblems(
    facts: ShapeFacts,
    actor: Actor,
    scopeLabelKeys: ReadonlySet<string>,
  ): TemplateProblem[] {
    const problems: TemplateProblem[] = [];
    const admin = actor.role === 'admin';
    const article = /^[aeiou]/.test(actor.role) ? 'an' : 'a';
    const needsAdmin = (what: string, rule: string) =>
      `${what} needs an admin key (policy rule "${rule}"); the key "${actor.name}" is ${article} ${actor.role} key`;
    if (!admin) {
      for (const network of facts.networks.values()) {
        if (PARENT_INTERFACE_DRIVERS.has(network.driver)) {
          problems.push({
            path: `${network.path}.driver`,
            message: needsAdmin(
              `A ${network.driver} network (it attaches to a host interface)`,
              'parent-interface',
            ),
          });
        }
        // A bridge on a host subnet is refused for every key (liveOverlapProblems).
        const host = network.driver === 'bridge' ? [] : (this.engine.hostNetwork()?.subnets ?? []);
        for (const range of network.ranges) {
          for (const problem of poolProblems([{ field: '', cidr: range.cidr }], this.pools, host)) {
            problems.push({
              path: range.path,
              message:
                `${problem.trim()}: only an admin key may choose a range outside the address pools ` +
                '(policy rule "network-pools"); choose one inside them, or leave the subnet out and the engine picks a free one',
            });
          }
        }
      }
      for (const path of facts.hostNetworkPaths) {
        problems.push({
          path,
          message: needsAdmin(
            "A container on the host network (it shares the host's network stack)",
            'host-network',
          ),
        });
      }
    }
    // Label scope, label by label, with the rules of direct calls (AccessPolicy.labelsFor).
    if (!this.access.unscoped(actor)) {
      for (const { path, labels } of facts.labelMaps) {
        for (const [key, value] of Object.entries(labels)) {
          try {
            this.access.labelsFor(actor, { [key]: value }, scopeLabelKeys);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            problems.push({ path: keyPath(path, key), message: error.message });
          }
        }
      }
    }
    return problems;
  }
}
