import { Logger } from '@nestjs/common';
import { Semaphore } from '../../common/concurrency/semaphore';
import { DomainError } from '../../common/errors/domain-error';
import { containerFailure, startFailure } from '../../containers/container-errors';
import { EngineRejection } from '../../engine/engine.errors';
import type { ContainerEngine } from '../../engine/engine.port';
import type { ContainerInfo, EngineFeatures, NetworkEndpoint, NetworkInfo } from '../../engine/engine.types';
import { endpointOn } from '../../lookup/network-facts';
import { endpointProblems } from '../../networks/endpoint-rules';
import { createFailure } from '../../networks/network-errors';
import { describeHolders, type LiveState } from '../planning/planner';
import type {
  DeploymentAction,
  DesiredContainer,
  DesiredNetwork,
  DesiredState,
  Plan,
  PlanAction,
} from '../template.types';
import {
  containerPlanOf,
  endpointSpecOf,
  endpointToRestore,
  networkSpecFromLive,
  networkSpecOf,
} from './engine-specs';

// Seconds a container moved aside gets to stop before it is killed: it is replaced at once.
const STOP_GRACE_SECONDS = 1;

export interface ExecutionInput {
  deploymentId: string;
  plan: Plan;
  // The revision's desired state (apply); destroy has none.
  desired: DesiredState | null;
  live: LiveState;
  features: EngineFeatures;
  concurrency: number;
  // Called after each change of an action's state (the caller coalesces its writes).
  onProgress: (actions: readonly DeploymentAction[]) => void;
  // The calling key's label scope: containers outside it are never named in an error.
  scope?: Record<string, string>;
}

export interface ExecutionResult {
  status: 'succeeded' | 'rolled_back' | 'failed';
  actions: DeploymentAction[];
  error: { code: string; message: string } | null;
}

interface Undo {
  what: string;
  run: () => Promise<void>;
}

// The name a replaced or removed container carries while its apply runs: it keeps the template
// label, so a service stopped mid-apply leaves something the next plan removes.
export function asideName(name: string, deploymentId: string): string {
  return `${name}-sy-${deploymentId.replace(/-/g, '').slice(0, 8)}`;
}

function codeOf(error: unknown): string {
  return error instanceof DomainError ? error.code : 'ENGINE_ERROR';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Runs one plan against the engine. Apply: networks before the containers that need them,
// independent resources at once within a bound; any failed step puts back everything done so far
// (replaced and removed containers are moved aside and stopped, never deleted before the end).
// Destroy: removes what the plan lists, containers first, and goes on past a failure.
export class PlanExecutor {
  private readonly logger = new Logger(PlanExecutor.name);
  private readonly actions: DeploymentAction[];
  private readonly started = new Map<number, number>();
  private readonly undo: Undo[] = [];
  // Containers moved aside: removed for good once everything else succeeded.
  private readonly doomed: Array<{ id: string; name: string }> = [];
  private failure: { index: number; error: unknown } | null = null;
  private readonly slots: Semaphore;

  constructor(
    private readonly engine: ContainerEngine,
    private readonly input: ExecutionInput,
  ) {
    this.actions = initialActions(input.plan);
    this.slots = new Semaphore(
      Math.max(1, input.concurrency),
      Number.MAX_SAFE_INTEGER,
      2 ** 31 - 1,
      () => new Error('unreachable: the executor queue has no bound'),
    );
  }

  get snapshot(): DeploymentAction[] {
    return this.actions.map((a) => ({ ...a }));
  }

  // ---------------------------------------------------------------------------------------------
  // Apply

  async apply(): Promise<ExecutionResult> {
    const { plan } = this.input;
    const indexed = plan.actions.map((action, index) => ({ action, index }));
    const of = (kind: PlanAction['kind'], verbs: PlanAction['action'][]) =>
      indexed.filter(
        (a) =>
          a.action.kind === kind &&
          verbs.includes(a.action.action) &&
          !startsOnly(a.action, plan, this.input.desired),
      );
    // A stopped container that is otherwise as wanted is started as it is (same id).
    const starts = indexed.filter((a) => startsOnly(a.action, plan, this.input.desired));

    // 1. Containers replaced or removed: renamed aside and stopped (their names and fixed
    //    addresses come free; they are deleted only after everything else worked).
    await this.all(of('container', ['recreate', 'remove']), ({ action, index }) =>
      this.step(index, () => this.moveAside(action), action.action === 'remove'),
    );
    // 2. Networks replaced or removed: their containers disconnected, the network removed, with
    //    what it takes to put it back.
    const reconnect = new Map<string, Array<{ container: ContainerInfo }>>();
    if (!this.failure) {
      await this.all(of('network', ['recreate', 'remove']), ({ action, index }) =>
        this.step(index, () => this.takeDownNetwork(action, reconnect), action.action === 'remove'),
      );
    }
    // 3. Networks and containers created, each container once its networks exist.
    if (!this.failure)
      await this.createAll(
        of('network', ['create', 'recreate']),
        of('container', ['create', 'recreate']),
        reconnect,
      );
    if (!this.failure)
      await this.all(starts, ({ action, index }) => this.step(index, () => this.startAgain(action), true));
    this.skipPending();

    if (this.failure) return this.rollBack();
    await this.removeDoomed();
    return { status: 'succeeded', actions: this.snapshot, error: null };
  }

  private async moveAside(action: PlanAction): Promise<void> {
    const live = this.liveContainer(action);
    const aside = asideName(action.name, this.input.deploymentId);
    await this.engine.renameContainer(live.id, aside).catch((error: unknown) => {
      throw containerFailure(error, action.name, 'be renamed aside');
    });
    this.undo.push({
      what: `rename container "${aside}" back to "${action.name}"`,
      run: () => this.engine.renameContainer(live.id, action.name),
    });
    if (live.running) {
      await this.engine.stopContainer(live.id, STOP_GRACE_SECONDS).catch((error: unknown) => {
        throw containerFailure(error, action.name, 'stop');
      });
      this.undo.push({
        what: `start container "${action.name}" again`,
        run: () => this.engine.startContainer(live.id),
      });
    }
    this.doomed.push({ id: live.id, name: action.name });
  }

  private async startAgain(action: PlanAction): Promise<void> {
    const live = this.liveContainer(action);
    // Undone whether the start worked or not: the container goes back to stopped.
    this.undo.push({
      what: `stop container "${action.name}" again`,
      run: () => this.engine.stopContainer(live.id, STOP_GRACE_SECONDS),
    });
    await this.engine.startContainer(live.id).catch((error: unknown) => {
      throw startFailure(error, action.name);
    });
  }

  private async takeDownNetwork(
    action: PlanAction,
    reconnect: Map<string, Array<{ container: ContainerInfo }>>,
  ): Promise<void> {
    const listed = this.liveNetwork(action);
    const network = await this.engine.inspectNetwork(listed.id);
    // Put back with the subnets the engine had given it, and its containers with their addresses.
    const restored = { id: network.id };
    const held: ContainerInfo[] = [];
    // Stopped containers hold no endpoint the network reports, but keep it in their config: they
    // must be disconnected too, or they could never start again once it is put back.
    const attached = new Set((network.endpoints ?? []).map((e) => e.containerId));
    for (const c of this.input.live.containers) if (endpointOn(c, network)) attached.add(c.id);
    for (const containerId of attached) {
      const container =
        this.input.live.containers.find((c) => c.id === containerId) ??
        (await this.engine.inspectContainer(containerId));
      const was = endpointOn(container, network);
      const restore = was ? endpointToRestore(container, was) : {};
      await this.engine.disconnectNetwork(network.id, container.id, true);
      this.undo.push({
        what: `reconnect container "${container.name}" to network "${network.name}"`,
        run: () => this.engine.connectNetwork(restored.id, container.id, restore),
      });
      held.push(container);
    }
    // A container on the network that stays as it is joins the new network again.
    const stays = new Set(
      this.input.plan.actions
        .filter((a) => a.kind === 'container' && a.action === 'unchanged')
        .map((a) => a.liveId),
    );
    reconnect.set(
      network.name,
      held.filter((c) => stays.has(c.id)).map((container) => ({ container })),
    );
    await this.engine.removeNetwork(network.id).catch(async (error: unknown) => {
      throw networkRemovalFailure(error, network.name, await this.holders(network.id));
    });
    this.undo.push({
      what: `create network "${network.name}" again`,
      run: async () => {
        restored.id = await this.engine.createNetwork(networkSpecFromLive(network));
      },
    });
  }

  private async createAll(
    networks: Array<{ action: PlanAction; index: number }>,
    containers: Array<{ action: PlanAction; index: number }>,
    reconnect: Map<string, Array<{ container: ContainerInfo }>>,
  ): Promise<void> {
    const desired = this.input.desired;
    // Every network a container may join: those that stay, and those created here.
    const ids = new Map<string, Promise<string | null>>();
    for (const a of this.input.plan.actions) {
      if (a.kind === 'network' && a.action === 'unchanged' && a.liveId)
        ids.set(a.name, Promise.resolve(a.liveId));
    }
    const work: Array<Promise<unknown>> = [];
    for (const { action, index } of networks) {
      const created = this.slotted(index, () => {
        const spec = desired?.networks.find((n) => n.name === action.name);
        if (!spec)
          throw new Error(`the plan creates network "${action.name}", which the revision does not declare`);
        return this.createNetwork(spec, reconnect.get(action.name) ?? []);
      });
      ids.set(action.name, created);
      work.push(created);
    }
    for (const { action, index } of containers) {
      const spec = desired?.containers.find((c) => c.name === action.name);
      const needs = spec?.spec.networks.map((e) => e.network) ?? [];
      work.push(
        Promise.all(needs.map((network) => ids.get(network) ?? Promise.resolve(undefined))).then((found) => {
          // A network it needs failed to come up: the rollback is already due.
          if (found.some((id) => id === null)) return null;
          return this.slotted(index, () => {
            if (!spec)
              throw new Error(
                `the plan creates container "${action.name}", which the revision does not declare`,
              );
            const missing = needs.filter((_, i) => found[i] === undefined);
            if (missing.length)
              throw new Error(
                `container "${action.name}" joins networks the plan does not keep or create: ${missing.join(', ')}`,
              );
            return this.createContainer(
              spec,
              new Map(needs.map((network, i) => [network, found[i] as string])),
            );
          });
        }),
      );
    }
    await Promise.all(work);
  }

  private async createNetwork(
    desired: DesiredNetwork,
    reconnect: Array<{ container: ContainerInfo }>,
  ): Promise<string> {
    const spec = networkSpecOf(desired, this.input.desired?.revision ?? 0);
    const id = await this.engine.createNetwork(spec).catch((error: unknown) => {
      throw createFailure(error, spec, this.engine.hostNetwork());
    });
    this.undo.push({ what: `remove network "${desired.name}"`, run: () => this.engine.removeNetwork(id) });
    for (const { container } of reconnect) {
      const wanted = this.input.desired?.containers
        .find((c) => c.name === container.name)
        ?.spec.networks.find((e) => e.network === desired.name);
      if (!wanted) continue;
      await this.engine.connectNetwork(id, container.id, endpointSpecOf(wanted)).catch((error: unknown) => {
        throw containerFailure(error, container.name, `connect to network "${desired.name}"`);
      });
      this.undo.push({
        what: `disconnect container "${container.name}" from network "${desired.name}"`,
        run: () => this.engine.disconnectNetwork(id, container.id, true),
      });
    }
    return id;
  }

  private async createContainer(desired: DesiredContainer, networkIds: Map<string, string>): Promise<void> {
    const name = desired.name;
    const planned = containerPlanOf(
      desired,
      this.input.desired?.revision ?? 0,
      networkIds,
      this.input.features,
    );
    const id = await this.engine.createContainer(planned.spec).catch((error: unknown) => {
      throw containerFailure(error, name, 'be created');
    });
    this.undo.push({ what: `remove container "${name}"`, run: () => this.engine.removeContainer(id, true) });
    // Before API 1.44 a container joins its first network at create and the others here, while
    // still created: the engine applies their settings when it starts.
    for (const { networkId, network, endpoint } of planned.connectLater) {
      await this.engine.connectNetwork(networkId, id, endpoint).catch((error: unknown) => {
        throw containerFailure(error, name, `connect to network "${network}"`);
      });
    }
    if (!desired.spec.start) return;
    await this.engine.startContainer(id).catch((error: unknown) => {
      throw startFailure(error, name);
    });
    const info = await this.engine.inspectContainer(id);
    const problems = planned.wanted.flatMap(({ networkId, network, endpoint }) =>
      endpointProblems(
        info,
        info.endpoints.find((e) => e.networkId === networkId || e.networkName === network),
        endpoint,
      ).map((p) => `${network}: ${p}`),
    );
    if (problems.length) {
      throw new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The engine created container "${name}" but did not apply: ${problems.join('; ')}.`,
        { context: { container: name, notApplied: problems } },
      );
    }
  }

  private async removeDoomed(): Promise<void> {
    await Promise.all(
      this.doomed.map(({ id, name }) =>
        this.slots.run(() =>
          this.engine.removeContainer(id, true).catch((error: unknown) => {
            // Left behind with the template label: the next apply's plan removes it.
            this.logger.warn(
              { err: error, container: id },
              `could not remove the replaced container "${name}"`,
            );
          }),
        ),
      ),
    );
  }

  // Everything done, undone in reverse order; what cannot be undone is named.
  private async rollBack(): Promise<ExecutionResult> {
    const failure = this.failure as { index: number; error: unknown };
    const left: string[] = [];
    for (const undo of this.undo.reverse()) {
      try {
        await undo.run();
      } catch (error) {
        this.logger.warn({ err: error }, `rollback could not ${undo.what}`);
        left.push(`could not ${undo.what} (${messageOf(error)})`);
      }
    }
    for (const action of this.actions) {
      if ((action.status === 'succeeded' || action.status === 'running') && action.action !== 'unchanged')
        action.status = 'rolled_back';
    }
    this.input.onProgress(this.actions);
    const failed = this.actions[failure.index];
    const what = `Step ${failed.action} ${failed.kind} "${failed.name}"`;
    const said = messageOf(failure.error);
    const cause = /[.!?)]$/.test(said) ? said : `${said}.`;
    if (left.length) {
      return {
        status: 'failed',
        actions: this.snapshot,
        error: {
          code: codeOf(failure.error),
          message:
            `${what} failed: ${cause} Putting back what this apply had changed did not fully work: ${left.join('; ')}. ` +
            'Check the engine, then apply again.',
        },
      };
    }
    return {
      status: 'rolled_back',
      actions: this.snapshot,
      error: {
        code: codeOf(failure.error),
        message: `${what} failed: ${cause} Everything this apply had changed was put back.`,
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Destroy

  async destroy(): Promise<ExecutionResult> {
    const indexed = this.input.plan.actions.map((action, index) => ({ action, index }));
    const remove = (kind: PlanAction['kind']) =>
      indexed.filter((a) => a.action.kind === kind && a.action.action === 'remove');
    const errors: string[] = [];
    const go = (index: number, fn: () => Promise<void>) => this.slotted(index, fn);
    await Promise.all(
      remove('container').map(({ action, index }) =>
        go(index, async () => {
          await this.engine.removeContainer(this.liveContainer(action).id, true).catch((error: unknown) => {
            throw containerFailure(error, action.name, 'be removed');
          });
        }),
      ),
    );
    await Promise.all(
      remove('network').map(({ action, index }) =>
        go(index, async () => {
          const network = this.liveNetwork(action);
          await this.engine.removeNetwork(network.id).catch(async (error: unknown) => {
            throw networkRemovalFailure(error, action.name, await this.holders(network.id));
          });
        }),
      ),
    );
    for (const a of this.actions) if (a.status === 'failed') errors.push(`${a.kind} "${a.name}": ${a.error}`);
    if (errors.length) {
      return {
        status: 'failed',
        actions: this.snapshot,
        error: {
          code: codeOf(this.failure?.error),
          message: `Destroy left ${errors.length} resource${errors.length === 1 ? '' : 's'} on the engine: ${errors.join('; ')}. Fix the cause and destroy again.`,
        },
      };
    }
    return { status: 'succeeded', actions: this.snapshot, error: null };
  }

  // ---------------------------------------------------------------------------------------------
  // Steps

  // Runs one step of an action in a slot; resolves with its value, or null when it failed or was
  // skipped (after a failure, nothing new starts). `finishes` ends the action with the step.
  private slotted<T>(index: number, fn: () => Promise<T>, finishes = true): Promise<T | null> {
    return this.slots.run(() => this.step(index, fn, finishes));
  }

  private async step<T>(index: number, fn: () => Promise<T>, finishes: boolean): Promise<T | null> {
    const action = this.actions[index];
    // After a failure an apply starts nothing new (it rolls back); a destroy goes on.
    if (this.failure && !this.isDestroy) return null;
    const began = this.started.get(index) ?? performance.now();
    this.started.set(index, began);
    action.status = 'running';
    this.input.onProgress(this.actions);
    try {
      const value = await fn();
      // A step that does not finish its action (moving a replaced container aside) leaves it
      // running until its last step.
      if (finishes) {
        action.status = 'succeeded';
        action.durationMs = Math.round(performance.now() - began);
        this.input.onProgress(this.actions);
      }
      return value;
    } catch (error) {
      action.status = 'failed';
      action.durationMs = Math.round(performance.now() - began);
      action.error = messageOf(error);
      this.failure ??= { index, error };
      this.input.onProgress(this.actions);
      return null;
    }
  }

  private get isDestroy(): boolean {
    return this.input.desired === null;
  }

  private skipPending(): void {
    for (const action of this.actions)
      if (action.status === 'pending' && this.failure) action.status = 'skipped';
  }

  private async all<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<void> {
    await Promise.all(items.map((item) => this.slots.run(() => fn(item))));
  }

  // The containers still attached to a network (none when it cannot be inspected), and which of
  // them are outside the key's scope (told without their names).
  private async holders(networkId: string): Promise<Holders> {
    const network = await this.engine.inspectNetwork(networkId).catch(() => null);
    const endpoints = network?.endpoints ?? [];
    const scope = Object.entries(this.input.scope ?? {});
    if (!scope.length || !endpoints.length) return { endpoints, outOfScope: new Set() };
    const visible = new Set(
      (await this.engine.listContainers({ all: true, label: scope.map(([k, v]) => `${k}=${v}`) })).map(
        (c) => c.id,
      ),
    );
    return {
      endpoints,
      outOfScope: new Set(endpoints.filter((e) => !visible.has(e.containerId)).map((e) => e.containerId)),
    };
  }

  private liveContainer(action: PlanAction): ContainerInfo {
    const live = this.input.live.containers.find(
      (c) => c.id === action.liveId || (!action.liveId && c.name === action.name),
    );
    if (!live) throw new Error(`container "${action.name}" of the plan is not in the live state`);
    return live;
  }

  private liveNetwork(action: PlanAction): NetworkInfo {
    const live = this.input.live.networks.find(
      (n) => n.id === action.liveId || (!action.liveId && n.name === action.name),
    );
    if (!live) throw new Error(`network "${action.name}" of the plan is not in the live state`);
    return live;
  }
}

// True for a recreate whose only change is that the container is stopped, none of its networks
// being created or recreated: it is started as it is (same id).
export function startsOnly(action: PlanAction, plan: Plan, desired: DesiredState | null): boolean {
  if (action.kind !== 'container' || action.action !== 'recreate') return false;
  if (action.changes.length !== 1 || action.changes[0].path !== 'state') return false;
  const joins = new Set(
    desired?.containers.find((c) => c.name === action.name)?.spec.networks.map((e) => e.network) ?? [],
  );
  return !plan.actions.some((a) => a.kind === 'network' && a.action !== 'unchanged' && joins.has(a.name));
}

interface Holders {
  endpoints: NetworkEndpoint[];
  outOfScope: ReadonlySet<string>;
}

function networkRemovalFailure(error: unknown, network: string, holders: Holders): Error {
  if (error instanceof EngineRejection && error.reason === 'HAS_ENDPOINTS') {
    const count = holders.endpoints.length;
    const who = count
      ? `${describeHolders(holders.endpoints, holders.outOfScope)}, not the template's, ${count === 1 ? 'is' : 'are'} attached to it`
      : "containers that are not the template's are attached to it";
    const named = holders.endpoints
      .filter((e) => !holders.outOfScope.has(e.containerId))
      .map((e) => e.containerName || e.containerId.slice(0, 12));
    return new DomainError(
      'NETWORK_IN_USE',
      `Network "${network}" cannot be removed: ${who}. Disconnect ${count === 1 ? 'it' : 'them'} (the template never touches containers that are not its own), then retry.`,
      { context: { network, containers: named, outsideScope: holders.outOfScope.size } },
    );
  }
  return error as Error;
}

// A deployment's actions before it runs: unchanged ones are done, the others pending.
export function initialActions(plan: Plan): DeploymentAction[] {
  return plan.actions.map((a) => ({
    action: a.action,
    kind: a.kind,
    name: a.name,
    status: a.action === 'unchanged' ? 'succeeded' : 'pending',
    durationMs: a.action === 'unchanged' ? 0 : null,
    error: null,
  }));
}
