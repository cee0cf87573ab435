import { storeTemplate } from '../support/template-records';
import type { Actor } from '../../src/auth/roles';
import { TemplateRuntime } from '../../src/templates/apply/template-runtime';
import { DeploymentEntity, TemplateEntity } from '../../src/templates/template.entity';
import type { Deployment, TemplateDocument, TemplateRecord } from '../../src/templates/template.types';
import { DataSource } from 'typeorm';
import { CONTAINER_ENGINE, type ContainerEngine } from '../../src/engine/engine.port';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// The template runtime through the Nest app on the real engine: apply, no-op re-apply, drift and
// repair, rollback of a failed step and of a failed replacement, concurrent applies, expectations,
// destroy. Templates are stored as rows directly (the transports are tested elsewhere).
// Subnets of this file: 10.163.0.0/16.

const ADMIN: Actor = { keyId: 'test-admin', name: 'test-admin', role: 'admin', scope: {} };
const MAC = '02:5e:0a:a3:01:0a';

describe('template runtime on the engine', () => {
  const p = runPrefix('tplrt');
  const name = `${p}lab`;
  let t: TestApp;
  let runtime: TemplateRuntime;
  let data: DataSource;

  const n = (x: string) => `${p}${x}`;
  const doc = (
    extra: {
      web?: Record<string, unknown>;
      expectations?: TemplateDocument['expectations'];
      more?: Record<string, unknown>;
    } = {},
  ): TemplateDocument => ({
    name,
    labels: { [TEST_LABEL]: p },
    networks: {
      [n('front')]: { ipam: { config: [{ subnet: '10.163.1.0/24' }] } },
      [n('back')]: { internal: true, ipam: { config: [{ subnet: '10.163.2.0/24' }] } },
      [n('side')]: { ipam: { config: [{ subnet: '10.163.3.0/24' }] } },
    },
    containers: {
      [n('web')]: {
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: {
          [n('front')]: { ipv4Address: '10.163.1.10', macAddress: MAC },
          [n('back')]: { ipv4Address: '10.163.2.10', aliases: ['www'] },
        },
        ...(extra.web ?? {}),
      },
      [n('db')]: {
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: { [n('back')]: { ipv4Address: '10.163.2.20' } },
      },
      [n('lone')]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [n('side')]: {} } },
      ...(extra.more ?? {}),
    } as TemplateDocument['containers'],
    expectations: extra.expectations ?? [
      { from: n('web'), to: n('db'), reachable: true },
      { from: n('web'), to: n('lone'), reachable: false },
    ],
  });

  let revision = 0;
  // Stores the document as the template's next revision, as the api service would.
  const store = (document: TemplateDocument): Promise<TemplateRecord> =>
    storeTemplate(data, { ...document, name }, { revision: ++revision, actor: 'test-admin' });

  // What the engine holds of this file: names, ids and states.
  const engineState = async () => {
    const containers = (await docker.listContainers({ all: true }))
      .filter((c) => c.Names.some((x) => x.startsWith(`/${p}`)))
      .map((c) => `${c.Names[0].slice(1)}:${c.Id}:${c.State}`)
      .sort();
    const networks = (await docker.listNetworks())
      .filter((x) => x.Name.startsWith(p))
      .map((x) => `${x.Name}:${x.Id}`)
      .sort();
    return { containers, networks };
  };
  const inspect = (x: string) => docker.getContainer(x).inspect();

  beforeAll(async () => {
    t = await startApp();
    runtime = t.app.get(TemplateRuntime);
    data = t.app.get(DataSource);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  let first: Deployment;
  let record: TemplateRecord;

  it('plans every resource as a create, then applies it: labels, addresses, MAC, internal network, expectations', async () => {
    record = await store(doc());
    const plan = await runtime.plan(record, ADMIN);
    expect(plan.conflicts).toEqual([]);
    expect(plan.actions.map((a) => `${a.action} ${a.kind} ${a.name.slice(p.length)}`).sort()).toEqual([
      'create container db',
      'create container lone',
      'create container web',
      'create network back',
      'create network front',
      'create network side',
    ]);
    first = await runtime.apply(record, ADMIN, { wait: true });
    expect(first.error).toBeNull();
    expect(first).toMatchObject({
      template: name,
      revision: 1,
      kind: 'apply',
      status: 'succeeded',
      actor: 'test-admin',
    });
    expect(first.actions.every((a) => a.status === 'succeeded' && a.durationMs !== null)).toBe(true);
    expect(first.expectations).toEqual([
      { from: n('web'), to: n('db'), reachable: true, passed: true, diagnosis: null },
      { from: n('web'), to: n('lone'), reachable: false, passed: true, diagnosis: null },
    ]);

    const web = await inspect(n('web'));
    expect(web.State.Running).toBe(true);
    expect(web.Config.Labels).toMatchObject({
      'io.switchyard.template': name,
      'io.switchyard.revision': '1',
      'io.switchyard.hash': expect.any(String),
      [TEST_LABEL]: p,
    });
    expect(web.NetworkSettings.Networks[n('front')]).toMatchObject({
      IPAddress: '10.163.1.10',
      MacAddress: MAC,
    });
    expect(web.NetworkSettings.Networks[n('back')].IPAddress).toBe('10.163.2.10');
    expect(web.NetworkSettings.Networks[n('back')].Aliases).toEqual(expect.arrayContaining(['www']));
    const back = await docker.getNetwork(n('back')).inspect();
    expect(back.Internal).toBe(true);
    expect(back.Labels).toMatchObject({ 'io.switchyard.template': name, 'io.switchyard.revision': '1' });

    const stored = await runtime.deployment(first.id, ADMIN);
    expect(stored).toEqual(first);
  });

  it('re-applies as all unchanged without touching the engine (same ids and Created times)', async () => {
    const before = await Promise.all([n('web'), n('db'), n('lone')].map(inspect));
    const nets = await Promise.all([n('front'), n('back')].map((x) => docker.getNetwork(x).inspect()));
    const plan = await runtime.plan(record, ADMIN);
    expect(plan.actions.every((a) => a.action === 'unchanged')).toBe(true);
    const again = await runtime.apply(record, ADMIN, { wait: true });
    expect(again.status).toBe('succeeded');
    expect(again.actions.every((a) => a.action === 'unchanged' && a.status === 'succeeded')).toBe(true);
    const after = await Promise.all([n('web'), n('db'), n('lone')].map(inspect));
    expect(after.map((c) => [c.Id, c.Created, c.State.StartedAt])).toEqual(
      before.map((c) => [c.Id, c.Created, c.State.StartedAt]),
    );
    const netsAfter = await Promise.all([n('front'), n('back')].map((x) => docker.getNetwork(x).inspect()));
    expect(netsAfter.map((x) => [x.Id, x.Created])).toEqual(nets.map((x) => [x.Id, x.Created]));
    const status = await runtime.status(name, record, ADMIN);
    expect(status).toEqual({
      template: name,
      deployed: true,
      revision: 1,
      inSync: true,
      drift: [],
      latestRevision: 1,
    });
  });

  it('sees a container stopped by hand as drift, and a re-apply starts it (same id)', async () => {
    const stopped = await inspect(n('lone'));
    await docker.getContainer(n('lone')).stop({ t: 0 });
    const status = await runtime.status(name, record, ADMIN);
    expect(status.inSync).toBe(false);
    expect(status.drift).toEqual([
      expect.objectContaining({
        kind: 'container',
        name: n('lone'),
        reason: expect.stringMatching(/stopped/),
      }),
    ]);
    const repaired = await runtime.apply(record, ADMIN, { wait: true });
    expect(repaired.status).toBe('succeeded');
    expect(repaired.actions.find((a) => a.name === n('lone'))).toMatchObject({
      action: 'recreate',
      status: 'succeeded',
    });
    const lone = await inspect(n('lone'));
    expect(lone.State.Running).toBe(true);
    expect(lone.Id).toBe(stopped.Id);
    expect((await runtime.status(name, record, ADMIN)).inSync).toBe(true);
    // The replaced container is gone (nothing renamed aside is left).
    expect((await engineState()).containers.filter((c) => c.includes('-sy-'))).toEqual([]);
  });

  it('fails the expectations that do not hold, with their diagnosis', async () => {
    const withFailing = await store(
      doc({
        expectations: [
          { from: n('web'), to: n('db'), reachable: true },
          { from: n('web'), to: n('lone'), reachable: true },
          { from: n('db'), to: n('web'), reachable: false },
        ],
      }),
    );
    const deployment = await runtime.apply(withFailing, ADMIN, { wait: true });
    expect(deployment.status).toBe('failed');
    expect(deployment.error).toMatchObject({ code: 'EXPECTATIONS_FAILED' });
    expect(deployment.expectations[0]).toMatchObject({ passed: true, reachable: true });
    expect(deployment.expectations[1]).toMatchObject({
      passed: false,
      reachable: false,
      diagnosis: { code: expect.stringMatching(/NO_SHARED_NETWORK|NAME_NOT_RESOLVED/) },
    });
    expect(deployment.expectations[2]).toMatchObject({
      passed: false,
      reachable: true,
      diagnosis: { code: 'REACHABLE', message: expect.stringContaining('10.163.2.10') },
    });
    record = await store(doc());
  });

  it('rolls back a failed step: the engine is as before (ids and names)', async () => {
    const before = await engineState();
    // A new container whose command the image does not have: it is created, then cannot start.
    const document = doc({
      more: {
        [n('clash')]: {
          image: TEST_IMAGE,
          command: ['/no-such-command'],
          networks: { [n('back')]: {} },
        },
        [n('extra')]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [n('new')]: {} } },
      },
    });
    document.networks![n('new')] = { ipam: { config: [{ subnet: '10.163.4.0/24' }] } };
    const colliding = await store(document);
    const deployment = await runtime.apply(colliding, ADMIN, { wait: true });
    expect(deployment.status).toBe('rolled_back');
    expect(deployment.error!.message).toMatch(new RegExp(`${n('clash')}.*put back`, 's'));
    expect(deployment.actions.find((a) => a.name === n('clash'))).toMatchObject({
      status: 'failed',
      error: expect.any(String),
    });
    expect(
      deployment.actions.filter((a) => a.action !== 'unchanged').every((a) => a.status !== 'succeeded'),
    ).toBe(true);
    expect(await engineState()).toEqual(before);
  });

  it('puts a replaced container back (same id, running) when its replacement fails', async () => {
    const before = await engineState();
    const oldWeb = await inspect(n('web'));
    // web's new command is not in the image: the replacement cannot start.
    const moved = await store(doc({ web: { command: ['/no-such-command'] } }));
    const deployment = await runtime.apply(moved, ADMIN, { wait: true });
    expect(deployment.status).toBe('rolled_back');
    expect(deployment.actions.find((a) => a.name === n('web'))).toMatchObject({
      action: 'recreate',
      status: 'failed',
    });
    const web = await inspect(n('web'));
    expect(web.Id).toBe(oldWeb.Id);
    expect(web.State.Running).toBe(true);
    expect(web.NetworkSettings.Networks[n('back')].IPAddress).toBe('10.163.2.10');
    expect(await engineState()).toEqual(before);
    record = await store(doc());
  });

  it('puts a replaced network back with its containers and their addresses when a later step fails', async () => {
    const before = await engineState();
    const oldLone = await inspect(n('lone'));
    const oldAddress = oldLone.NetworkSettings.Networks[n('side')].IPAddress;
    const document = doc({
      more: {
        [n('clash')]: { image: TEST_IMAGE, command: ['/no-such-command'], networks: { [n('back')]: {} } },
      },
    });
    // side changes: it is replaced, and lone on it with it.
    document.networks![n('side')] = { internal: true, ipam: { config: [{ subnet: '10.163.3.0/24' }] } };
    const deployment = await runtime.apply(await store(document), ADMIN, { wait: true });
    expect(deployment.status).toBe('rolled_back');
    expect(deployment.actions.find((a) => a.name === n('side'))).toMatchObject({ action: 'recreate' });
    const side = await docker.getNetwork(n('side')).inspect();
    expect(side.Internal).toBe(false);
    expect(side.IPAM?.Config).toEqual([expect.objectContaining({ Subnet: '10.163.3.0/24' })]);
    const lone = await inspect(n('lone'));
    expect(lone.Id).toBe(oldLone.Id);
    expect(lone.State.Running).toBe(true);
    expect(lone.NetworkSettings.Networks[n('side')].IPAddress).toBe(oldAddress);
    // The same containers; the network is back under a new id.
    const after = await engineState();
    expect(after.containers).toEqual(before.containers);
    expect(after.networks.map((x) => x.split(':')[0])).toEqual(before.networks.map((x) => x.split(':')[0]));
    record = await store(doc());
    // The next apply of the stored revision finds it in sync but for the network's new hash? No:
    // the put-back network carries its old labels, so nothing is to do.
    const again = await runtime.apply(record, ADMIN, { wait: true });
    expect(again.actions.every((a) => a.action === 'unchanged')).toBe(true);
  });

  it('answers TEMPLATE_BUSY to a second apply while one runs, and shows progress of a running one', async () => {
    // Two applies at once: whichever takes the template first runs, the other is refused.
    const settled = await Promise.allSettled([
      runtime.apply(record, ADMIN, { wait: true }),
      runtime.apply(record, ADMIN, { wait: true }),
    ]);
    const won = settled.filter((r): r is PromiseFulfilledResult<Deployment> => r.status === 'fulfilled');
    const lost = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ reason: { code: 'TEMPLATE_BUSY' } });
    const reason = lost[0].reason as { context: { deployment: string }; message: string };
    expect(reason.message).toContain(reason.context.deployment);
    expect(won[0].value.id).toBe(reason.context.deployment);

    const running = await runtime.apply(record, ADMIN, { wait: false });
    expect(running.status).toBe('running');
    await expect(runtime.destroy(name, ADMIN, { wait: true })).rejects.toMatchObject({
      code: 'TEMPLATE_BUSY',
    });
    const done = await waitFor(
      async () => {
        const d = await runtime.deployment(running.id, ADMIN);
        return d.status === 'running' ? null : d;
      },
      { what: 'the background apply to finish' },
    );
    expect(done.status).toBe('succeeded');
  });

  it('refuses a template that declares a name someone else holds, before any change', async () => {
    await docker.createContainer({
      name: n('squatter'),
      Image: TEST_IMAGE,
      Cmd: ['sleep', '60'],
      Labels: { [TEST_LABEL]: p },
    });
    // A container made straight on the engine shows in the service's reads once its event is
    // applied (the read model): wait for that, as a client of the service would see it.
    const engine = t.app.get<ContainerEngine>(CONTAINER_ENGINE);
    await waitFor(
      async () => (await engine.listContainers({ all: true })).some((c) => c.names.includes(n('squatter'))),
      { what: 'the squatter in the service reads' },
    );
    const squatting = await store(
      doc({ more: { [n('squatter')]: { image: TEST_IMAGE, command: ['sleep', '3600'] } } }),
    );
    const count = await data.getRepository(DeploymentEntity).countBy({ template: name });
    await expect(runtime.apply(squatting, ADMIN, { wait: true })).rejects.toMatchObject({
      code: 'RESOURCE_NOT_OWNED',
      context: { conflicts: [expect.objectContaining({ kind: 'container', name: n('squatter') })] },
    });
    expect(await data.getRepository(DeploymentEntity).countBy({ template: name })).toBe(count);
    record = await store(doc());
  });

  it('marks deployments that were running at startup as interrupted', async () => {
    await data.getRepository(DeploymentEntity).save({
      id: 'interrupted-1',
      template: name,
      revision: 1,
      kind: 'apply',
      status: 'running',
      actionsJson: '[]',
      expectationsJson: '[]',
      actor: 'test-admin',
      actorKeyId: null,
      startedAt: '2000-01-01T00:00:00.000Z',
      finishedAt: null,
      errorJson: null,
    });
    await runtime.onApplicationBootstrap();
    expect(await runtime.deployment('interrupted-1', ADMIN)).toMatchObject({
      status: 'interrupted',
      error: { code: 'INTERRUPTED' },
      finishedAt: expect.any(String),
    });
  });

  it('converges after an apply that was cut short: a container left renamed aside is removed', async () => {
    // What a service killed mid-replacement leaves: the old container renamed aside and stopped,
    // its replacement not created yet.
    const old = await inspect(n('db'));
    await docker.getContainer(old.Id).rename({ name: `${n('db')}-sy-deadbeef` });
    await docker.getContainer(old.Id).stop({ t: 0 });
    const status = await runtime.status(name, record, ADMIN);
    expect(status.drift.map((d) => d.name).sort()).toEqual([n('db'), `${n('db')}-sy-deadbeef`].sort());
    const converged = await runtime.apply(record, ADMIN, { wait: true });
    expect(converged.error).toBeNull();
    expect(
      converged.actions
        .filter((a) => a.action !== 'unchanged')
        .map((a) => `${a.action} ${a.name}`)
        .sort(),
    ).toEqual([`create ${n('db')}`, `remove ${n('db')}-sy-deadbeef`].sort());
    const db = await inspect(n('db'));
    expect(db.Id).not.toBe(old.Id);
    expect(db.NetworkSettings.Networks[n('back')].IPAddress).toBe('10.163.2.20');
    expect((await engineState()).containers.filter((c) => c.includes('-sy-'))).toEqual([]);
    expect((await runtime.status(name, record, ADMIN)).inSync).toBe(true);
  });

  it('destroys exactly what the template owns, also after delete; deployments page newest first', async () => {
    // Look-alikes without the template's label survive.
    await docker.createNetwork({ Name: n('front-copy'), Labels: { [TEST_LABEL]: p } });
    await docker.createContainer({
      name: n('web-copy'),
      Image: TEST_IMAGE,
      Cmd: ['sleep', '60'],
      Labels: { [TEST_LABEL]: p },
    });
    await data.getRepository(TemplateEntity).update({ name }, { deletedAt: new Date().toISOString() });
    // Deleted: compared with the last applied revision's document (its rows stay).
    const gone = await runtime.status(name, null, ADMIN);
    expect(gone).toMatchObject({ deployed: true, revision: expect.any(Number), latestRevision: null });
    expect(JSON.stringify(gone.drift)).not.toMatch(/revision 0/);

    const destroyed = await runtime.destroy(name, ADMIN, { wait: true });
    expect(destroyed).toMatchObject({ kind: 'destroy', status: 'succeeded', error: null });
    expect(destroyed.actions).toHaveLength(6);
    const left = await engineState();
    expect(left.containers.map((c) => c.split(':')[0]).sort()).toEqual([n('squatter'), n('web-copy')]);
    expect(left.networks.map((x) => x.split(':')[0])).toEqual([n('front-copy')]);
    expect(await runtime.status(name, null, ADMIN)).toEqual({
      template: name,
      deployed: false,
      revision: null,
      inSync: true,
      drift: [],
      latestRevision: null,
    });

    const page1 = await runtime.deployments(name, ADMIN, { limit: 2 });
    expect(page1.items[0].id).toBe(destroyed.id);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await runtime.deployments(name, ADMIN, { limit: 2, cursor: page1.nextCursor! });
    expect(page2.items).toHaveLength(2);
    expect(page2.items[0].startedAt <= page1.items[1].startedAt).toBe(true);
    await expect(runtime.deployment('nope', ADMIN)).rejects.toMatchObject({ code: 'DEPLOYMENT_NOT_FOUND' });
    const scoped: Actor = { ...ADMIN, role: 'operator', scope: { team: 'other' } };
    await expect(runtime.deployment(destroyed.id, scoped)).rejects.toMatchObject({
      code: 'DEPLOYMENT_NOT_FOUND',
    });
    await expect(runtime.deployments(name, scoped, { limit: 5 })).rejects.toMatchObject({
      code: 'TEMPLATE_NOT_FOUND',
    });
    await expect(runtime.destroy(`${p}never`, ADMIN, { wait: true })).rejects.toMatchObject({
      code: 'TEMPLATE_NOT_FOUND',
    });
  });
});
