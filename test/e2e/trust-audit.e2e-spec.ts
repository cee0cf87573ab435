import { existsSync, statSync } from 'node:fs';
import { AuditService } from '../../src/audit/audit.service';
import { startApp, type TestApp } from '../support/app';
import { csvRecords, sqlite, type Entry, type Page } from '../support/audit-log';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine } from '../support/engine';
import { runPrefix } from '../support/names';

const GQL_ENTRY = `id action actor outcome errorCode operationId requestId target { kind name id } input`;

// No networks are made here (containers on the default bridge only): no subnets of its own.
describe('trust: the audit log', () => {
  const p = runPrefix('taudit');
  let t: TestApp;
  const keys: Record<string, { id: string; key: string }> = {};

  const createKey = async (name: string, role: string, scope?: Record<string, string>) => {
    const res = await t.http
      .post('/api/v1/api-keys')
      .send({ name: `${p}${name}`, role, ...(scope ? { scope } : {}) })
      .expect(201);
    return res.body as { id: string; key: string };
  };
  // Every entry a key may list, newest first.
  const listAll = async (key: string, filter: Record<string, unknown> = {}): Promise<Entry[]> => {
    const items: Entry[] = [];
    let cursor: string | null = null;
    do {
      const res = await t
        .as(key)
        .get('/api/v1/audit-logs')
        .query({ ...filter, limit: 500, ...(cursor ? { cursor } : {}) })
        .expect(200);
      const body = res.body as Page;
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    return items;
  };
  const adminEntries = () => listAll(t.config.ADMIN_API_KEY ?? '');
  const entriesOf = async (requestId: string) =>
    (await adminEntries()).filter((e) => e.requestId === requestId).sort((a, b) => a.id - b.id);
  const run = (key: string, name: string, extra: Record<string, unknown> = {}) =>
    t
      .as(key)
      .post('/api/v1/containers')
      .send({
        name,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels: { [TEST_LABEL]: p },
        ...extra,
      });

  beforeAll(async () => {
    t = await startApp();
    keys.teamA = await createKey('team-a', 'operator', { team: `a-${p}` });
    keys.teamB = await createKey('team-b', 'operator', { team: `b-${p}` });
    keys.adminA = await createKey('admin-a', 'admin', { team: `a-${p}` });
    keys.adminB = await createKey('admin-b', 'admin', { team: `b-${p}` });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  describe('a key sees only the entries of its scope', () => {
    let boxA: string;
    let boxB: string;
    beforeAll(async () => {
      boxA = (await run(keys.teamA.key, `${p}a-box`).expect(201)).body.id as string;
      boxB = (await run(keys.teamB.key, `${p}b-box`).expect(201)).body.id as string;
      await t
        .as(keys.teamA.key)
        .post(`/api/v1/containers/${p}a-box/exec`)
        .send({ command: ['true'] })
        .expect(200);
      await t
        .as(keys.teamB.key)
        .post(`/api/v1/containers/${p}b-box/exec`)
        .send({ command: ['true'] })
        .expect(200);
      // Team a knocks on team b's door: to team a it is missing (the scope wall), and the log
      // records the failed attempt about team b's container.
      const knock = await t
        .as(keys.teamA.key)
        .post(`/api/v1/containers/${p}b-box/exec`)
        .set('x-request-id', `${p}knock`)
        .send({ command: ['true'] });
      expect(knock.status).toBe(404);
      expect(knock.body.code).toBe('CONTAINER_NOT_FOUND');
    });

    const leaksB = (text: string) =>
      text.includes(`${p}b-box`) || text.includes(boxB) || text.includes(`b-${p}`);

    it('lists only in-scope entries and the key’s own, over REST, NDJSON and CSV', async () => {
      const a = await listAll(keys.adminA.key);
      expect(a.length).toBeGreaterThan(0);
      expect(a.some((e) => e.target.id === boxA && e.action === 'container.exec')).toBe(true);
      expect(a.some((e) => e.target.id === boxA && e.action === 'container.run')).toBe(true);
      // Nothing about team b, nothing about other keys, nothing without a target in scope.
      expect(leaksB(JSON.stringify(a))).toBe(false);
      expect(a.some((e) => e.action === 'apikey.create')).toBe(false);
      expect(a.some((e) => e.actor === 'bootstrap-admin' && e.target.id !== boxA)).toBe(false);

      const b = await listAll(keys.adminB.key);
      expect(b.some((e) => e.target.id === boxB && e.action === 'container.exec')).toBe(true);
      expect(JSON.stringify(b)).not.toContain(boxA);
      expect(JSON.stringify(b)).not.toContain(`${p}a-box`);
      // Team a's knock is about team b's container: team b's admin sees it.
      expect(b.some((e) => e.requestId === `${p}knock` && e.outcome === 'failed')).toBe(true);

      const ndjson = await t
        .as(keys.adminA.key)
        .get('/api/v1/audit-logs')
        .query({ format: 'ndjson' })
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      const lines = (ndjson.body as string).split('\n').filter(Boolean);
      expect(lines.length).toBe(a.length);
      expect(leaksB(ndjson.body as string)).toBe(false);
      const csv = await t
        .as(keys.adminA.key)
        .get('/api/v1/audit-logs')
        .query({ format: 'csv' })
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      expect(csvRecords(csv.body as string).length).toBe(a.length + 1);
      expect(leaksB(csv.body as string)).toBe(false);
    });

    it('lists only in-scope entries over GraphQL', async () => {
      const res = await t
        .gql(`{ auditLogs(first: 500) { edges { node { ${GQL_ENTRY} } } } }`, undefined, keys.adminA.key)
        .expect(200);
      expect(res.body.errors).toBeUndefined();
      const nodes = (res.body.data.auditLogs.edges as Array<{ node: Entry }>).map((e) => e.node);
      expect(nodes.some((e) => e.target.id === boxA)).toBe(true);
      expect(leaksB(JSON.stringify(nodes))).toBe(false);
    });

    it('a scoped key sees its own refusals without learning what is out of its scope', async () => {
      // The unscoped admin sees the knock with the container's identity.
      const knock = await entriesOf(`${p}knock`);
      expect(knock.map((e) => [e.action, e.outcome, e.errorCode])).toEqual([
        ['container.exec', 'failed', 'CONTAINER_NOT_FOUND'],
      ]);
      expect(knock[0].target.id).toBe(boxB);
      // An admin key of team a's scope does not see another key's knock at team b.
      expect((await listAll(keys.adminA.key)).some((e) => e.requestId === `${p}knock`)).toBe(false);
    });

    it('a resource’s history shows a scoped key only in-scope entries (REST and GraphQL)', async () => {
      const rest = (await t.as(keys.teamA.key).get(`/api/v1/containers/${p}a-box/history`).expect(200))
        .body as Page;
      expect(rest.items.length).toBeGreaterThanOrEqual(3);
      expect(leaksB(JSON.stringify(rest.items))).toBe(false);
      // Snapshots leave out the endpoints (what else is on the container's networks may be out of scope).
      const created = rest.items.find((e) => e.action === 'container.run' && e.after);
      expect(created?.after).toMatchObject({ id: boxA });
      expect(created?.after).not.toHaveProperty('endpoints');
      const full = (await t.http.get(`/api/v1/containers/${p}a-box/history`).expect(200)).body as Page;
      expect(full.items.find((e) => e.action === 'container.run' && e.after)?.after).toHaveProperty(
        'endpoints',
      );
      const gql = await t
        .gql(
          `{ containerHistory(ref: "${p}a-box") { edges { node { ${GQL_ENTRY} } } } }`,
          undefined,
          keys.teamA.key,
        )
        .expect(200);
      expect(gql.body.errors).toBeUndefined();
      const nodes = (gql.body.data.containerHistory.edges as Array<{ node: Entry }>).map((e) => e.node);
      expect(nodes.map((n) => n.id)).toEqual(rest.items.map((e) => e.id));
    });
  });

  describe('history follows identity', () => {
    it('a new container with an old name shows none of the first one’s entries (REST and GraphQL)', async () => {
      const name = `${p}reused`;
      const first = (await run(t.config.ADMIN_API_KEY ?? '', name).expect(201)).body.id as string;
      await t.http
        .post(`/api/v1/containers/${name}/exec`)
        .send({ command: ['true'] })
        .expect(200);
      // A refusal about the first container, too.
      const viewer = await createKey('hist-viewer', 'viewer');
      await t
        .as(viewer.key)
        .post(`/api/v1/containers/${name}/exec`)
        .send({ command: ['true'] })
        .expect(403);
      const old = (await t.http.get(`/api/v1/containers/${name}/history`).expect(200)).body as Page;
      expect(old.items.map((e) => e.action)).toEqual(
        expect.arrayContaining(['container.run', 'container.exec']),
      );
      expect(old.items.some((e) => e.outcome === 'denied')).toBe(true);
      await t.http.delete(`/api/v1/containers/${name}?force=true`).expect(204);

      const second = (await run(t.config.ADMIN_API_KEY ?? '', name).expect(201)).body.id as string;
      expect(second).not.toBe(first);
      const now = (await t.http.get(`/api/v1/containers/${name}/history`).expect(200)).body as Page;
      const oldIds = new Set(old.items.map((e) => e.id));
      expect(now.items.filter((e) => oldIds.has(e.id))).toEqual([]);
      expect(now.items.map((e) => [e.phase, e.action])).toEqual([
        ['outcome', 'container.run'],
        ['intent', 'container.run'],
      ]);
      expect(now.items[0].target.id).toBe(second);
      const gql = await t
        .gql(`{ containerHistory(ref: "${second.slice(0, 12)}") { edges { node { id action } } } }`)
        .expect(200);
      expect(gql.body.errors).toBeUndefined();
      expect(gql.body.data.containerHistory.edges.map((e: { node: Entry }) => e.node.id)).toEqual(
        now.items.map((e) => e.id),
      );
    });
  });

  describe('secrets', () => {
    it('never stores environment values or secret-looking argv values (REST)', async () => {
      const res = await run(t.config.ADMIN_API_KEY ?? '', `${p}sec`, {
        env: { API_TOKEN: 'env-value-one', PLAIN: 'env-value-two' },
        command: ['sh', '-c', 'DB_PASSWORD=argv-value-one sleep 3600'],
      })
        .set('x-request-id', `${p}run-secret`)
        .expect(201);
      expect(res.body.name).toBe(`${p}sec`);
      const runEntries = JSON.stringify(await entriesOf(`${p}run-secret`));
      expect(runEntries).toContain('API_TOKEN');
      for (const secret of ['env-value-one', 'env-value-two', 'argv-value-one'])
        expect(runEntries).not.toContain(secret);
      expect(runEntries).toContain('DB_PASSWORD=');

      await t.http
        .post(`/api/v1/containers/${p}sec/exec`)
        .set('x-request-id', `${p}exec-secret`)
        .send({
          command: [
            'sh',
            '-c',
            'export GITHUB_TOKEN="quoted value"; mysql --api-key=argv-value-two -e x; true',
          ],
          env: { SESSION_SECRET: 'env-value-three' },
        })
        .expect(200);
      const execEntries = JSON.stringify(await entriesOf(`${p}exec-secret`));
      for (const secret of ['quoted value', 'argv-value-two', 'env-value-three'])
        expect(execEntries).not.toContain(secret);
      expect(execEntries).toContain('GITHUB_TOKEN=');
      expect(execEntries).toContain('mysql');
    });

    it('never stores or echoes a secret sent over GraphQL, bad variables included', async () => {
      const ok = await t
        .gql(`mutation ($input: ExecInput!) { exec(ref: "${p}sec", input: $input) { exitCode } }`, {
          input: { command: ['sh', '-c', 'TOKEN=gql-argv-value true'], env: { X: 'gql-env-value' } },
        })
        .set('x-request-id', `${p}gql-exec`)
        .expect(200);
      expect(ok.body.errors).toBeUndefined();
      const stored = JSON.stringify(await entriesOf(`${p}gql-exec`));
      expect(stored).toContain('container.exec');
      expect(stored).not.toContain('gql-argv-value');
      expect(stored).not.toContain('gql-env-value');

      const bad = await t
        .gql(`mutation ($input: RunContainerInput!) { runContainer(input: $input) { id } }`, {
          input: { image: TEST_IMAGE, name: `${p}never`, start: 'variable-secret-value' },
        })
        .set('x-request-id', `${p}gql-badvar`);
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].extensions.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(bad.body)).not.toContain('variable-secret-value');
      expect(bad.body.errors[0].message).toContain('$input');
      const refused = await entriesOf(`${p}gql-badvar`);
      expect(refused.map((e) => e.outcome)).toEqual(['denied']);
      expect(JSON.stringify(refused)).not.toContain('variable-secret-value');

      // A literal in the document is the client's own text, but the log does not keep it either.
      await t
        .gql(
          `mutation { runContainer(input: { image: "${TEST_IMAGE}", start: "literal-secret-value" }) { id } }`,
        )
        .set('x-request-id', `${p}gql-literal`)
        .expect(400);
      const literal = await entriesOf(`${p}gql-literal`);
      expect(literal.map((e) => [e.action, e.outcome])).toEqual([['graphql.document', 'denied']]);
      expect(JSON.stringify(literal)).not.toContain('literal-secret-value');
    });

    it('creates the SQLite file and its -wal and -shm files readable by the owner only', () => {
      for (const file of [t.databasePath, `${t.databasePath}-wal`, `${t.databasePath}-shm`]) {
        expect(existsSync(file)).toBe(true);
        expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
      }
    });
  });

  describe('refusals are recorded once per request', () => {
    it('records a refused GraphQL read and a refused REST read exactly once', async () => {
      const viewer = await createKey('once-viewer', 'viewer');
      await t
        .gql(`{ auditLogs { edges { cursor } } }`, undefined, viewer.key)
        .set('x-request-id', `${p}once-gql`)
        .expect(200);
      await t.as(viewer.key).get('/api/v1/audit-logs').set('x-request-id', `${p}once-rest`).expect(403);
      const gql = await entriesOf(`${p}once-gql`);
      expect(gql.map((e) => [e.action, e.actor, e.outcome, e.errorCode, e.transport])).toEqual([
        ['query auditLogs', `${p}once-viewer`, 'denied', 'FORBIDDEN', 'graphql'],
      ]);
      const rest = await entriesOf(`${p}once-rest`);
      expect(rest.map((e) => [e.action, e.actor, e.outcome, e.errorCode, e.transport])).toEqual([
        ['GET /api/v1/audit-logs', `${p}once-viewer`, 'denied', 'FORBIDDEN', 'rest'],
      ]);
    });
  });

  describe('CSV export', () => {
    it('neutralises cells that a spreadsheet would run as a formula', async () => {
      for (const ref of ['=1+2', '+1+2', '-1+2', '@SUM(1)']) {
        await t.http.delete(`/api/v1/containers/${encodeURIComponent(ref)}`).set('x-request-id', `${p}csv`);
      }
      const csv = await t.http
        .get('/api/v1/audit-logs')
        .query({ format: 'csv', action: 'container.remove' })
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      const records = csvRecords(csv.body as string);
      const header = records[0];
      const ours = records.slice(1).filter((r) => r[header.indexOf('requestId')] === `${p}csv`);
      expect(ours.map((r) => r[header.indexOf('targetName')])).toEqual([
        "'=1+2",
        "'+1+2",
        "'-1+2",
        "'@SUM(1)",
      ]);
      for (const record of records) for (const cell of record) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    });
  });
});

describe('trust: audit retention reports what it removed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUDIT_RETENTION_DAYS: 30 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('returns the number of entries removed, not the last removed id', async () => {
    for (let i = 0; i < 8; i++) await t.http.delete(`/api/v1/containers/syt-missing-${i}`).expect(404);
    const retention = t.app.get(AuditService);
    sqlite(t.databasePath, "UPDATE audit_log SET at = '2001-01-01T00:00:00.000Z' WHERE id <= 2;");
    expect(await retention.applyRetention()).toBe(2);
    sqlite(t.databasePath, "UPDATE audit_log SET at = '2001-01-01T00:00:00.000Z' WHERE id <= 5;");
    expect(await retention.applyRetention()).toBe(3);
    expect(await retention.applyRetention()).toBe(0);
    expect(Number(sqlite(t.databasePath, 'SELECT MIN(id) FROM audit_log;').trim())).toBe(6);
    expect((await t.http.get('/api/v1/audit-logs/verify').expect(200)).body.ok).toBe(true);
  });
});
