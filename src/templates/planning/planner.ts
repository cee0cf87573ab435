import { HASH_LABEL, INSTANCE_LABEL, REVISION_LABEL, TEMPLATE_LABEL } from '../../common/labels';
import type { ContainerInfo, NetworkInfo, NetworkSpec, StringMap } from '../../engine/engine.types';
import type {
  Change,
  DesiredContainer,
  DesiredContainerSpec,
  DesiredNetwork,
  DesiredState,
  DriftItem,
  Plan,
  PlanAction,
  PlanConflict,
  ResourceKind,
} from '../template.types';
import { containerChanges, networkChanges } from './live-compare';
import { diffValues } from './value-diff';

// Pure functions: no engine, no database. Everything is looked up in Maps, so a plan of a thousand
// containers takes milliseconds.

// What the engine holds that concerns a template: every network and container that carries the
// template's label (io.switchyard.template) or has a name the template declares. Containers are
// inspected (ContainerInfo).
export interface LiveState {
  networks: NetworkInfo[];
  containers: ContainerInfo[];
  // Ids of containers outside the calling key's scope: attached to a template network, they are
  // told without their names.
  outOfScope?: ReadonlySet<string>;
}

export interface PlanContext {
  // This instance's id (io.switchyard.instance): a resource is owned by the template when it
  // carries the template's label and this instance's.
  instanceId: string;
  // The spec a live resource was made from, by its io.switchyard.hash label (the runtime knows
  // them from the stored revisions). With it, a recreate lists every changed field with its old
  // value; without it, only what the engine shows can be compared.
  specOf?: (kind: ResourceKind, hash: string) => NetworkSpec | DesiredContainerSpec | undefined;
  // The calling key's label scope: a resource is owned only when its labels also contain it (a
  // key never plans against, changes or removes what is outside its scope), and a conflict with
  // something outside it names nothing the key cannot see. Empty or absent: unscoped.
  scope?: StringMap;
}

// The actions that make the engine match `desired`: create, recreate (reason + changes), remove
// (owned resources the revision no longer has), unchanged; conflicts for resources with a
// declared name that the template does not own (never touched).
export function planTemplate(desired: DesiredState, live: LiveState, context: PlanContext): Plan {
  const { actions, conflicts } = analyse(desired, live, context);
  return { template: desired.template, revision: desired.revision, actions: sortActions(actions), conflicts };
}

// Everything the template owns on the engine, to remove (containers before networks). The plan's
// revision is the newest io.switchyard.revision label found on them (0 when there is nothing).
export function planDestroy(template: string, live: LiveState, context: PlanContext): Plan {
  const owns = ownership(template, context.instanceId, context.scope);
  const actions: PlanAction[] = [];
  let revision = 0;
  const remove = (kind: ResourceKind, name: string, id: string, labels: StringMap) => {
    revision = Math.max(revision, Number(labels[REVISION_LABEL]) || 0);
    actions.push({
      action: 'remove',
      kind,
      name,
      reason: `destroy template "${template}"`,
      changes: [],
      liveId: id,
    });
  };
  for (const c of live.containers) if (owns(c.labels)) remove('container', containerName(c), c.id, c.labels);
  for (const n of live.networks) if (owns(n.labels)) remove('network', n.name, n.id, n.labels);
  return { template, revision, actions: sortActions(actions), conflicts: [] };
}

// What differs between the engine and `desired`: container removed, stopped, changed by hand,
// network removed or changed, extra owned resource, a declared name held by someone else, and
// resources whose spec differs from the revision (not applied yet). Empty exactly when a plan
// would hold only unchanged actions and no conflicts.
export function templateDrift(desired: DesiredState, live: LiveState, context: PlanContext): DriftItem[] {
  return analyse(desired, live, context).drift;
}

// ---------------------------------------------------------------------------------------------

interface Analysis {
  actions: PlanAction[];
  conflicts: PlanConflict[];
  drift: DriftItem[];
}

type Owns = (labels: StringMap | undefined) => boolean;

function ownership(template: string, instanceId: string, scope: StringMap = {}): Owns {
  return (labels) =>
    labels?.[TEMPLATE_LABEL] === template &&
    labels?.[INSTANCE_LABEL] === instanceId &&
    withinScope(labels, scope);
}

function withinScope(labels: StringMap | undefined, scope: StringMap = {}): boolean {
  return Object.entries(scope).every(([key, value]) => labels?.[key] === value);
}

export function containerName(c: ContainerInfo): string {
  return (c.name || c.names[0] || '').replace(/^\//, '');
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

// Who holds a declared name, in words for the user.
function conflictReason(
  kind: ResourceKind,
  labels: StringMap | undefined,
  template: string,
  scope: StringMap = {},
): string {
  // Outside the key's scope: who holds it is not the key's to know.
  if (!withinScope(labels, scope)) return `a ${kind} with this name exists that this template does not own`;
  const other = labels?.[TEMPLATE_LABEL];
  if (other && other !== template) return `a ${kind} with this name is owned by template "${other}"`;
  if (other) {
    return `a ${kind} with this name belongs to template "${other}" of another Switchyard instance (${labels?.[INSTANCE_LABEL] ?? 'unknown'})`;
  }
  return `a ${kind} with this name was created outside this template; rename or remove it first`;
}

// Of several owned resources with one name (networks may share a name before API 1.44, e.g. after
// an interrupted apply), keep the one made from this spec, else the oldest; the others go.
function primaryOf<T extends { id: string; labels: StringMap; createdAt: string | null }>(
  owned: T[],
  hash: string,
): T {
  return [...owned].sort(
    (a, b) =>
      Number(b.labels[HASH_LABEL] === hash) - Number(a.labels[HASH_LABEL] === hash) ||
      (a.createdAt ?? '').localeCompare(b.createdAt ?? '') ||
      a.id.localeCompare(b.id),
  )[0];
}

function listPaths(changes: Change[]): string {
  const paths = [...new Set(changes.map((c) => c.path))];
  const shown = paths.slice(0, 5).join(', ');
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}

// The container spec as a user reads it: networks keyed by name (plus their order, when only that
// changed: the first one is the one the container is created on).
function containerView(spec: DesiredContainerSpec): Record<string, unknown> {
  return {
    ...spec,
    networks: Object.fromEntries(
      spec.networks.map((e) => [
        e.network,
        {
          ipv4Address: e.ipv4Address,
          ipv6Address: e.ipv6Address,
          macAddress: e.macAddress,
          aliases: e.aliases,
        },
      ]),
    ),
  };
}

function specChanges(
  kind: ResourceKind,
  from: NetworkSpec | DesiredContainerSpec,
  to: NetworkSpec | DesiredContainerSpec,
): Change[] {
  if (kind === 'network') return diffValues(from, to, '');
  const a = from as DesiredContainerSpec;
  const b = to as DesiredContainerSpec;
  const changes = diffValues(containerView(a), containerView(b), '');
  const order = (s: DesiredContainerSpec) => s.networks.map((e) => e.network);
  if (!changes.some((c) => c.path.startsWith('networks')) && order(a).join('\n') !== order(b).join('\n')) {
    changes.push({ path: 'networks', from: order(a), to: order(b) });
  }
  return changes;
}

// Why a resource whose hash label differs must be recreated: the fields that changed between the
// spec it was made from and the wanted one; else what the engine shows; else the hashes.
function revisionChanges(
  kind: ResourceKind,
  liveHash: string | undefined,
  want: { hash: string; spec: NetworkSpec | DesiredContainerSpec },
  visible: Change[],
  context: PlanContext,
): Change[] {
  const old = liveHash ? context.specOf?.(kind, liveHash) : undefined;
  const fromSpec = old ? specChanges(kind, old, want.spec) : [];
  if (fromSpec.length) return fromSpec;
  if (visible.length) return visible;
  return [{ path: 'hash', from: liveHash ?? null, to: want.hash }];
}

class Analyser {
  readonly actions: PlanAction[] = [];
  readonly conflicts: PlanConflict[] = [];
  readonly drift: DriftItem[] = [];
  private readonly owns: Owns;
  // Live ids kept (matched to a declared resource, or someone else's): the other owned ones go.
  private readonly kept = new Set<string>();
  // Template networks this plan creates or recreates, with the verb.
  private readonly replaced = new Map<string, 'created' | 'recreated'>();
  // The live id of each template network that stays.
  private readonly networkIds = new Map<string, string>();
  // `kind:name` of the declared names already reported as conflicts (one per name).
  private readonly conflicted = new Set<string>();

  constructor(
    private readonly desired: DesiredState,
    private readonly live: LiveState,
    private readonly context: PlanContext,
  ) {
    this.owns = ownership(desired.template, context.instanceId, context.scope);
  }

  run(): Analysis {
    const networks = groupBy(this.live.networks, (n) => n.name);
    const containers = groupBy(this.live.containers, containerName);
    for (const want of this.desired.networks) this.network(want, networks.get(want.name) ?? []);
    for (const want of this.desired.containers) this.container(want, containers.get(want.name) ?? []);
    this.leftovers();
    this.foreignEndpoints();
    this.strangers();
    return { actions: this.actions, conflicts: this.conflicts, drift: this.drift };
  }

  // The owned candidates for a declared name; conflicts for the others.
  private claim<T extends { id: string; labels: StringMap }>(
    kind: ResourceKind,
    name: string,
    found: T[],
  ): T[] {
    const mine: T[] = [];
    for (const item of found) {
      if (this.owns(item.labels)) {
        mine.push(item);
        continue;
      }
      this.kept.add(item.id);
      if (this.conflicted.has(`${kind}:${name}`)) continue;
      this.conflicted.add(`${kind}:${name}`);
      const reason = conflictReason(kind, item.labels, this.desired.template, this.context.scope);
      this.conflicts.push({ kind, name, reason });
      this.drift.push({ kind, name, reason: `the name is taken: ${reason}` });
    }
    return mine;
  }

  private create(kind: ResourceKind, name: string): void {
    this.actions.push({
      action: 'create',
      kind,
      name,
      reason: 'not on the engine',
      changes: [],
      liveId: null,
    });
    this.drift.push({ kind, name, reason: 'removed: not on the engine' });
  }

  private recreate(
    kind: ResourceKind,
    name: string,
    liveId: string,
    reasons: string[],
    changes: Change[],
  ): void {
    this.actions.push({ action: 'recreate', kind, name, reason: reasons.join('; '), changes, liveId });
  }

  private unchanged(kind: ResourceKind, name: string, liveId: string): void {
    this.actions.push({ action: 'unchanged', kind, name, reason: null, changes: [], liveId });
  }

  private network(want: DesiredNetwork, found: NetworkInfo[]): void {
    const mine = this.claim('network', want.name, found);
    if (!mine.length) {
      if (found.length) return; // someone else's: never touched
      this.create('network', want.name);
      this.replaced.set(want.name, 'created');
      return;
    }
    const live = primaryOf(mine, want.hash);
    this.kept.add(live.id);
    this.networkIds.set(want.name, live.id);
    const visible = networkChanges(want.spec, live);
    const liveHash = live.labels[HASH_LABEL];
    if (liveHash !== want.hash) {
      const changes = revisionChanges('network', liveHash, want, visible, this.context);
      this.recreate('network', want.name, live.id, [`changed: ${listPaths(changes)}`], changes);
      this.drift.push({
        kind: 'network',
        name: want.name,
        reason: `not applied yet: ${listPaths(changes)} changed`,
      });
    } else if (visible.length) {
      this.recreate('network', want.name, live.id, [`changed on the engine: ${listPaths(visible)}`], visible);
      this.drift.push({
        kind: 'network',
        name: want.name,
        reason: `changed on the engine: ${describe(visible)}`,
      });
    } else {
      this.unchanged('network', want.name, live.id);
      return;
    }
    this.replaced.set(want.name, 'recreated');
  }

  private container(want: DesiredContainer, found: ContainerInfo[]): void {
    const mine = this.claim('container', want.name, found);
    if (!mine.length) {
      if (!found.length) this.create('container', want.name);
      return;
    }
    const live = primaryOf(mine, want.hash);
    this.kept.add(live.id);
    const reasons: string[] = [];
    const changes: Change[] = [];
    const liveHash = live.labels[HASH_LABEL];
    if (liveHash !== want.hash) {
      const visible = containerChanges(want.spec, live, this.networkIds);
      const revision = revisionChanges('container', liveHash, want, visible, this.context);
      reasons.push(`changed: ${listPaths(revision)}`);
      changes.push(...revision);
      this.drift.push({
        kind: 'container',
        name: want.name,
        reason: `not applied yet: ${listPaths(revision)} changed`,
      });
    } else {
      // Made from this spec: what differs now was done by hand (connect, disconnect, update) or
      // by whoever recreated it with our labels.
      const visible = containerChanges(want.spec, live, this.networkIds);
      if (visible.length) {
        reasons.push(`changed by hand: ${listPaths(visible)}`);
        changes.push(...visible);
        this.drift.push({
          kind: 'container',
          name: want.name,
          reason: `changed by hand: ${describe(visible)}`,
        });
      }
    }
    for (const endpoint of want.spec.networks) {
      const verb = this.replaced.get(endpoint.network);
      if (verb) reasons.push(`network "${endpoint.network}" is ${verb}`);
    }
    if (want.spec.start && !live.running) {
      // Nothing else to change: the runtime starts the container as it is (same id).
      const only = reasons.length === 0 ? ': it will be started' : '';
      reasons.push(`container is ${live.state}, want running${only}`);
      changes.push({ path: 'state', from: live.state, to: 'running' });
      const exit = live.exitCode !== null && live.exitCode !== undefined ? ` ${live.exitCode}` : '';
      this.drift.push({ kind: 'container', name: want.name, reason: `stopped (${live.state}${exit})` });
    }
    if (reasons.length) this.recreate('container', want.name, live.id, reasons, changes);
    else this.unchanged('container', want.name, live.id);
  }

  // Owned resources that no declared one kept: removed (also duplicates and renamed copies left by
  // an interrupted apply).
  // A network to recreate or remove cannot go while a container that is not the template's is
  // attached (the engine refuses): that container is never touched, so it is a conflict. Only
  // inspected networks list their endpoints.
  private foreignEndpoints(): void {
    const ours = new Set(this.live.containers.filter((c) => this.owns(c.labels)).map((c) => c.id));
    const networks = new Map(this.live.networks.map((n) => [n.id, n]));
    for (const action of this.actions) {
      if (action.kind !== 'network' || !action.liveId) continue;
      if (action.action !== 'recreate' && action.action !== 'remove') continue;
      const foreign = (networks.get(action.liveId)?.endpoints ?? []).filter((e) => !ours.has(e.containerId));
      if (!foreign.length) continue;
      const who = describeHolders(foreign, this.live.outOfScope);
      this.conflicts.push({
        kind: 'network',
        name: action.name,
        reason: `the network must be ${action.action === 'remove' ? 'removed' : 'recreated'}, but ${who} created outside this template ${foreign.length === 1 ? 'is' : 'are'} attached; disconnect ${foreign.length === 1 ? 'it' : 'them'} first`,
      });
    }
  }

  // Containers that are not the template's attached to its networks (by hand): the plan leaves
  // them alone, but the engine no longer matches the template (and a destroy cannot remove the
  // network while they are on it). Only inspected networks list their endpoints.
  private strangers(): void {
    const ours = new Set(this.live.containers.filter((c) => this.owns(c.labels)).map((c) => c.id));
    for (const network of this.live.networks) {
      if (!this.owns(network.labels)) continue;
      for (const e of network.endpoints ?? []) {
        if (ours.has(e.containerId)) continue;
        this.drift.push({
          kind: 'network',
          name: network.name,
          reason: this.live.outOfScope?.has(e.containerId)
            ? `a container outside your scope, not the template's, is attached to network ${network.name}`
            : `container ${e.containerName || e.containerId.slice(0, 12)}, not the template's, is attached to network ${network.name}`,
        });
      }
    }
  }

  private leftovers(): void {
    const declared = {
      network: new Set(this.desired.networks.map((n) => n.name)),
      container: new Set(this.desired.containers.map((c) => c.name)),
    };
    const remove = (kind: ResourceKind, name: string, id: string) => {
      if (this.kept.has(id)) return;
      const reason = declared[kind].has(name)
        ? `a second ${kind} named "${name}" owned by the template (one is kept)`
        : this.desired.revision > 0
          ? `not in revision ${this.desired.revision}`
          : 'left over: no applied revision of the template declares it';
      this.actions.push({ action: 'remove', kind, name, reason, changes: [], liveId: id });
      this.drift.push({ kind, name, reason: `extra owned ${kind}: ${reason}` });
    };
    for (const c of this.live.containers)
      if (this.owns(c.labels)) remove('container', containerName(c), c.id);
    for (const n of this.live.networks) if (this.owns(n.labels)) remove('network', n.name, n.id);
  }
}

function analyse(desired: DesiredState, live: LiveState, context: PlanContext): Analysis {
  return new Analyser(desired, live, context).run();
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// `networks.front.ipv4Address is 10.1.0.9, want 10.1.0.5`, for status.
function describe(changes: Change[]): string {
  const shown = changes.slice(0, 5).map((c) => `${c.path} is ${show(c.from)}, want ${show(c.to)}`);
  return changes.length > 5 ? `${shown.join('; ')} and ${changes.length - 5} more` : shown.join('; ');
}

const GROUP: Record<string, number> = {
  'remove:container': 0,
  'remove:network': 1,
  'create:network': 2,
  'recreate:network': 2,
  'create:container': 3,
  'recreate:container': 3,
  'unchanged:network': 4,
  'unchanged:container': 5,
};

// Removes (containers, then networks), networks to create or recreate, containers to create or
// recreate, then the unchanged ones; by name within a group.
function sortActions(actions: PlanAction[]): PlanAction[] {
  return actions.sort(
    (a, b) =>
      GROUP[`${a.action}:${a.kind}`] - GROUP[`${b.action}:${b.kind}`] ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.liveId ?? '').localeCompare(b.liveId ?? ''),
  );
}

// Containers attached to a network, by name, and those outside the key's scope only counted
// (`container "a"`, `containers "a", "b" and 1 outside your scope`).
export function describeHolders(
  endpoints: readonly { containerId: string; containerName: string }[],
  outOfScope: ReadonlySet<string> | undefined,
): string {
  const hidden = endpoints.filter((e) => outOfScope?.has(e.containerId)).length;
  const named = endpoints
    .filter((e) => !outOfScope?.has(e.containerId))
    .map((e) => `"${e.containerName || e.containerId.slice(0, 12)}"`);
  const parts = [...named, ...(hidden ? [`${hidden} outside your scope`] : [])];
  const list =
    parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0];
  return `${endpoints.length === 1 ? 'container' : 'containers'} ${list}`;
}
