import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, runContainer } from '../support/engine';
import { runPrefix } from '../support/names';

// A network that a stopped or created-but-not-started container refers to is in use: the engine
// counts only running endpoints, but removing it leaves the container unable to ever start.
// Every network here is this file's own (its prefix and the label `piu=<prefix>`); `all: true`
// is run only with that label filter, so no other file's networks are touched.
describe('prune and remove: networks that containers in any state use', () => {
  const p = runPrefix('pruneinuse');
  let t: TestApp;
  const keys: Record<string, string> = {};

  const engineNetworks = async (): Promise<string[]> =>
    (await docker.listNetworks())
      .map((n) => n.Name)
      .filter((n) => n.startsWith(p))
      .sort();
  const create = async (name: string, extra: Record<string, string> = {}) =>
    (
      await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}${name}`, labels: { [TEST_LABEL]: p, piu: p, ...extra } })
        .expect(201)
    ).body as { id: string };
  const makeKey = async (name: string, role: string, scope?: Record<string, string>) =>
    (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}${name}`, role, ...(scope ? { scope } : {}) })
        .expect(201)
    ).body.key as string;
  // A container that ran on the network and was stopped, and one created on it but never started.
  const stoppedOn = async (network: string, name: string) => {
    await runContainer(`${p}${name}`, { network: `${p}${network}` });
    await docker.getContainer(`${p}${name}`).stop({ t: 0 });
    expect((await docker.getContainer(`${p}${name}`).inspect()).State.Status).toBe('exited');
  };
  const createdOn = async (network: string, name: string) => {
    await runContainer(`${p}${name}`, { network: `${p}${network}`, start: false });
    expect((await docker.getContainer(`${p}${name}`).inspect()).State.Status).toBe('created');
  };
  const removeContainer = (name: string) => docker.getContainer(`${p}${name}`).remove({ force: true });

  beforeAll(async () => {
    t = await startApp();
    keys.operator = await makeKey('operator', 'operator');
    keys.scoped = await makeKey('scoped', 'operator', { team: `t-${p}` });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('DELETE of a network a stopped or created container uses is 409 NETWORK_IN_USE naming them; the network stays', async () => {
    await create('del-stopped', { team: `t-${p}` });
    await create('del-created');
    await stoppedOn('del-stopped', 'c-stopped');
    await createdOn('del-created', 'c-created');

    const stopped = await t.http.delete(`/api/v1/networks/${p}del-stopped`).expect(409);
    expect(stopped.body.code).toBe('NETWORK_IN_USE');
    expect(stopped.body.detail).toContain(`${p}c-stopped (exited)`);
    expect(stopped.body.detail).toMatch(/remove .*or disconnect/i);

    const created = await t.gql(`mutation { removeNetwork(ref: "${p}del-created") }`).expect(200);
    expect(created.body.errors?.[0]?.extensions?.code).toBe('NETWORK_IN_USE');
    expect(created.body.errors[0].message).toContain(`${p}c-created (created)`);

    // A scoped key that may change the network is told there is a container it cannot see.
    const scoped = await t.as(keys.scoped).delete(`/api/v1/networks/${p}del-stopped`).expect(409);
    expect(scoped.body.code).toBe('NETWORK_IN_USE');
    expect(scoped.body.detail).toContain('1 container outside your scope');
    expect(scoped.body.detail).not.toContain(`${p}c-stopped`);

    expect(await engineNetworks()).toEqual([`${p}del-created`, `${p}del-stopped`]);
    // The stopped container can still start.
    await docker.getContainer(`${p}c-stopped`).start();
    expect((await docker.getContainer(`${p}c-stopped`).inspect()).State.Running).toBe(true);

    await removeContainer('c-stopped');
    await removeContainer('c-created');
    await t.http.delete(`/api/v1/networks/${p}del-stopped`).expect(204);
    await t.http.delete(`/api/v1/networks/${p}del-created`).expect(204);
    expect(await engineNetworks()).toEqual([]);
  });

  it('prune (operator REST, admin GraphQL, admin all: true) skips networks stopped or created containers use', async () => {
    await create('pr-stopped');
    await create('pr-created');
    await create('pr-free1');
    await stoppedOn('pr-stopped', 'p-stopped');
    await createdOn('pr-created', 'p-created');
    const used = [`${p}pr-created`, `${p}pr-stopped`];

    const op = await t
      .as(keys.operator)
      .post('/api/v1/networks/prune')
      .send({ labels: [`piu=${p}`] })
      .expect(200);
    expect(op.body.removed).toEqual([`${p}pr-free1`]);
    expect(await engineNetworks()).toEqual(used);

    await create('pr-free2');
    const admin = await t
      .gql('mutation($l: [String!]) { pruneNetworks(input: { labels: $l }) { removed } }', {
        l: [`piu=${p}`],
      })
      .expect(200);
    expect(admin.body.errors).toBeUndefined();
    expect(admin.body.data.pruneNetworks.removed).toEqual([`${p}pr-free2`]);
    expect(await engineNetworks()).toEqual(used);

    // all: true, limited to this file's networks by the label; one made straight on the engine too.
    await create('pr-free3');
    await docker.createNetwork({ Name: `${p}pr-raw`, Labels: { [TEST_LABEL]: p, piu: p } });
    const all = await t.http
      .post('/api/v1/networks/prune')
      .send({ all: true, labels: [`piu=${p}`] })
      .expect(200);
    expect(all.body.removed).toEqual([`${p}pr-free3`, `${p}pr-raw`]);
    expect(await engineNetworks()).toEqual(used);
    const allGql = await t
      .gql('mutation($l: [String!]) { pruneNetworks(input: { all: true, labels: $l }) { removed } }', {
        l: [`piu=${p}`],
      })
      .expect(200);
    expect(allGql.body.errors).toBeUndefined();
    expect(allGql.body.data.pruneNetworks.removed).toEqual([]);
    expect(await engineNetworks()).toEqual(used);

    // Both containers can still start.
    await docker.getContainer(`${p}p-stopped`).start();
    await docker.getContainer(`${p}p-created`).start();

    // The audit log records the prune with what it removed.
    const audit = (await t.http.get('/api/v1/audit-logs').query({ limit: 200 }).expect(200)).body.items as {
      action: string;
      outcome: string | null;
    }[];
    expect(audit.filter((e) => e.action === 'network.prune').length).toBeGreaterThanOrEqual(4);

    await removeContainer('p-stopped');
    await removeContainer('p-created');
    const last = await t.http
      .post('/api/v1/networks/prune')
      .send({ labels: [`piu=${p}`] })
      .expect(200);
    expect(last.body.removed).toEqual(used);
    expect(await engineNetworks()).toEqual([]);
  });

  it('a query string on prune or remove is refused, not ignored; a null body is a 400', async () => {
    await create('qs');
    const prune = await t.http.post(`/api/v1/networks/prune?all=true&labels=x=1`).send({}).expect(400);
    expect(prune.body.code).toBe('VALIDATION_FAILED');
    expect(prune.body.detail).toContain('JSON body');
    expect(JSON.stringify(prune.body.errors)).toContain('all');
    const del = await t.http.delete(`/api/v1/networks/${p}qs?force=true`).expect(400);
    expect(del.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(del.body.errors)).toContain('force');
    expect(await engineNetworks()).toEqual([`${p}qs`]);

    for (const path of ['/api/v1/networks/prune', '/api/v1/networks']) {
      const res = await t.http.post(path).set('content-type', 'application/json').send('null').expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await engineNetworks()).toEqual([`${p}qs`]);
    await t.http.delete(`/api/v1/networks/${p}qs`).expect(204);
  });

  it('prune labels are validated like list label filters', async () => {
    for (const labels of [[''], ['='], ['=x']]) {
      const res = await t.http.post('/api/v1/networks/prune').send({ labels }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors[0].message).toMatch(/key/);
    }
    const notList = await t.http.post('/api/v1/networks/prune').send({ labels: 'x' }).expect(400);
    expect(notList.body.errors[0].message).not.toContain('16 elements');
    expect(notList.body.errors[0].message).toMatch(/array|list/);
    // The list filters say the same.
    for (const label of ['=', '=x']) {
      const res = await t.http.get('/api/v1/networks').query({ label }).expect(400);
      expect(res.body.errors[0].message).toContain('no label key');
    }
    // GraphQL too.
    const gql = await t.gql('mutation { pruneNetworks(input: { labels: ["=x"] }) { removed } }').expect(200);
    expect(gql.body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('reserved label keys are refused whatever their case', async () => {
    for (const key of ['IO.SWITCHYARD.instance', 'Io.Switchyard.managed']) {
      const res = await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}case`, labels: { [key]: 'x' } })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors[0].message).toContain('reserved');
    }
    expect(await engineNetworks()).toEqual([]);
  });
  it('a container whose network was removed outside Switchyard shows it as removed, not as outside the scope', async () => {
    const net = await docker.createNetwork({ Name: `${p}gone`, Labels: { [TEST_LABEL]: p } });
    await docker.createContainer({
      name: `${p}orphan`,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: '1', team: `t-${p}` },
      HostConfig: { NetworkMode: `${p}gone` },
    });
    // Straight on the engine, which counts only running endpoints.
    await net.remove();
    const seen = await t.as(keys.scoped).get(`/api/v1/containers/${p}orphan`).expect(200);
    // The id prefix is told where the engine kept it in the container's settings.
    expect([`(removed network ${net.id.slice(0, 12)})`, '(removed network)']).toContain(
      seen.body.networkMode,
    );
    await removeContainer('orphan');
  });
});
