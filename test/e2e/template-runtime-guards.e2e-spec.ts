import { storeTemplate } from '../support/template-records';
import { DataSource } from 'typeorm';
import type { Actor } from '../../src/auth/roles';
import { TemplateRuntime } from '../../src/templates/apply/template-runtime';
import { TemplateEntity } from '../../src/templates/template.entity';
import type { TemplateDocument, TemplateRecord } from '../../src/templates/template.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';

// The runtime's guards on the real engine: a reused name never reaches another key scope's
// resources or deployments; policy is checked again for the key that applies or destroys; a
// stopped container is started (same id); expectation diagnoses advise the template fix; a
// container that is not the template's on its network is drift, and named when destroy fails.
// Subnets of this file: 10.187.0.0/16.

const ADMIN: Actor = { keyId: 'test-admin', name: 'test-admin', role: 'admin', scope: {} };
const OPERATOR: Actor = { keyId: 'test-op', name: 'test-op', role: 'operator', scope: {} };

describe('template runtime guards on the engine', () => {
  const p = runPrefix('tplg');
  const n = (x: string) => `${p}${x}`;
  let t: TestApp;
  let runtime: TemplateRuntime;
  let data: DataSource;

  // Stores `document` as revision `revision` of its template, a new life from `first`.
  const store = (document: TemplateDocument, revision = 1, first = revision): Promise<TemplateRecord> =>
    storeTemplate(data, document, { revision, firstRevision: first });

  const pair = (name: string, labels: Record<string, string>, subnet: string): TemplateDocument => ({
    name,
    labels: { [TEST_LABEL]: p, ...labels },
    networks: { [`${name}-net`]: { ipam: { config: [{ subnet }] } } },
    containers: {
      [`${name}-c`]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [`${name}-net`]: {} } },
    },
  });

  const ids = async () =>
    (await docker.listContainers({ all: true }))
      .filter((c) => c.Names.some((x) => x.startsWith(`/${p}`)))
      .map((c) => `${c.Names[0]}:${c.Id}`)
      .sort();

  beforeAll(async () => {
    t = await startApp();
    runtime = t.app.get(TemplateRuntime);
    data = t.app.get(DataSource);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it("a reused name never reaches another scope's resources or deployments", async () => {
    const keyA: Actor = { keyId: 'ka', name: 'key-a', role: 'operator', scope: { rtteam: `${p}a` } };
    const keyB: Actor = { keyId: 'kb', name: 'key-b', role: 'operator', scope: { rtteam: `${p}b` } };
    const x = n('x');
    const applied = await runtime.apply(await store(pair(x, keyA.scope, '10.187.1.0/24')), keyA, {
      wait: true,
    });
    expect(applied.status).toBe('succeeded');
    const before = await ids();
    const network = (await docker.getNetwork(`${x}-net`).inspect()) as { Id: string };
    // X deleted (its resources stay), then key B creates X.
    await data.getRepository(TemplateEntity).update({ name: x }, { deletedAt: new Date().toISOString() });
    const second = await store(pair(x, keyB.scope, '10.187.2.0/24'), 2, 2);

    const plan = await runtime.plan(second, keyB);
    expect(plan.actions).toEqual([]);
    expect(plan.conflicts.map((c) => c.reason)).toEqual([
      'a network with this name exists that this template does not own',
      'a container with this name exists that this template does not own',
    ]);
    expect(JSON.stringify(plan)).not.toContain('owned by template');
    await expect(runtime.apply(second, keyB, { wait: true })).rejects.toMatchObject({
      code: 'RESOURCE_NOT_OWNED',
    });
    expect(await runtime.status(x, second, keyB)).toMatchObject({
      deployed: false,
      revision: null,
      drift: [],
    });
    const destroyed = await runtime.destroy(x, keyB, { wait: true });
    expect(destroyed.actions).toEqual([]);
    expect(await ids()).toEqual(before);
    expect(((await docker.getNetwork(`${x}-net`).inspect()) as { Id: string }).Id).toBe(network.Id);

    const page = await runtime.deployments(x, keyB, { limit: 50 });
    expect(page.items.map((d) => d.id)).toEqual([destroyed.id]);
    await expect(runtime.deployment(applied.id, keyB)).rejects.toMatchObject({
      code: 'DEPLOYMENT_NOT_FOUND',
    });
  });

  it("re-checks policy for the calling key: an admin's host-network template is not an operator's", async () => {
    const document: TemplateDocument = {
      name: n('hostly'),
      labels: { [TEST_LABEL]: p },
      containers: { [n('hostly-c')]: { image: TEST_IMAGE, command: ['sleep', '3600'], networkMode: 'host' } },
    };
    const record = await store(document);
    const before = await ids();
    await expect(runtime.apply(record, OPERATOR, { wait: true })).rejects.toMatchObject({
      code: 'TEMPLATE_INVALID',
    });
    expect(await ids()).toEqual(before);
    expect((await runtime.deployments(n('hostly'), ADMIN, { limit: 5 })).items).toEqual([]);

    expect((await runtime.apply(record, ADMIN, { wait: true })).status).toBe('succeeded');
    await expect(runtime.destroy(n('hostly'), OPERATOR, { wait: true })).rejects.toMatchObject({
      code: 'POLICY_VIOLATION',
    });
    expect((await docker.getContainer(n('hostly-c')).inspect()).State.Running).toBe(true);
    expect((await runtime.destroy(n('hostly'), ADMIN, { wait: true })).status).toBe('succeeded');
  });

  it('diagnoses failed expectations with the template fix, never a route', async () => {
    const document: TemplateDocument = {
      name: n('diag'),
      labels: { [TEST_LABEL]: p },
      networks: {
        [n('da')]: { ipam: { config: [{ subnet: '10.187.3.0/24' }] } },
        [n('db')]: { ipam: { config: [{ subnet: '10.187.4.0/24' }] } },
      },
      containers: {
        [n('dx')]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [n('da')]: {} } },
        [n('dy')]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [n('db')]: {} } },
        [n('dz')]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [n('da')]: {} } },
      },
      expectations: [
        { from: n('dx'), to: n('dy'), reachable: true },
        { from: n('dx'), to: n('dz'), reachable: false },
      ],
    };
    const deployment = await runtime.apply(await store(document), ADMIN, { wait: true });
    expect(deployment.status).toBe('failed');
    const [shared, reached] = deployment.expectations;
    expect(shared.diagnosis?.code).toMatch(/NO_SHARED_NETWORK|NAME_NOT_RESOLVED/);
    if (shared.diagnosis?.code === 'NO_SHARED_NETWORK')
      expect(shared.diagnosis.message).toContain('Add a network both containers join in the template');
    expect(reached.diagnosis).toMatchObject({ code: 'REACHABLE' });
    expect(reached.diagnosis?.message).toContain(`containers.${n('dx')}.networks`);
    expect(reached.diagnosis?.message).not.toMatch(/internal/);
    for (const e of deployment.expectations)
      expect(e.diagnosis?.message ?? '').not.toMatch(/\/api\/v1|connectContainer|startContainer/);
    expect(deployment.error?.message).not.toMatch(/\/api\/v1/);
    await runtime.destroy(n('diag'), ADMIN, { wait: true });
  });

  it('starts a stopped container as it is (same id)', async () => {
    const record = await store(pair(n('rep'), {}, '10.187.5.0/24'));
    await runtime.apply(record, ADMIN, { wait: true });
    const before = await docker.getContainer(n('rep-c')).inspect();
    await docker.getContainer(n('rep-c')).stop({ t: 0 });
    const plan = await runtime.plan(record, ADMIN);
    expect(plan.actions.find((a) => a.name === n('rep-c'))?.reason).toMatch(/will be started/);
    expect((await runtime.apply(record, ADMIN, { wait: true })).status).toBe('succeeded');
    const after = await docker.getContainer(n('rep-c')).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(true);
    await runtime.destroy(n('rep'), ADMIN, { wait: true });
  });

  it("shows a container that is not the template's on its network, and names it when destroy fails", async () => {
    const record = await store(pair(n('f'), {}, '10.187.6.0/24'));
    await runtime.apply(record, ADMIN, { wait: true });
    const stranger = await docker.createContainer({
      name: n('stranger'),
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: p },
      HostConfig: { NetworkMode: n('f-net') },
    });
    await stranger.start();
    const status = await runtime.status(n('f'), record, ADMIN);
    expect(status.inSync).toBe(false);
    expect(status.drift).toContainEqual({
      kind: 'network',
      name: n('f-net'),
      reason: `container ${n('stranger')}, not the template's, is attached to network ${n('f-net')}`,
    });
    const destroyed = await runtime.destroy(n('f'), ADMIN, { wait: true });
    expect(destroyed.status).toBe('failed');
    expect(destroyed.error?.code).toBe('NETWORK_IN_USE');
    expect(destroyed.error?.message).toContain(`"${n('stranger')}", not the template's, is attached`);
    expect((await stranger.inspect()).State.Running).toBe(true);
    await stranger.remove({ force: true });
    expect((await runtime.destroy(n('f'), ADMIN, { wait: true })).status).toBe('succeeded');
  });

  it("never names a container outside the scoped key's scope attached to its network", async () => {
    const keyA: Actor = { keyId: 'ka', name: 'key-a', role: 'operator', scope: { rtteam: `${p}a` } };
    const record = await store(pair(n('g'), keyA.scope, '10.187.7.0/24'));
    expect((await runtime.apply(record, keyA, { wait: true })).status).toBe('succeeded');
    const stranger = await docker.createContainer({
      name: n('hidden'),
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: p },
      HostConfig: { NetworkMode: n('g-net') },
    });
    await stranger.start();
    const status = await runtime.status(n('g'), record, keyA);
    expect(status.drift).toContainEqual({
      kind: 'network',
      name: n('g-net'),
      reason: `a container outside your scope, not the template's, is attached to network ${n('g-net')}`,
    });
    const destroyed = await runtime.destroy(n('g'), keyA, { wait: true });
    expect(destroyed.error?.code).toBe('NETWORK_IN_USE');
    expect(destroyed.error?.message).toContain('1 outside your scope');
    expect(JSON.stringify([status, destroyed])).not.toContain(n('hidden'));
    await stranger.remove({ force: true });
    expect((await runtime.destroy(n('g'), keyA, { wait: true })).status).toBe('succeeded');
  });
});
