import { storeTemplate } from '../support/template-records';
import { DataSource } from 'typeorm';
import type { Actor } from '../../src/auth/roles';
import { ConnectivityService } from '../../src/connectivity/connectivity.service';
import { EngineRejection } from '../../src/engine/engine.errors';
import { interruptActions } from '../../src/templates/apply/deployment-store';
import { TemplateRuntime } from '../../src/templates/apply/template-runtime';
import {
  DeploymentEntity,
  TemplateEntity,
  TemplateRevisionEntity,
} from '../../src/templates/template.entity';
import type { DeploymentAction, TemplateDocument, TemplateRecord } from '../../src/templates/template.types';
import { BUSYBOX_IMAGE, MemoryEngine } from '../support/memory-engine';
import { startAppOn, type TestApp } from '../support/test-app';

// The runtime's guards on the in-memory engine: key scope (ownership, conflicts, deployments of
// earlier lives), policy re-checked at apply and destroy, status semantics, interrupted
// deployments, repair by start, template-worded diagnoses, containers not the template's.

const ADMIN: Actor = { keyId: 'admin', name: 'admin', role: 'admin', scope: {} };
const OPERATOR: Actor = { keyId: 'op', name: 'op', role: 'operator', scope: {} };
const KEY_A: Actor = { keyId: 'ka', name: 'key-a', role: 'operator', scope: { rtteam: 'a' } };
const KEY_B: Actor = { keyId: 'kb', name: 'key-b', role: 'operator', scope: { rtteam: 'b' } };

function doc(name: string, labels: Record<string, string> = {}): TemplateDocument {
  return {
    name,
    labels,
    networks: { [`${name}-net`]: {} },
    containers: {
      [`${name}-c`]: {
        image: BUSYBOX_IMAGE.ref,
        command: ['sleep', '3600'],
        networks: { [`${name}-net`]: {} },
      },
    },
  };
}

describe('template runtime guards (in-memory engine)', () => {
  let engine: MemoryEngine;
  let t: TestApp;
  let runtime: TemplateRuntime;
  let data: DataSource;

  // Stores `document` as revision `revision` of its template (a new life from `first`).
  function store(document: TemplateDocument, revision = 1, first = revision): Promise<TemplateRecord> {
    return storeTemplate(data, document, { revision, firstRevision: first });
  }

  async function deploymentsOf(template: string): Promise<DeploymentEntity[]> {
    return data.getRepository(DeploymentEntity).findBy({ template });
  }

  beforeAll(async () => {
    engine = new MemoryEngine();
    t = await startAppOn(engine);
    runtime = t.app.get(TemplateRuntime);
    data = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('key scope', () => {
    it("never plans against, destroys or shows another scope's resources of a reused name", async () => {
      // Key A applies X, then X is deleted (its resources stay) and key B creates X again.
      const first = await store(doc('x1', { rtteam: 'a' }));
      const applied = await runtime.apply(first, KEY_A, { wait: true });
      expect(applied.status).toBe('succeeded');
      const before = engine.allContainers().map((c) => c.id);
      await data
        .getRepository(TemplateEntity)
        .update({ name: 'x1' }, { deletedAt: new Date().toISOString() });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await store(doc('x1', { rtteam: 'b' }), 2, 2);

      const plan = await runtime.plan(second, KEY_B);
      expect(plan.actions).toEqual([]);
      expect(plan.conflicts).toEqual([
        {
          kind: 'network',
          name: 'x1-net',
          reason: 'a network with this name exists that this template does not own',
        },
        {
          kind: 'container',
          name: 'x1-c',
          reason: 'a container with this name exists that this template does not own',
        },
      ]);
      await expect(runtime.apply(second, KEY_B, { wait: true })).rejects.toMatchObject({
        code: 'RESOURCE_NOT_OWNED',
      });
      const status = await runtime.status('x1', second, KEY_B);
      // B never applied X: nothing of its own is on the engine, A's resources are not B's.
      expect(status).toMatchObject({ deployed: false, revision: null, inSync: true, drift: [] });

      const destroyed = await runtime.destroy('x1', KEY_B, { wait: true });
      expect(destroyed.actions).toEqual([]);
      expect(engine.allContainers().map((c) => c.id)).toEqual(before);
      expect(engine.network('x1-net')).toBeDefined();

      // A's deployment belongs to the earlier life: B (and anyone) no longer gets it.
      const page = await runtime.deployments('x1', KEY_B, { limit: 50 });
      expect(page.items.map((d) => d.id)).toEqual([destroyed.id]);
      await expect(runtime.deployment(applied.id, KEY_B)).rejects.toMatchObject({
        code: 'DEPLOYMENT_NOT_FOUND',
      });
      await expect(runtime.deployment(applied.id, ADMIN)).rejects.toMatchObject({
        code: 'DEPLOYMENT_NOT_FOUND',
      });
    });
  });

  describe('policy at apply and destroy', () => {
    it("refuses an operator's apply of an admin's host-network template, before any write", async () => {
      const document: TemplateDocument = {
        name: 'hostly',
        containers: {
          'hostly-c': { image: BUSYBOX_IMAGE.ref, command: ['sleep', '3600'], networkMode: 'host' },
        },
      };
      const record = await store(document);
      engine.clearCalls();
      await expect(runtime.apply(record, OPERATOR, { wait: true })).rejects.toMatchObject({
        code: 'TEMPLATE_INVALID',
      });
      expect(engine.changes()).toEqual([]);
      expect(await deploymentsOf('hostly')).toEqual([]);

      // An admin applies it; an operator may not destroy it.
      expect((await runtime.apply(record, ADMIN, { wait: true })).status).toBe('succeeded');
      engine.clearCalls();
      await expect(runtime.destroy('hostly', OPERATOR, { wait: true })).rejects.toMatchObject({
        code: 'POLICY_VIOLATION',
      });
      expect(engine.changes()).toEqual([]);
      expect(engine.container('hostly-c')?.running).toBe(true);
      expect((await runtime.destroy('hostly', ADMIN, { wait: true })).status).toBe('succeeded');
    });

    it('refuses a stored template whose image the allowlist no longer has', async () => {
      const strict = new MemoryEngine();
      const app = await startAppOn(strict, { IMAGE_ALLOWLIST: 'nothing.example/*' });
      try {
        const dataSource = app.app.get(DataSource);
        const document = doc('allow');
        const now = new Date().toISOString();
        await dataSource.getRepository(TemplateRevisionEntity).save({
          template: 'allow',
          revision: 1,
          documentJson: JSON.stringify(document),
          createdAt: now,
          actor: 'test',
        });
        await expect(
          app.app.get(TemplateRuntime).apply(
            {
              name: 'allow',
              revision: 1,
              description: null,
              labels: {},
              document,
              createdAt: now,
              updatedAt: now,
            },
            ADMIN,
            { wait: true },
          ),
        ).rejects.toMatchObject({ code: 'TEMPLATE_INVALID' });
        expect(strict.changes()).toEqual([]);
      } finally {
        await app.close();
      }
    });
  });

  describe('status', () => {
    it('never applied and nothing on the engine: not deployed, in sync, no revision', async () => {
      const record = await store(doc('s0'));
      expect(await runtime.status('s0', record, ADMIN)).toEqual({
        template: 's0',
        deployed: false,
        revision: null,
        inSync: true,
        drift: [],
        latestRevision: 1,
      });
    });

    it('compares with the last good apply: not a rolled-back one, nothing after a destroy', async () => {
      const v1 = await store(doc('s1'));
      const good = await runtime.apply(v1, ADMIN, { wait: true });
      expect(good.status).toBe('succeeded');
      const edited = doc('s1');
      edited.containers!['s1-c'].command = ['sleep', '7200'];
      const v2 = await store(edited, 2, 1);
      // Revision 2 stored, not applied: not drift, the plan shows it.
      expect(await runtime.status('s1', v2, ADMIN)).toMatchObject({
        deployed: true,
        revision: 1,
        inSync: true,
        drift: [],
        latestRevision: 2,
      });
      engine.failNext('startContainer', new EngineRejection('ENGINE_FAILURE', 'boom', 500));
      const failed = await runtime.apply(v2, ADMIN, { wait: true });
      expect(failed.status).toBe('rolled_back');
      expect(await runtime.status('s1', v2, ADMIN)).toMatchObject({ revision: 1, inSync: true });

      // Deleted: compared with the applied revision's document, still revision 1.
      expect(await runtime.status('s1', null, ADMIN)).toMatchObject({
        deployed: true,
        revision: 1,
        inSync: true,
        latestRevision: null,
      });
      await runtime.destroy('s1', ADMIN, { wait: true });
      expect(await runtime.status('s1', v2, ADMIN)).toMatchObject({
        deployed: false,
        revision: null,
        inSync: true,
        drift: [],
      });
    });

    it('lists the leftovers of an interrupted apply, without "revision 0"', async () => {
      const record = await store(doc('s2'));
      await runtime.apply(record, ADMIN, { wait: true });
      // As if the apply had been interrupted: its deployment row says so.
      await data.getRepository(DeploymentEntity).update({ template: 's2' }, { status: 'interrupted' });
      const status = await runtime.status('s2', record, ADMIN);
      expect(status).toMatchObject({ deployed: true, revision: null, inSync: false });
      expect(status.drift.map((d) => d.name).sort()).toEqual(['s2-c', 's2-net']);
      expect(JSON.stringify(status.drift)).not.toMatch(/revision 0/);
      await runtime.destroy('s2', ADMIN, { wait: true });
    });
  });

  describe('interrupted deployments', () => {
    it('marks running actions failed and pending ones skipped', () => {
      const a = (status: DeploymentAction['status']): DeploymentAction => ({
        action: 'create',
        kind: 'container',
        name: status,
        status,
        durationMs: null,
        error: null,
      });
      expect(interruptActions([a('succeeded'), a('running'), a('pending')])).toEqual([
        a('succeeded'),
        { ...a('running'), status: 'failed', error: 'the service stopped during this action' },
        { ...a('pending'), status: 'skipped' },
      ]);
    });

    it('rewrites the actions of a deployment left running at startup', async () => {
      const actions = [
        { action: 'create', kind: 'network', name: 'n', status: 'running', durationMs: null, error: null },
        { action: 'create', kind: 'container', name: 'c', status: 'pending', durationMs: null, error: null },
      ];
      await data.getRepository(DeploymentEntity).insert({
        id: 'int-0000',
        template: 'gone',
        revision: 1,
        kind: 'apply',
        status: 'running',
        actionsJson: JSON.stringify(actions),
        expectationsJson: '[]',
        actor: 'test',
        actorKeyId: 'test',
        startedAt: new Date().toISOString(),
        finishedAt: null,
        errorJson: null,
      });
      await runtime.onApplicationBootstrap();
      const row = await data.getRepository(DeploymentEntity).findOneByOrFail({ id: 'int-0000' });
      expect(row.status).toBe('interrupted');
      expect(JSON.parse(row.errorJson as string)).toMatchObject({ code: 'INTERRUPTED' });
      expect((JSON.parse(row.actionsJson) as DeploymentAction[]).map((x) => [x.status, x.error])).toEqual([
        ['failed', 'the service stopped during this action'],
        ['skipped', null],
      ]);
    });
  });

  describe('repair of a stopped container', () => {
    it('starts it as it is (same id); a failed start is stopped again by the rollback', async () => {
      const record = await store(doc('r1'));
      await runtime.apply(record, ADMIN, { wait: true });
      const id = engine.container('r1-c')!.id;
      await engine.stopContainer(id, 0);
      const plan = await runtime.plan(record, ADMIN);
      expect(plan.actions.find((a) => a.name === 'r1-c')).toMatchObject({
        action: 'recreate',
        reason: 'container is exited, want running: it will be started',
      });
      engine.failNext('startContainer', new EngineRejection('ENGINE_FAILURE', 'boom', 500));
      const failed = await runtime.apply(record, ADMIN, { wait: true });
      expect(failed.status).toBe('rolled_back');
      expect(engine.container('r1-c')).toMatchObject({ id, running: false });
      engine.clearCalls();
      const repaired = await runtime.apply(record, ADMIN, { wait: true });
      expect(repaired.status).toBe('succeeded');
      expect(engine.container('r1-c')).toMatchObject({ id, running: true });
      expect(engine.changes()).toEqual(['startContainer']);
      await runtime.destroy('r1', ADMIN, { wait: true });
    });
  });

  describe('diagnoses worded for templates', () => {
    it('NO_SHARED_NETWORK advises the template fix, not a route', async () => {
      const document: TemplateDocument = {
        name: 'd1',
        networks: { 'd1-a': {}, 'd1-b': {} },
        containers: {
          'd1-x': { image: BUSYBOX_IMAGE.ref, command: ['sleep', '3600'], networks: { 'd1-a': {} } },
          'd1-y': { image: BUSYBOX_IMAGE.ref, command: ['sleep', '3600'], networks: { 'd1-b': {} } },
        },
      };
      await runtime.apply(await store(document), ADMIN, { wait: true });
      const ping = await t.app
        .get(ConnectivityService)
        .ping({ from: 'd1-x', to: 'd1-y', count: 1, timeoutMs: 1000 }, ADMIN, 'template');
      expect(ping.diagnosis?.code).toBe('NO_SHARED_NETWORK');
      expect(ping.diagnosis?.message).toContain('Add a network both containers join in the template');
      expect(ping.diagnosis?.message).toContain('containers.d1-x.networks');
      expect(ping.diagnosis?.message).not.toMatch(/\/api\/v1|connectContainer/);
      await runtime.destroy('d1', ADMIN, { wait: true });
    });
  });

  describe("containers that are not the template's", () => {
    it('shows one attached to a template network as drift, and names it when destroy cannot remove the network', async () => {
      const record = await store(doc('f1'));
      await runtime.apply(record, ADMIN, { wait: true });
      const net = engine.network('f1-net')!;
      const stranger = await engine.createContainer({
        name: 'f1-stranger',
        image: BUSYBOX_IMAGE.ref,
        command: ['sleep', '3600'],
        env: {},
        labels: {},
        restartPolicy: { name: 'no', maximumRetryCount: 0 },
        networkMode: net.id,
        endpoints: [{ networkId: net.id }],
      });
      await engine.startContainer(stranger);
      const status = await runtime.status('f1', record, ADMIN);
      expect(status.inSync).toBe(false);
      expect(status.drift).toContainEqual({
        kind: 'network',
        name: 'f1-net',
        reason: "container f1-stranger, not the template's, is attached to network f1-net",
      });
      const destroyed = await runtime.destroy('f1', ADMIN, { wait: true });
      expect(destroyed.status).toBe('failed');
      expect(destroyed.error?.code).toBe('NETWORK_IN_USE');
      expect(destroyed.error?.message).toContain('"f1-stranger", not the template\'s, is attached');
      expect(engine.container('f1-stranger')?.running).toBe(true);
      await engine.removeContainer(stranger, true);
      await runtime.destroy('f1', ADMIN, { wait: true });
      expect(engine.network('f1-net')).toBeUndefined();
    });
  });
});
