import WebSocket from 'ws';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';

// Prune on a shared engine: two Switchyard instances (two databases) on the same test engine, and
// a network made straight on the engine. Every network here is this file's own (named with its
// prefix), and each instance is new, so its unfiltered prune can only find this file's networks.
// `all: true` is run only with a label filter no other file uses. Subnets of this file: 10.232.0.0/16.
describe('prune: only what this instance created', () => {
  const p = runPrefix('pruneinst');
  let a: TestApp;
  let b: TestApp;
  const keys: Record<string, string> = {};

  const instanceOf = async (t: TestApp): Promise<string> =>
    (await t.http.get('/health/ready').expect(200)).body.checks.database.instanceId as string;
  const engineNetworks = async (): Promise<string[]> =>
    (await docker.listNetworks())
      .map((n) => n.Name)
      .filter((n) => n.startsWith(p))
      .sort();
  const create = async (t: TestApp, name: string, extra: Record<string, unknown> = {}) =>
    (
      await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}${name}`, labels: { [TEST_LABEL]: p, ...extra } })
        .expect(201)
    ).body as { id: string; labels: Record<string, string> };
  const makeKey = async (name: string, role: string, scope?: Record<string, string>) =>
    (
      await a.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}${name}`, role, ...(scope ? { scope } : {}) })
        .expect(201)
    ).body.key as string;
  // The audit entries of one request, oldest first.
  const auditOf = async (requestId: string) =>
    (
      (await a.http.get('/api/v1/audit-logs').query({ limit: 500 }).expect(200)).body.items as {
        requestId: string;
        action: string;
        outcome: string | null;
        errorCode: string | null;
      }[]
    )
      .filter((e) => e.requestId === requestId)
      .map((e) => [e.action, e.outcome, e.errorCode]);

  beforeAll(async () => {
    a = await startApp();
    b = await startApp();
    keys.operator = await makeKey('operator', 'operator');
    keys.scopedAdmin = await makeKey('scoped-admin', 'admin', { team: `t-${p}` });
    keys.scopedOperator = await makeKey('scoped-operator', 'operator', { team: `t-${p}` });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await a?.close();
    await b?.close();
  });

  it('each instance has its own stable id, stamped on every network and container it creates', async () => {
    const [idA, idB] = [await instanceOf(a), await instanceOf(b)];
    expect(idA).toMatch(/^[0-9a-f-]{36}$/);
    expect(idB).toMatch(/^[0-9a-f-]{36}$/);
    expect(idA).not.toBe(idB);
    expect(await instanceOf(a)).toBe(idA);
    // Without a key the id is not told.
    expect((await a.anon.get('/health/ready').expect(200)).body.checks.database).toEqual({ status: 'up' });

    const net = await create(a, 'stamp', {});
    expect(net.labels).toMatchObject({ 'io.switchyard.instance': idA, 'io.switchyard.managed': 'true' });
    expect((await docker.getNetwork(net.id).inspect()).Labels).toMatchObject({
      'io.switchyard.instance': idA,
      'io.switchyard.managed': 'true',
    });
    await a.http
      .post('/api/v1/containers')
      .send({
        name: `${p}stamp-box`,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels: { [TEST_LABEL]: p },
      })
      .expect(201);
    expect((await docker.getContainer(`${p}stamp-box`).inspect()).Config.Labels).toMatchObject({
      'io.switchyard.instance': idA,
      'io.switchyard.managed': 'true',
    });
    await docker.getContainer(`${p}stamp-box`).remove({ force: true });
    await a.http.delete(`/api/v1/networks/${p}stamp`).expect(204);
  });

  it("A's prune (admin, operator; REST and GraphQL; with and without a label filter) never removes B's networks nor one made on the engine", async () => {
    await create(a, 'a1', { pi: p });
    await create(a, 'a2');
    await create(b, 'b1', { pi: p });
    await create(b, 'b2');
    // Made straight on the engine, even looking managed (an older Switchyard, or a hand copy).
    await docker.createNetwork({
      Name: `${p}raw`,
      Labels: { [TEST_LABEL]: p, pi: p, 'io.switchyard.managed': 'true' },
    });
    const all = [`${p}a1`, `${p}a2`, `${p}b1`, `${p}b2`, `${p}raw`];
    expect(await engineNetworks()).toEqual(all);

    // Label filter, admin over REST: only A's own with that label.
    const filtered = await a.http
      .post('/api/v1/networks/prune')
      .send({ labels: [`pi=${p}`] })
      .expect(200);
    expect(filtered.body.removed).toEqual([`${p}a1`]);
    expect(await engineNetworks()).toEqual([`${p}a2`, `${p}b1`, `${p}b2`, `${p}raw`]);

    // No filter, operator over GraphQL: the rest of A's, nothing else.
    const gql = await a.gql('mutation { pruneNetworks { removed } }', undefined, keys.operator).expect(200);
    expect(gql.body.errors).toBeUndefined();
    expect(gql.body.data.pruneNetworks.removed).toEqual([`${p}a2`]);
    expect(await engineNetworks()).toEqual([`${p}b1`, `${p}b2`, `${p}raw`]);

    // No filter, admin over REST, once A has nothing left: B's and the engine's stay.
    expect((await a.http.post('/api/v1/networks/prune').send({}).expect(200)).body.removed).toEqual([]);
    expect(await engineNetworks()).toEqual([`${p}b1`, `${p}b2`, `${p}raw`]);

    // B's own prune takes B's, and still not the one made on the engine.
    const fromB = await b.gql('mutation { pruneNetworks { removed } }').expect(200);
    expect(fromB.body.data.pruneNetworks.removed).toEqual([`${p}b1`, `${p}b2`]);
    expect(await engineNetworks()).toEqual([`${p}raw`]);
  });

  describe('all: true', () => {
    beforeAll(async () => {
      await docker.createNetwork({ Name: `${p}foreign`, Labels: { [TEST_LABEL]: p, pall: p } });
    });

    it.each(['operator', 'scopedAdmin', 'scopedOperator'])(
      'is refused for a %s key on REST and GraphQL (403 FORBIDDEN naming the admin role, audited as denied)',
      async (who) => {
        const rest = await a
          .as(keys[who])
          .post('/api/v1/networks/prune')
          .set('x-request-id', `${p}${who}-rest`)
          .send({ all: true, labels: [`pall=${p}`] })
          .expect(403);
        expect(rest.body.code).toBe('FORBIDDEN');
        expect(rest.body.detail).toMatch(/needs an unscoped admin key/);
        const gql = await a
          .gql(
            'mutation { pruneNetworks(input: { all: true, labels: ["pall=x"] }) { removed } }',
            undefined,
            keys[who],
          )
          .set('x-request-id', `${p}${who}-gql`);
        expect(gql.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', status: 403 });
        expect(gql.body.errors?.[0]?.message).toMatch(/needs an unscoped admin key/);
        expect(await auditOf(`${p}${who}-rest`)).toEqual([['network.prune', 'denied', 'FORBIDDEN']]);
        expect(await auditOf(`${p}${who}-gql`)).toEqual([['network.prune', 'denied', 'FORBIDDEN']]);
        expect(await engineNetworks()).toContain(`${p}foreign`);
      },
    );

    it('is refused for an operator key over graphql-ws too', async () => {
      await a.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (a.app.getHttpServer().address() as { port: number }).port;
      const answer = await new Promise<{ type: string; payload?: unknown }>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
        const timer = setTimeout(() => {
          ws.close();
          reject(new Error('no answer over graphql-ws within 20 s'));
        }, 20_000);
        ws.on('open', () =>
          ws.send(
            JSON.stringify({
              type: 'connection_init',
              payload: { authorization: `Bearer ${keys.operator}` },
            }),
          ),
        );
        ws.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString()) as { type: string; payload?: unknown };
          if (message.type === 'connection_ack') {
            ws.send(
              JSON.stringify({
                id: '1',
                type: 'subscribe',
                payload: {
                  query: `mutation { pruneNetworks(input: { all: true, labels: ["pall=${p}"] }) { removed } }`,
                },
              }),
            );
          } else if (message.type === 'next' || message.type === 'error') {
            clearTimeout(timer);
            ws.close();
            resolve(message);
          }
        });
        ws.on('error', reject);
      });
      const errors =
        (answer.payload as { errors?: { extensions?: { code?: string } }[] }).errors ?? answer.payload;
      expect(JSON.stringify(errors)).toContain('FORBIDDEN');
      expect(await engineNetworks()).toContain(`${p}foreign`);
    });

    it('an unscoped admin key removes unused networks it did not create (here only within a label filter)', async () => {
      const res = await a.http
        .post('/api/v1/networks/prune')
        .send({ all: true, labels: [`pall=${p}`] })
        .expect(200);
      expect(res.body.removed).toEqual([`${p}foreign`]);
      expect(await engineNetworks()).not.toContain(`${p}foreign`);
    });
  });
});
