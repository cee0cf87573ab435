import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, In } from 'typeorm';
import { AccessPolicy } from '../../auth/access-policy';
import type { Actor } from '../../auth/roles';
import { mapLimit } from '../../common/concurrency/map-limit';
import { DomainError } from '../../common/errors/domain-error';
import { INSTANCE_LABEL, TEMPLATE_LABEL } from '../../common/labels';
import { PageCursors } from '../../common/paging/page-cursor';
import { AppConfig } from '../../config/app-config';
import { ConnectivityService } from '../../connectivity/connectivity.service';
import { CONTAINER_ENGINE, type ContainerEngine } from '../../engine/engine.port';
import type { ContainerInfo, NetworkInfo } from '../../engine/engine.types';
import { InstanceIdentity } from '../../instance/instance-identity';
import { desiredState } from '../planning/desired-state';
import {
  type LiveState,
  type PlanContext,
  planDestroy,
  planTemplate,
  templateDrift,
} from '../planning/planner';
import { DeploymentEntity, TemplateEntity, TemplateRevisionEntity } from '../template.entity';
import { TemplateValidator } from '../validation/template-validator';
import type {
  Deployment,
  DeploymentAction,
  DeploymentKind,
  DesiredState,
  ExpectationResult,
  Plan,
  TemplateDocument,
  TemplateExpectation,
  TemplateRecord,
  TemplateStatus,
} from '../template.types';
import { DeploymentStore, type Life, ofLife, presentDeployment } from './deployment-store';
import { DeploymentEvents } from './deployment-events';
import { Metrics } from '../../metrics/metrics';
import { type ExecutionResult, initialActions, PlanExecutor } from './plan-executor';

export interface DeploymentPage {
  items: Deployment[];
  nextCursor: string | null;
}

// Which names a revision declares: the live resources of those names concern it too (a
// look-alike it does not own is a conflict).
interface Declared {
  networks: Set<string>;
  containers: Set<string>;
}

// The spec behind a hash, from any stored revision of the template (the planner names what changed).
type SpecOf = NonNullable<PlanContext['specOf']>;
type Spec = ReturnType<SpecOf>;

const LIST = 'template-deployments';

// Plans, applies, checks and destroys templates on the engine, and keeps their deployments.
// One apply or destroy of a template at a time in this process (TEMPLATE_BUSY otherwise).
@Injectable()
export class TemplateRuntime implements OnApplicationBootstrap {
  private readonly logger = new Logger(TemplateRuntime.name);
  private readonly busy = new Map<string, { deployment: string; since: string }>();
  // The deployments this process is running, with their actions as they stand (for a stop).
  private readonly running = new Map<string, readonly DeploymentAction[]>();
  // Per template: the hashes of every stored revision's resources and their specs (revisions
  // never change, so a revision is read once).
  private readonly specs = new Map<string, { revisions: Set<number>; byHash: Map<string, Spec> }>();

  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: DeploymentStore,
    private readonly instance: InstanceIdentity,
    private readonly config: AppConfig,
    private readonly cursors: PageCursors,
    private readonly connectivity: ConnectivityService,
    private readonly validator: TemplateValidator,
    private readonly access: AccessPolicy,
    private readonly events: DeploymentEvents,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const interrupted = await this.store.markInterrupted(new Date().toISOString());
    if (interrupted)
      this.logger.warn(`${interrupted} deployment(s) were interrupted by the last stop of the service`);
  }

  // The service is stopping: the deployments still running in this process are marked
  // interrupted now rather than at the next start. Answers how many.
  interruptRunning(): Promise<number> {
    return this.store.interrupt(new Date().toISOString(), new Map(this.running));
  }

  async plan(record: TemplateRecord, actor: Actor): Promise<Plan> {
    const desired = this.desired(record);
    const [{ live }, context] = await Promise.all([
      this.live(record.name, declaredBy(desired), actor),
      this.context(record.name, actor),
    ]);
    return planTemplate(desired, live, context);
  }

  // Runs the plan, then the expectations; answers the finished deployment, or (wait false) the
  // running one at once. A second apply or destroy of the template while one runs: TEMPLATE_BUSY.
  async apply(record: TemplateRecord, actor: Actor, options: { wait: boolean }): Promise<Deployment> {
    // The stored document is checked again for the CALLING key (its role, scope, and the image
    // allowlist and network pools as they are now): a stored template is no way around policy.
    await this.validator.validate(record.document, actor, { name: record.name });
    const id = randomUUID();
    const release = this.lock(record.name, id);
    try {
      const desired = this.desired(record);
      const [{ live, networks }, context, features] = await Promise.all([
        this.live(record.name, declaredBy(desired), actor),
        this.context(record.name, actor),
        this.engine.features(),
      ]);
      const plan = planTemplate(desired, live, context);
      if (plan.conflicts.length) {
        throw new DomainError(
          'RESOURCE_NOT_OWNED',
          `Template "${record.name}" declares ${plan.conflicts.map((c) => `${c.kind} "${c.name}" (${c.reason})`).join(', ')}, ` +
            'which exist on the engine but do not belong to it: nothing was changed. Remove or rename them, or rename them in the template, then apply again.',
          { context: { conflicts: plan.conflicts } },
        );
      }
      this.assertMayTakeDown(plan, live, networks, actor);
      const row = await this.begin(id, record.name, record.revision, 'apply', plan, actor);
      return await this.launch(
        row,
        actor,
        (onProgress) =>
          new PlanExecutor(this.engine, {
            deploymentId: id,
            plan,
            desired,
            live,
            features,
            concurrency: this.config.TEMPLATE_APPLY_CONCURRENCY,
            onProgress,
            scope: actor.scope,
          }).apply(),
        desired.expectations,
        release,
        options.wait,
      );
    } catch (error) {
      release();
      throw error;
    }
  }

  // Compares the engine with the revision of the last apply whose actions all completed
  // (succeeded, or failed only on its expectations) and that no later destroy undid; `record` is
  // null when the template was deleted (the revision rows stay). Never applied (or destroyed since):
  // compared with nothing, so whatever the template owns on the engine is drift.
  async status(name: string, record: TemplateRecord | null, actor: Actor): Promise<TemplateStatus> {
    const template = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name });
    const applied = template ? await this.store.lastApplied(name, lifeOf(template)) : null;
    const desired = await this.appliedState(name, applied, record);
    const [{ live }, context] = await Promise.all([
      this.live(name, declaredBy(desired), actor, true),
      this.context(name, actor),
    ]);
    const drift = templateDrift(desired, live, context);
    const owned = [...live.networks, ...live.containers].some((r) => this.owns(name, r.labels, actor));
    return {
      template: name,
      deployed: owned || applied !== null,
      revision: applied,
      inSync: drift.length === 0,
      drift,
      latestRevision: record?.revision ?? null,
    };
  }

  // The desired state of the applied revision (none: an empty one, revision 0).
  private async appliedState(
    name: string,
    applied: number | null,
    record: TemplateRecord | null,
  ): Promise<DesiredState> {
    if (applied === null) return emptyState(name);
    if (record?.revision === applied) return this.desired(record);
    const row = await this.dataSource
      .getRepository(TemplateRevisionEntity)
      .findOneBy({ template: name, revision: applied });
    if (!row) return emptyState(name);
    return desiredState(JSON.parse(row.documentJson) as TemplateDocument, applied, this.instance.id);
  }

  // Removes everything carrying the template's label (also after the template was edited or
  // deleted), recorded as a deployment of kind destroy.
  async destroy(name: string, actor: Actor, options: { wait: boolean }): Promise<Deployment> {
    const template = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name });
    if (template && !inScope(actor, template)) throw templateNotFound(name);
    if (!template && Object.keys(actor.scope).length) throw templateNotFound(name);
    const id = randomUUID();
    const release = this.lock(name, id);
    try {
      const [{ live, networks }, context] = await Promise.all([
        this.live(name, null, actor),
        this.context(name, actor),
      ]);
      const owned = [...live.networks, ...live.containers].some((r) => this.owns(name, r.labels, actor));
      if (!template && !owned) throw templateNotFound(name);
      const plan = planDestroy(name, live, context);
      this.assertMayTakeDown(plan, live, networks, actor);
      const features = await this.engine.features();
      // The revision it takes down: the newest one found on what it removes.
      const row = await this.begin(id, name, plan.revision || null, 'destroy', plan, actor);
      return await this.launch(
        row,
        actor,
        (onProgress) =>
          new PlanExecutor(this.engine, {
            deploymentId: id,
            plan,
            desired: null,
            live,
            features,
            concurrency: this.config.TEMPLATE_APPLY_CONCURRENCY,
            onProgress,
            scope: actor.scope,
          }).destroy(),
        [],
        release,
        options.wait,
      );
    } catch (error) {
      release();
      throw error;
    }
  }

  async deployments(
    template: string,
    actor: Actor,
    page: { limit: number; cursor?: string },
  ): Promise<DeploymentPage> {
    const row = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name: template });
    if (!row || !inScope(actor, row)) throw templateNotFound(template);
    let limit = page.limit;
    let after: [string, string] | null = null;
    if (page.cursor !== undefined && page.cursor !== null) {
      const cursor = this.cursors.decode(LIST, page.cursor, { template }, isPosition, 'cursor', {
        keys: ['template'],
        other: "a cursor of another template's deployments",
      });
      after = cursor.position;
      limit = page.limit ?? cursor.limit;
    }
    const rows = await this.store.page(template, lifeOf(row), limit + 1, after);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(presentDeployment),
      nextCursor:
        rows.length > limit && last
          ? this.cursors.encode(LIST, { template }, limit, [last.startedAt, last.id])
          : null,
    };
  }

  async deployment(id: string, actor: Actor): Promise<Deployment> {
    const row = await this.store.find(id);
    const missing = () =>
      new DomainError('DEPLOYMENT_NOT_FOUND', `No deployment has the id "${id}".`, { context: { id } });
    if (!row) throw missing();
    // Only the deployments of the template's current life, within the key's scope: an earlier
    // life's deployments are not passed to whoever took the name next.
    const template = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name: row.template });
    if (!template || !inScope(actor, template) || !ofLife(row, lifeOf(template))) throw missing();
    return presentDeployment(row);
  }

  // ---------------------------------------------------------------------------------------------

  private desired(record: TemplateRecord): DesiredState {
    return desiredState(record.document, record.revision, this.instance.id);
  }

  private owns(template: string, labels: Record<string, string>, actor: Actor): boolean {
    return (
      labels[TEMPLATE_LABEL] === template &&
      labels[INSTANCE_LABEL] === this.instance.id &&
      this.access.inScope(actor, labels)
    );
  }

  // Taking down (removing, or replacing) a resource with power over the host needs an admin key,
  // as direct calls do: refused before any engine write.
  private assertMayTakeDown(plan: Plan, live: LiveState, networks: NetworkInfo[], actor: Actor): void {
    if (actor.role === 'admin') return;
    for (const action of plan.actions) {
      if (action.action !== 'remove' && action.action !== 'recreate') continue;
      const verb = action.action === 'remove' ? 'remove' : 'replace';
      if (action.kind === 'container') {
        const container = live.containers.find((c) => c.id === action.liveId);
        if (container) this.access.assertMayDrive(actor, container, networks, verb);
      } else {
        const network = live.networks.find((n) => n.id === action.liveId);
        if (network)
          this.access.assertMayAlterNetwork(actor, network, verb === 'remove' ? 'Removing' : 'Replacing');
      }
    }
  }

  private lock(template: string, deployment: string): () => void {
    const holder = this.busy.get(template);
    if (holder) {
      throw new DomainError(
        'TEMPLATE_BUSY',
        `Template "${template}" is being deployed by deployment ${holder.deployment} (running since ${holder.since}): ` +
          'retry after it finished (the deployment shows its progress).',
        { context: { deployment: holder.deployment } },
      );
    }
    this.busy.set(template, { deployment, since: new Date().toISOString() });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.busy.get(template)?.deployment === deployment) this.busy.delete(template);
    };
  }

  // What the engine holds that concerns the template: one list of networks, one of containers,
  // one inspect per container that carries its label or a name it declares (`declared` null:
  // the label only). What carries the label but lies outside the key's scope is not the key's: it
  // is left out (a declared name held by it stays in, as a conflict that names nothing). With
  // `endpoints`, the template's own networks are inspected too (who is attached to them).
  // `networks`: every network on the engine (to tell what a container is attached to).
  private async live(
    template: string,
    declared: Declared | null,
    actor: Actor,
    endpoints = false,
  ): Promise<{ live: LiveState; networks: NetworkInfo[] }> {
    const [networks, containers] = await Promise.all([
      this.engine.listNetworks(),
      this.engine.listContainers({ all: true }),
    ]);
    const labelled = (labels: Record<string, string>) =>
      labels[TEMPLATE_LABEL] === template && this.access.inScope(actor, labels);
    const relevant = containers.filter(
      (c) => labelled(c.labels) || (declared !== null && c.names.some((n) => declared.containers.has(n))),
    );
    const inspected = await mapLimit(relevant, this.config.TEMPLATE_APPLY_CONCURRENCY, (c) =>
      this.engine.inspectContainer(c.id).catch(() => null),
    );
    let mine = networks.filter(
      (n) => labelled(n.labels) || (declared !== null && declared.networks.has(n.name)),
    );
    if (endpoints) {
      mine = await mapLimit(mine, this.config.TEMPLATE_APPLY_CONCURRENCY, (n) =>
        this.owns(template, n.labels, actor)
          ? this.engine.inspectNetwork(n.id).catch(() => n)
          : Promise.resolve(n),
      );
    }
    const outOfScope = this.access.unscoped(actor)
      ? undefined
      : new Set(containers.filter((c) => !this.access.inScope(actor, c.labels)).map((c) => c.id));
    return {
      // A container removed since the list is gone.
      live: {
        networks: mine,
        containers: inspected.filter((c): c is ContainerInfo => c !== null),
        outOfScope,
      },
      networks,
    };
  }

  private async context(template: string, actor: Actor): Promise<PlanContext> {
    const specOf = await this.specIndex(template);
    return { instanceId: this.instance.id, specOf, scope: actor.scope };
  }

  // The specs of every stored revision by hash, read once per revision.
  private async specIndex(template: string): Promise<SpecOf> {
    const known = this.specs.get(template) ?? {
      revisions: new Set<number>(),
      byHash: new Map<string, Spec>(),
    };
    this.specs.set(template, known);
    const rows = await this.dataSource
      .getRepository(TemplateRevisionEntity)
      .find({ where: { template }, select: { revision: true } });
    const fresh = rows.filter((r) => !known.revisions.has(r.revision)).map((r) => r.revision);
    if (fresh.length) {
      const docs = await this.dataSource
        .getRepository(TemplateRevisionEntity)
        .find({ where: { template, revision: In(fresh) } });
      for (const doc of docs) {
        known.revisions.add(doc.revision);
        try {
          const state = desiredState(
            JSON.parse(doc.documentJson) as TemplateDocument,
            doc.revision,
            this.instance.id,
          );
          for (const n of state.networks) known.byHash.set(`network:${n.hash}`, n.spec);
          for (const c of state.containers) known.byHash.set(`container:${c.hash}`, c.spec);
        } catch (error) {
          this.logger.warn(
            { err: error, template, revision: doc.revision },
            'a stored revision has no desired state',
          );
        }
      }
    }
    return (kind, hash) => known.byHash.get(`${kind}:${hash}`);
  }

  // Runs a recorded deployment to its end, releasing the template's lock then: answers the
  // finished deployment, or (wait false) the running one at once.
  private async launch(
    row: DeploymentEntity,
    actor: Actor,
    run: (onProgress: (actions: readonly DeploymentAction[]) => void) => Promise<ExecutionResult>,
    expectations: TemplateExpectation[],
    release: () => void,
    wait: boolean,
  ): Promise<Deployment> {
    const finished = this.execute(row, actor, run, expectations).finally(release);
    if (wait) return finished;
    void finished.catch((error: unknown) =>
      this.logger.error({ err: error, deployment: row.id }, 'a deployment failed'),
    );
    return presentDeployment(row);
  }

  private async begin(
    id: string,
    template: string,
    revision: number | null,
    kind: DeploymentKind,
    plan: Plan,
    actor: Actor,
  ): Promise<DeploymentEntity> {
    const row = new DeploymentEntity();
    Object.assign(row, {
      id,
      template,
      revision,
      kind,
      status: 'running',
      actionsJson: JSON.stringify(initialActions(plan)),
      expectationsJson: '[]',
      actor: actor.name,
      actorKeyId: actor.keyId,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      errorJson: null,
    } satisfies DeploymentEntity);
    await this.store.insert(row);
    return row;
  }

  // Runs the actions, then the expectations, and writes the outcome. Never rejects for what the
  // engine did: the deployment says it.
  private async execute(
    row: DeploymentEntity,
    actor: Actor,
    run: (onProgress: (actions: readonly DeploymentAction[]) => void) => Promise<ExecutionResult>,
    expectations: TemplateExpectation[],
  ): Promise<Deployment> {
    const progress = this.store.progress(row.id);
    const started = performance.now();
    this.events.started(presentDeployment(row));
    this.running.set(row.id, JSON.parse(row.actionsJson) as DeploymentAction[]);
    let result: ExecutionResult;
    try {
      result = await run((actions) => {
        this.running.set(
          row.id,
          actions.map((a) => ({ ...a })),
        );
        progress.touch(actions);
        this.events.progress(row.id, actions);
      });
    } catch (error) {
      this.logger.error({ err: error, deployment: row.id }, 'a deployment failed unexpectedly');
      result = {
        status: 'failed',
        actions: JSON.parse(row.actionsJson) as Deployment['actions'],
        error: { code: 'INTERNAL_ERROR', message: `The deployment stopped unexpectedly: ${String(error)}` },
      };
    }
    await progress.close();
    let checked: ExpectationResult[] = [];
    let status = result.status;
    let error = result.error;
    if (status === 'succeeded' && expectations.length) {
      checked = await this.expectations(expectations, actor).catch((failure: unknown) => {
        error = {
          code: 'EXPECTATIONS_FAILED',
          message: `The expectations could not be checked: ${String(failure)}`,
        };
        status = 'failed';
        return [];
      });
      const failed = checked.filter((e) => !e.passed);
      if (failed.length) {
        status = 'failed';
        error = {
          code: 'EXPECTATIONS_FAILED',
          message:
            `Every action succeeded, but ${failed.length} of ${checked.length} expectation${checked.length === 1 ? '' : 's'} failed: ` +
            failed
              .map((e) => `${e.from} -> ${e.to} (${e.diagnosis?.message ?? 'unexpected outcome'})`)
              .join('; '),
        };
      }
    }
    this.running.delete(row.id);
    const final: Partial<DeploymentEntity> = {
      status,
      actionsJson: JSON.stringify(result.actions),
      expectationsJson: JSON.stringify(checked),
      finishedAt: new Date().toISOString(),
      errorJson: error ? JSON.stringify(error) : null,
    };
    Object.assign(row, final);
    await this.store.update(row.id, final).catch((failure: unknown) => {
      this.logger.error({ err: failure, deployment: row.id }, 'could not record the end of a deployment');
    });
    const deployment = presentDeployment(row);
    this.metrics.observeDeployment(row.kind, status, (performance.now() - started) / 1000);
    this.events.finished(deployment);
    return deployment;
  }

  // ONE matrix: a probe per source pinging all its targets by name; the pairs whose outcome
  // differs from the expectation are then diagnosed one by one.
  private async expectations(
    expectations: TemplateExpectation[],
    actor: Actor,
  ): Promise<ExpectationResult[]> {
    const outcomes = await this.connectivity.checkReach(expectations, actor);
    return mapLimit(
      expectations,
      this.connectivity.probeConcurrency,
      async (expected, i): Promise<ExpectationResult> => {
        const outcome = outcomes[i];
        const base = { from: expected.from, to: expected.to, reachable: outcome.reachable };
        if (outcome.reachable === expected.reachable) return { ...base, passed: true, diagnosis: null };
        if (outcome.reachable) {
          return {
            ...base,
            passed: false,
            diagnosis: {
              code: 'REACHABLE',
              // An internal network does not separate the containers on it: only not sharing one does.
              message: `"${expected.from}" reached "${expected.to}"${outcome.address ? ` at ${outcome.address}` : ''}, but the template expects it not to: they share a network. In the template, give them no network in common (containers.${expected.from}.networks and containers.${expected.to}.networks).`,
            },
          };
        }
        return { ...base, passed: false, diagnosis: await this.whyUnreachable(expected, actor) };
      },
    );
  }

  private async whyUnreachable(
    expected: TemplateExpectation,
    actor: Actor,
  ): Promise<{ code: string; message: string }> {
    try {
      const ping = await this.connectivity.ping(
        { from: expected.from, to: expected.to, count: 1, timeoutMs: 2000 },
        actor,
        'template',
      );
      if (ping.diagnosis) return ping.diagnosis;
      return {
        code: 'PACKET_LOSS',
        message: `"${expected.from}" did not reach "${expected.to}" during the check (a later ping did): the path is unreliable.`,
      };
    } catch (error) {
      return {
        code: error instanceof DomainError ? error.code : 'PROBE_FAILED',
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }
}

function declaredBy(desired: DesiredState): Declared {
  return {
    networks: new Set(desired.networks.map((n) => n.name)),
    containers: new Set(desired.containers.map((c) => c.name)),
  };
}

function emptyState(template: string): DesiredState {
  return { template, revision: 0, networks: [], containers: [], expectations: [] };
}

function lifeOf(template: TemplateEntity): Life {
  return { firstRevision: template.firstRevision, createdAt: template.createdAt };
}

function inScope(actor: Actor, template: TemplateEntity): boolean {
  const labels = JSON.parse(template.labelsJson) as Record<string, string>;
  return Object.entries(actor.scope).every(([key, value]) => labels[key] === value);
}

function templateNotFound(name: string): DomainError {
  return new DomainError('TEMPLATE_NOT_FOUND', `No template is named "${name}".`, { context: { name } });
}

function isPosition(value: unknown): value is [string, string] {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string');
}
