import { createHash } from 'node:crypto';
import { canonical } from '../../src/audit/audit-hash';
import { AuditService } from '../../src/audit/audit.service';
import { startApp, type TestApp } from '../support/app';
import { csvRecords, sqlite, type Entry, type Page } from '../support/audit-log';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';

// Subnets of this file: 10.209.0.0/16.
describe('audit log', () => {
  const p = runPrefix('audit');
  let t: TestApp;

  const page = async (query: Record<string, unknown>): Promise<Page> =>
    (await t.http.get('/api/v1/audit-logs').query(query).expect(200)).body as Page;
  // Every entry that matches the filter, newest first.
  const listAll = async (filter: Record<string, unknown>): Promise<Entry[]> => {
    const items: Entry[] = [];
    let cursor: string | null = null;
    do {
      const res: Page = await page({ ...filter, limit: 500, ...(cursor ? { cursor } : {}) });
      items.push(...res.items);
      cursor = res.nextCursor;
    } while (cursor);
    return items;
  };
  // Entries of one request (by its id), oldest first.
  const entriesOf = async (requestId: string): Promise<Entry[]> =>
    (await listAll({})).filter((e) => e.requestId === requestId).sort((a, b) => a.id - b.id);
  const rest = async (method: 'post' | 'delete', url: string, body?: unknown) => {
    const res = await t.http[method](url)
      .set('x-request-id', `${p}${Math.random().toString(36).slice(2)}`)
      .send(body as object);
    return { res, entries: await entriesOf(res.headers['x-request-id']) };
  };
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const requestId = `${p}${Math.random().toString(36).slice(2)}`;
    const res = await t.gql(query, variables).set('x-request-id', requestId);
    return { res, entries: await entriesOf(requestId) };
  };
  const pair = (entries: Entry[], action: string, outcome = 'succeeded') => {
    expect(entries.map((e) => [e.phase, e.action, e.outcome])).toEqual([
      ['intent', action, null],
      ['outcome', action, outcome],
    ]);
    expect(entries[0].operationId).toBe(entries[1].operationId);
    expect(entries[1].actor).toBe('bootstrap-admin');
  };

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  describe('every mutation, on both transports', () => {
    it('records network create, connect, disconnect, remove and prune with before/after snapshots (REST)', async () => {
      const created = await rest('post', '/api/v1/networks', {
        name: `${p}net`,
        ipam: { config: [{ subnet: '10.209.1.0/24' }] },
      });
      expect(created.res.status).toBe(201);
      pair(created.entries, 'network.create');
      expect(created.entries[0].before).toBeNull();
      expect(created.entries[1].after).toMatchObject({ name: `${p}net`, id: created.res.body.id });
      expect(created.entries[1].target).toEqual({
        kind: 'network',
        name: `${p}net`,
        id: created.res.body.id,
      });
      expect(created.entries.every((e) => e.transport === 'rest')).toBe(true);

      await t.http
        .post('/api/v1/containers')
        .send({ name: `${p}box`, image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p } })
        .expect(201);
      const connected = await rest('post', `/api/v1/networks/${p}net/connections`, {
        container: `${p}box`,
        ipv4Address: '10.209.1.20',
      });
      pair(connected.entries, 'network.connect');
      expect(connected.entries[0].before?.endpoints).toEqual([]);
      expect(connected.entries[1].after?.endpoints).toEqual([
        expect.objectContaining({ containerName: `${p}box`, ipv4Address: '10.209.1.20' }),
      ]);

      const disconnected = await rest('delete', `/api/v1/networks/${p}net/connections/${p}box`);
      pair(disconnected.entries, 'network.disconnect');
      const removed = await rest('delete', `/api/v1/networks/${p}net`);
      pair(removed.entries, 'network.remove');
      expect(removed.entries[0].before).toMatchObject({ name: `${p}net` });
      expect(removed.entries[1].after).toBeNull();

      await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}spare`, labels: { auditprune: p } })
        .expect(201);
      const pruned = await rest('post', '/api/v1/networks/prune', { labels: [`auditprune=${p}`] });
      pair(pruned.entries, 'network.prune');
      expect(pruned.entries[1].detail).toContain(`${p}spare`);
    });

    it('records container run, stop, start, restart, exec and remove, with secrets redacted (REST)', async () => {
      const run = await rest('post', '/api/v1/containers', {
        name: `${p}svc`,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        env: { PASSWORD: 'hunter2' },
        labels: { [TEST_LABEL]: p },
      });
      expect(run.res.status).toBe(201);
      pair(run.entries, 'container.run');
      expect(run.entries[0].input).toMatchObject({
        input: { env: { PASSWORD: '[redacted]' }, name: `${p}svc` },
      });
      expect(JSON.stringify(run.entries)).not.toContain('hunter2');
      expect(run.entries[1].after).toMatchObject({ name: `${p}svc`, running: true });
      // What it created carries the operation id, for recovery after a crash.
      expect((run.entries[1].after?.labels as Record<string, string>)['io.switchyard.operation']).toBe(
        run.entries[0].operationId,
      );

      const stop = await rest('post', `/api/v1/containers/${p}svc/stop?timeout=0`);
      pair(stop.entries, 'container.stop');
      expect(stop.entries[0].before).toMatchObject({ running: true });
      expect(stop.entries[1].after).toMatchObject({ running: false });
      pair((await rest('post', `/api/v1/containers/${p}svc/start`)).entries, 'container.start');
      pair((await rest('post', `/api/v1/containers/${p}svc/restart?timeout=0`)).entries, 'container.restart');
      const exec = await rest('post', `/api/v1/containers/${p}svc/exec`, { command: ['sh', '-c', 'exit 7'] });
      pair(exec.entries, 'container.exec');
      expect(exec.entries[1].detail).toContain('code 7');
      const removed = await rest('delete', `/api/v1/containers/${p}svc?force=true`);
      pair(removed.entries, 'container.remove');
      expect(removed.entries[1].after).toBeNull();
    });

    it('records the same actions over GraphQL', async () => {
      const created = await gql(
        `mutation { createNetwork(input: { name: "${p}gnet", ipam: { config: [{ subnet: "10.209.2.0/24" }] } }) { id } }`,
      );
      pair(created.entries, 'network.create');
      expect(created.entries.every((e) => e.transport === 'graphql')).toBe(true);
      const run = await gql(`mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }`, {
        i: {
          name: `${p}gbox`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          labels: { [TEST_LABEL]: p },
          networks: [{ network: `${p}gnet` }],
        },
      });
      pair(run.entries, 'container.run');
      pair(
        (await gql(`mutation { exec(ref: "${p}gbox", input: { command: ["true"] }) { exitCode } }`)).entries,
        'container.exec',
      );
      pair(
        (await gql(`mutation { stopContainer(ref: "${p}gbox", timeout: 0) { state } }`)).entries,
        'container.stop',
      );
      pair((await gql(`mutation { startContainer(ref: "${p}gbox") { state } }`)).entries, 'container.start');
      pair(
        (await gql(`mutation { restartContainer(ref: "${p}gbox", timeout: 0) { state } }`)).entries,
        'container.restart',
      );
      pair(
        (await gql(`mutation { disconnectContainer(network: "${p}gnet", container: "${p}gbox") }`)).entries,
        'network.disconnect',
      );
      pair(
        (
          await gql(
            `mutation { connectContainer(network: "${p}gnet", input: { container: "${p}gbox" }) { network } }`,
          )
        ).entries,
        'network.connect',
      );
      pair(
        (await gql(`mutation { removeContainer(ref: "${p}gbox", force: true) }`)).entries,
        'container.remove',
      );
      pair((await gql(`mutation { removeNetwork(ref: "${p}gnet") }`)).entries, 'network.remove');
      pair(
        (await gql('mutation { pruneNetworks(input: { labels: ["none-such-label"] }) { removed } }')).entries,
        'network.prune',
      );
      const key = await gql(
        `mutation { createApiKey(input: { name: "${p}gkey", role: "viewer" }) { id key } }`,
      );
      pair(key.entries, 'apikey.create');
      expect(JSON.stringify(key.entries)).not.toContain(key.res.body.data.createApiKey.key);
      pair(
        (await gql(`mutation { revokeApiKey(id: "${key.res.body.data.createApiKey.id}") }`)).entries,
        'apikey.revoke',
      );
    });
  });

  describe('failures and refusals', () => {
    it('records an engine call that failed: intent, then the failed outcome with its code', async () => {
      await t.http
        .post('/api/v1/networks')
        .send({
          name: `${p}ipv`,
          driver: 'ipvlan',
          options: { parent: MACVLAN_PARENTS.audit },
          ipam: { config: [{ subnet: '10.209.5.0/24' }] },
        })
        .expect(201);
      const { res, entries } = await rest('post', '/api/v1/containers', {
        name: `${p}onipv`,
        image: TEST_IMAGE,
        networks: [{ network: `${p}ipv` }],
      });
      expect(res.status).toBe(422);
      pair(entries, 'container.run', 'failed');
      expect(entries[1].errorCode).toBe(res.body.code);
      // The parent is shared with another test file: give it back now.
      await t.http.delete(`/api/v1/networks/${p}ipv`).expect(204);
    });

    it('records a failure found before the engine as one outcome, and refusals as denied', async () => {
      const missing = await rest('delete', `/api/v1/networks/${p}does-not-exist`);
      expect(missing.res.status).toBe(404);
      expect(missing.entries.map((e) => [e.phase, e.action, e.outcome, e.errorCode])).toEqual([
        ['outcome', 'network.remove', 'failed', 'NETWORK_NOT_FOUND'],
      ]);

      const invalid = await rest('post', '/api/v1/networks', { name: 'bad/name' });
      expect(invalid.entries.map((e) => [e.action, e.outcome, e.errorCode])).toEqual([
        ['network.create', 'denied', 'VALIDATION_FAILED'],
      ]);

      const policy = await rest('post', '/api/v1/containers', {
        name: `${p}priv`,
        image: TEST_IMAGE,
        privileged: true,
      });
      expect(policy.entries.map((e) => [e.action, e.outcome, e.errorCode])).toEqual([
        ['container.run', 'denied', 'POLICY_VIOLATION'],
      ]);

      const viewer = (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}viewer`, role: 'viewer' })
          .expect(201)
      ).body.key as string;
      const forbidden = await t
        .as(viewer)
        .post('/api/v1/networks')
        .set('x-request-id', `${p}forbidden`)
        .send({ name: `${p}nope` })
        .expect(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
      expect(
        (await entriesOf(`${p}forbidden`)).map((e) => [e.action, e.actor, e.outcome, e.errorCode]),
      ).toEqual([['network.create', `${p}viewer`, 'denied', 'FORBIDDEN']]);

      await t.anon
        .post('/api/v1/networks')
        .set('x-request-id', `${p}anon`)
        .send({ name: `${p}nope` })
        .expect(401);
      const anon = await entriesOf(`${p}anon`);
      expect(anon.map((e) => [e.action, e.outcome, e.errorCode])).toEqual([
        ['POST /api/v1/networks', 'denied', 'UNAUTHENTICATED'],
      ]);
      expect(anon[0].actor).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);

      await t.as('sy_wrong').get('/api/v1/networks').set('x-request-id', `${p}wrongkey`).expect(401);
      expect((await entriesOf(`${p}wrongkey`)).map((e) => [e.action, e.outcome])).toEqual([
        ['GET /api/v1/networks', 'denied'],
      ]);

      await t.http
        .post('/api/v1/networks')
        .set('content-type', 'application/json')
        .set('x-request-id', `${p}badjson`)
        .send('{"name":')
        .expect(400);
      expect((await entriesOf(`${p}badjson`)).map((e) => [e.outcome, e.errorCode])).toEqual([
        ['denied', 'VALIDATION_FAILED'],
      ]);

      const bomb = `{ ${Array.from({ length: 30 }, (_, i) => `n${i}: networks { name }`).join(' ')} }`;
      await t.gql(bomb).set('x-request-id', `${p}bomb`).expect(400);
      expect(
        (await entriesOf(`${p}bomb`)).map((e) => [e.action, e.transport, e.outcome, e.errorCode]),
      ).toEqual([['graphql.document', 'graphql', 'denied', 'QUERY_TOO_COMPLEX']]);
      const gqlPolicy = await gql(
        `mutation { runContainer(input: { name: "${p}gpriv", image: "${TEST_IMAGE}", privileged: true }) { id } }`,
      );
      expect(gqlPolicy.entries.map((e) => [e.outcome, e.errorCode])).toEqual([
        ['denied', 'POLICY_VIOLATION'],
      ]);
    });

    it('answers and entries match for 100 concurrent mutations: 100 intents, 100 outcomes', async () => {
      for (let i = 0; i < 10; i++) {
        await t.http
          .post('/api/v1/containers')
          .send({
            name: `${p}par${i}`,
            image: TEST_IMAGE,
            command: ['sleep', '3600'],
            labels: { [TEST_LABEL]: p },
          })
          .expect(201);
      }
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          t.http.post(`/api/v1/containers/${p}par${i % 10}/start`).set('x-request-id', `${p}par-${i}`),
        ),
      );
      const all = (await listAll({ action: 'container.start' })).filter((e) =>
        e.requestId.startsWith(`${p}par-`),
      );
      expect(all.filter((e) => e.phase === 'intent')).toHaveLength(100);
      const outcomes = all.filter((e) => e.phase === 'outcome');
      expect(outcomes).toHaveLength(100);
      const outcomeOf = new Map(outcomes.map((e) => [e.requestId, e.outcome]));
      expect(responses.map((res) => [res.status, outcomeOf.get(res.headers['x-request-id'])])).toEqual(
        Array.from({ length: 100 }, () => [200, 'succeeded']),
      );
      expect(new Set(all.map((e) => e.operationId)).size).toBe(100);
      expect((await t.http.get('/api/v1/audit-logs/verify').expect(200)).body.ok).toBe(true);
      const running = await Promise.all(
        Array.from(
          { length: 10 },
          async (_, i) => (await docker.getContainer(`${p}par${i}`).inspect()).State.Running,
        ),
      );
      expect(running).toEqual(Array.from({ length: 10 }, () => true));
    });
  });

  describe('reading', () => {
    // Read-only fixture of the describe: entries written between `from` and `to`, mostly by an
    // admin key of its own (`reader`), so that the tests can tell exactly what they should find.
    const reader = `${p}reader`;
    const viewerName = `${p}rviewer`;
    const rd = [1, 2, 3, 4].map((i) => `${p}rd${i}`);
    let from: string;
    let to: string;

    beforeAll(async () => {
      from = new Date().toISOString();
      const key = (await t.http.post('/api/v1/api-keys').send({ name: reader, role: 'admin' }).expect(201))
        .body.key as string;
      for (const [i, name] of rd.entries()) {
        await t
          .as(key)
          .post('/api/v1/networks')
          .send({ name, ipam: { config: [{ subnet: `10.209.${11 + i}.0/24` }] } })
          .expect(201);
      }
      await t.as(key).post('/api/v1/networks').send({ name: rd[0] }).expect(409);
      for (const name of rd) await t.as(key).delete(`/api/v1/networks/${name}`).expect(204);
      await t
        .as(key)
        .post('/api/v1/containers')
        .send({
          name: `${p}rbox`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          labels: { [TEST_LABEL]: p },
        })
        .expect(201);
      for (let i = 0; i < 3; i++) {
        await t
          .as(key)
          .post(`/api/v1/containers/${p}rbox/exec`)
          .send({ command: ['true'] })
          .expect(200);
      }
      const viewer = (
        await t.http.post('/api/v1/api-keys').send({ name: viewerName, role: 'viewer' }).expect(201)
      ).body.key as string;
      await t
        .as(viewer)
        .post('/api/v1/networks')
        .send({ name: `${p}nope` })
        .expect(403);
      // More than a page (50) of entries in the range: refusals of requests without a key.
      await Promise.all(Array.from({ length: 60 }, () => t.anon.get('/api/v1/networks').expect(401)));
      to = new Date(Date.now() + 1).toISOString();
    });

    it('filters, pages newest first, and exports NDJSON and CSV for a time range', async () => {
      const byAction = await page({ action: 'network.create', outcome: 'succeeded', limit: 2 });
      expect(byAction.items.length).toBe(2);
      expect(byAction.items[0].id).toBeGreaterThan(byAction.items[1].id);
      expect(byAction.items.every((e) => e.action === 'network.create' && e.outcome === 'succeeded')).toBe(
        true,
      );
      const next = await page({
        action: 'network.create',
        outcome: 'succeeded',
        limit: 2,
        cursor: byAction.nextCursor,
      });
      expect(next.items[0].id).toBeLessThan(byAction.items[1].id);
      // With the actor as well: exactly the reader's four networks, two a page, then no cursor.
      const mine = { action: 'network.create', outcome: 'succeeded', actor: reader, limit: 2 };
      const first = await page(mine);
      const second = await page({ ...mine, cursor: first.nextCursor });
      expect([...first.items, ...second.items].map((e) => e.target.name)).toEqual([...rd].reverse());
      expect(second.nextCursor).toBeNull();

      const byTarget = await page({ target: rd[0] });
      expect(byTarget.items.map((e) => [e.action, e.phase, e.outcome])).toEqual([
        ['network.remove', 'outcome', 'succeeded'],
        ['network.remove', 'intent', null],
        ['network.create', 'outcome', 'failed'],
        ['network.create', 'outcome', 'succeeded'],
        ['network.create', 'intent', null],
      ]);
      const byActor = await page({ actor: viewerName });
      expect(byActor.items.map((e) => e.errorCode)).toEqual(['FORBIDDEN']);
      expect((await page({ from: '2999-01-01T00:00:00Z' })).items).toEqual([]);
      const bad = await t.http
        .get('/api/v1/audit-logs')
        .query({ outcome: 'maybe', from: 'yesterday' })
        .expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'outcome']);

      const exported = (format: string, filter: Record<string, unknown>) =>
        t.http
          .get('/api/v1/audit-logs')
          .query({ format, ...filter })
          .buffer(true)
          .parse((res, done) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => done(null, text));
          });
      // An export holds the same entries as the pages of the same filter, oldest first.
      const idsOf = async (filter: Record<string, unknown>) =>
        (await listAll(filter)).map((e) => e.id).sort((a, b) => a - b);

      const creates = { from, to, action: 'network.create' };
      const ndjson = await exported('ndjson', creates);
      expect(ndjson.status).toBe(200);
      expect(ndjson.headers['content-type']).toContain('application/x-ndjson');
      const lines = (ndjson.body as string)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Entry);
      expect(lines.every((e) => e.action === 'network.create')).toBe(true);
      expect(lines.map((e) => e.id)).toEqual(await idsOf(creates));
      // The reader's four creates (intent and outcome) and its refused duplicate.
      expect(lines.filter((e) => e.actor === reader)).toHaveLength(9);

      const csv = await exported('csv', { from, to });
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      const [header, ...rows] = csvRecords(csv.body as string);
      expect(header.join(',')).toBe(
        'id,at,requestId,actor,transport,action,phase,operationId,targetKind,targetName,targetId,outcome,errorCode,durationMs,detail,input,before,after,prevHash,hash',
      );
      expect(rows.length).toBeGreaterThan(50);
      expect(rows.every((r) => r.length === header.length)).toBe(true);
      expect(rows.map((r) => Number(r[0]))).toEqual(await idsOf({ from, to }));
      const refusal = rows.find((r) => r[3] === viewerName);
      expect([refusal?.[5], refusal?.[11], refusal?.[12]]).toEqual(['network.create', 'denied', 'FORBIDDEN']);
    });

    it('answers auditLogs as a GraphQL connection with the same filters', async () => {
      const filter = `{ action: "container.exec", actor: "${reader}" }`;
      const res = await t
        .gql(
          `{ auditLogs(filter: ${filter}, first: 2) { edges { cursor node { id action phase outcome target { name } input } } pageInfo { hasNextPage endCursor } } }`,
        )
        .expect(200);
      const connection = res.body.data.auditLogs;
      expect(connection.edges).toHaveLength(2);
      expect(connection.edges.map((e: { node: Entry }) => [e.node.action, e.node.target.name])).toEqual([
        ['container.exec', `${p}rbox`],
        ['container.exec', `${p}rbox`],
      ]);
      expect(connection.pageInfo.hasNextPage).toBe(true);
      const next = await t
        .gql(
          `{ auditLogs(filter: ${filter}, first: 2, after: "${connection.pageInfo.endCursor}") { edges { node { id } } } }`,
        )
        .expect(200);
      expect(next.body.data.auditLogs.edges[0].node.id).toBeLessThan(connection.edges[1].node.id);
      const operator = (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}op`, role: 'operator' })
          .expect(201)
      ).body.key as string;
      const denied = await t.gql('{ auditLogs { edges { node { id } } } }', undefined, operator).expect(200);
      expect(denied.body.errors[0].extensions.code).toBe('FORBIDDEN');
    });

    it('answers the history of one network or container, also once it is gone (admins)', async () => {
      await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}hist`, ipam: { config: [{ subnet: '10.209.3.0/24' }] } })
        .expect(201);
      await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}hist` })
        .expect(409);
      const live = await t.http.get(`/api/v1/networks/${p}hist/history`).expect(200);
      expect(live.body.items.map((e: Entry) => [e.phase, e.outcome])).toEqual([
        ['outcome', 'failed'],
        ['outcome', 'succeeded'],
        ['intent', null],
      ]);
      await t.http.delete(`/api/v1/networks/${p}hist`).expect(204);
      const gone = await t.http.get(`/api/v1/networks/${p}hist/history`).expect(200);
      expect(gone.body.items[0]).toMatchObject({ action: 'network.remove', outcome: 'succeeded' });
      const gql = await t
        .gql(`{ containerHistory(ref: "${p}rbox", first: 3) { edges { node { action } } } }`)
        .expect(200);
      expect(gql.body.data.containerHistory.edges.map((e: { node: Entry }) => e.node.action)).toEqual([
        'container.exec',
        'container.exec',
        'container.exec',
      ]);
      const viewer = (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}hv`, role: 'viewer' })
          .expect(201)
      ).body.key as string;
      const viewerLive = await t.as(viewer).get(`/api/v1/containers/${p}rbox/history`).expect(200);
      expect(viewerLive.body.items.length).toBeGreaterThanOrEqual(8);
      const viewerGone = await t.as(viewer).get(`/api/v1/networks/${p}hist/history`).expect(404);
      expect(viewerGone.body.code).toBe('NETWORK_NOT_FOUND');
    });
  });

  describe('tamper evidence', () => {
    const verify = async () =>
      (await t.http.get('/api/v1/audit-logs/verify').expect(200)).body as {
        ok: boolean;
        checked: number;
        firstBadId: number | null;
        reason: string;
      };
    const last = () => Number(sqlite(t.databasePath, 'SELECT MAX(id) FROM audit_log;').trim());
    // Entries of the test's own to tamper with: refused requests without a key; their ids,
    // oldest first.
    const writeEntries = async (count: number): Promise<number[]> => {
      const tag = `${p}${Math.random().toString(36).slice(2)}-`;
      for (let i = 0; i < count; i++) {
        await t.anon.get('/api/v1/networks').set('x-request-id', `${tag}${i}`).expect(401);
      }
      const ids = (await listAll({}))
        .filter((e) => e.requestId.startsWith(tag))
        .map((e) => e.id)
        .sort((a, b) => a - b);
      expect(ids).toHaveLength(count);
      return ids;
    };
    const swap = (a: number, b: number) =>
      sqlite(
        t.databasePath,
        `UPDATE audit_log SET id = -1 WHERE id = ${a}; UPDATE audit_log SET id = ${a} WHERE id = ${b}; UPDATE audit_log SET id = ${b} WHERE id = -1;`,
      );

    it('verifies the whole chain', async () => {
      await writeEntries(3);
      const result = await verify();
      expect(result).toMatchObject({ ok: true, firstBadId: null });
      expect(result.checked).toBe(last());
      const gql = await t.gql('{ verifyAuditLog { ok checked firstBadId } }').expect(200);
      expect(gql.body.data.verifyAuditLog.ok).toBe(true);
    });

    it('names the first entry edited with the sqlite3 CLI', async () => {
      const [, edited] = await writeEntries(3);
      const original = sqlite(t.databasePath, `SELECT actor FROM audit_log WHERE id = ${edited};`).trim();
      sqlite(t.databasePath, `UPDATE audit_log SET actor = 'mallory' WHERE id = ${edited};`);
      try {
        expect(await verify()).toMatchObject({ ok: false, firstBadId: edited });
      } finally {
        sqlite(t.databasePath, `UPDATE audit_log SET actor = '${original}' WHERE id = ${edited};`);
      }
      expect((await verify()).ok).toBe(true);
    });

    it('names a deleted entry, and two swapped entries', async () => {
      const [a, b] = await writeEntries(3);
      const copy = sqlite(t.databasePath, `.mode insert audit_log\nSELECT * FROM audit_log WHERE id = ${a};`);
      sqlite(t.databasePath, `DELETE FROM audit_log WHERE id = ${a};`);
      try {
        expect(await verify()).toMatchObject({ ok: false, firstBadId: a });
      } finally {
        sqlite(t.databasePath, copy);
      }
      expect((await verify()).ok).toBe(true);

      // Swap the contents of two entries (their ids stay in place).
      swap(a, b);
      try {
        expect(await verify()).toMatchObject({ ok: false, firstBadId: a });
      } finally {
        swap(a, b);
      }
      expect((await verify()).ok).toBe(true);
    });

    it('notices entries cut off the end', async () => {
      await writeEntries(2);
      const end = last();
      const copy = sqlite(
        t.databasePath,
        `.mode insert audit_log\nSELECT * FROM audit_log WHERE id = ${end};`,
      );
      sqlite(t.databasePath, `DELETE FROM audit_log WHERE id = ${end};`);
      try {
        expect(await verify()).toMatchObject({ ok: false, firstBadId: end });
      } finally {
        sqlite(t.databasePath, copy);
      }
      expect((await verify()).ok).toBe(true);
    });
  });
});

describe('audit retention and HMAC', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      AUDIT_RETENTION_DAYS: 30,
      AUDIT_HMAC_KEY: 'an-audit-hmac-key-of-at-least-32-characters',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('prunes old entries and the rest still verifies; an HMAC chain cannot be recomputed without the key', async () => {
    for (let i = 0; i < 5; i++) await t.anon.get('/api/v1/networks').expect(401);
    const sqlitePath = t.databasePath;
    const before = Number(sqlite(sqlitePath, 'SELECT COUNT(*) FROM audit_log;').trim());
    expect(before).toBeGreaterThanOrEqual(5);
    // Age the first three entries past the retention.
    sqlite(sqlitePath, "UPDATE audit_log SET at = '2001-01-01T00:00:00.000Z' WHERE id <= 3;");
    // Their hashes no longer match: this is tampering until retention removes them.
    expect((await t.http.get('/api/v1/audit-logs/verify').expect(200)).body).toMatchObject({
      ok: false,
      firstBadId: 1,
    });
    await t.app.get(AuditService).applyRetention();
    expect(Number(sqlite(sqlitePath, 'SELECT MIN(id) FROM audit_log;').trim())).toBe(4);
    const verified = (await t.http.get('/api/v1/audit-logs/verify').expect(200)).body;
    expect(verified.ok).toBe(true);

    // Recomputing an entry's hash as plain SHA-256 does not fool an HMAC chain.
    const row = JSON.parse(
      sqlite(sqlitePath, '.mode json\nSELECT * FROM audit_log WHERE id = 5;'),
    )[0] as Record<string, string | number | null>;
    const forged = createHash('sha256')
      .update(
        canonical({
          id: row.id as number,
          at: row.at as string,
          requestId: row.request_id as string,
          actor: 'mallory',
          transport: row.transport as string,
          action: row.action as string,
          phase: row.phase as string,
          operationId: row.operation_id as string,
          targetKind: row.target_kind as string | null,
          targetName: row.target_name as string | null,
          targetId: row.target_id as string | null,
          input: row.input as string | null,
          outcome: row.outcome as string | null,
          errorCode: row.error_code as string | null,
          durationMs: row.duration_ms as number | null,
          before: row.before as string | null,
          after: row.after as string | null,
          detail: row.detail as string | null,
          prevHash: row.prev_hash as string,
        }),
      )
      .digest('hex');
    sqlite(sqlitePath, `UPDATE audit_log SET actor = 'mallory', hash = '${forged}' WHERE id = 5;`);
    expect((await t.http.get('/api/v1/audit-logs/verify').expect(200)).body).toMatchObject({
      ok: false,
      firstBadId: 5,
    });
  });
});
