import type request from 'supertest';
import { auditRows, createKey, gqlCodes, IMAGE } from '../../support/memory-app';
import { MemoryEngine } from '../../support/memory-engine';
import { refuse } from '../../support/memory-engine/refusals';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../../support/test-app';

// The audit log as the SQLite file holds it, written by the real app on the in-memory engine:
// every change an intent before the engine sees it and an outcome after, under one action name
// on both transports; every refusal an outcome; and a chain that verifies.
const ACTIONS = [
  'apikey.create',
  'apikey.revoke',
  'container.exec',
  'container.remove',
  'container.restart',
  'container.run',
  'container.start',
  'container.stop',
  'network.connect',
  'network.create',
  'network.disconnect',
  'network.prune',
  'network.remove',
];

export function describeAuditRecording(): void {
  describe('audit recording', () => {
    const engine = new MemoryEngine();
    let t: TestApp;
    let viewer: string;

    const ok = (res: request.Response) => {
      expect([res.status, res.body.errors ?? null]).toEqual([expect.any(Number), null]);
      expect(res.status).toBeLessThan(300);
      return res;
    };

    // Every mutation once over REST, with names ending in `suffix`.
    async function everyChangeOverRest(s: string): Promise<void> {
      const h = t.http;
      ok(
        await h
          .post('/api/v1/networks')
          .send({ name: `net${s}`, ipam: { config: [{ subnet: '10.95.1.0/24' }] } }),
      );
      ok(
        await h
          .post('/api/v1/containers')
          .send({ name: `box${s}`, image: IMAGE, command: ['sleep', '3600'] }),
      );
      ok(await h.post(`/api/v1/containers/box${s}/stop`));
      ok(await h.post(`/api/v1/containers/box${s}/start`));
      ok(await h.post(`/api/v1/containers/box${s}/restart`));
      ok(await h.post(`/api/v1/containers/box${s}/exec`).send({ command: ['sh', '-c', 'exit 4'] }));
      ok(await h.post(`/api/v1/networks/net${s}/connections`).send({ container: `box${s}` }));
      ok(await h.delete(`/api/v1/networks/net${s}/connections/box${s}`));
      ok(await h.delete(`/api/v1/containers/box${s}?force=true`));
      ok(await h.delete(`/api/v1/networks/net${s}`));
      ok(await h.post('/api/v1/networks/prune'));
      const created = ok(await h.post('/api/v1/api-keys').send({ name: `key${s}`, role: 'viewer' }));
      ok(await h.delete(`/api/v1/api-keys/${created.body.id}`));
    }

    async function everyChangeOverGraphql(s: string): Promise<void> {
      const m = async (query: string) => ok(await t.gql(query));
      await m(
        `mutation { createNetwork(input: { name: "net${s}", ipam: { config: [{ subnet: "10.95.2.0/24" }] } }) { id } }`,
      );
      await m(
        `mutation { runContainer(input: { name: "box${s}", image: "${IMAGE}", command: ["sleep", "3600"] }) { id } }`,
      );
      await m(`mutation { stopContainer(ref: "box${s}") { state } }`);
      await m(`mutation { startContainer(ref: "box${s}") { state } }`);
      await m(`mutation { restartContainer(ref: "box${s}") { state } }`);
      await m(`mutation { exec(ref: "box${s}", input: { command: ["sh", "-c", "exit 4"] }) { exitCode } }`);
      await m(
        `mutation { connectContainer(network: "net${s}", input: { container: "box${s}" }) { network } }`,
      );
      await m(`mutation { disconnectContainer(network: "net${s}", container: "box${s}") }`);
      await m(`mutation { removeContainer(ref: "box${s}", force: true) }`);
      await m(`mutation { removeNetwork(ref: "net${s}") }`);
      await m('mutation { pruneNetworks { removed } }');
      const created = await m(`mutation { createApiKey(input: { name: "key${s}", role: "viewer" }) { id } }`);
      await m(`mutation { revokeApiKey(id: "${created.body.data.createApiKey.id}") }`);
    }

    beforeAll(async () => {
      t = await startAppOn(engine);
      viewer = await createKey(t, 'auditor', 'viewer');
    }, BOOT_TIMEOUT_MS);
    afterAll(() => t.close());

    it('records every change as an intent and an outcome, under the same action names on both transports', async () => {
      const before = auditRows(t).length;
      await everyChangeOverRest('-rest');
      await everyChangeOverGraphql('-gql');
      const rows = auditRows(t, 'id > ?', before);
      const actionsOf = (transport: string, phase: string) =>
        [
          ...new Set(rows.filter((r) => r.transport === transport && r.phase === phase).map((r) => r.action)),
        ].sort();
      for (const transport of ['rest', 'graphql']) {
        expect([transport, actionsOf(transport, 'intent')]).toEqual([transport, ACTIONS]);
        expect([transport, actionsOf(transport, 'outcome')]).toEqual([transport, ACTIONS]);
      }
      // One intent and one outcome per operation, the intent first; all succeeded, as admin.
      const operations = new Map<string, typeof rows>();
      for (const row of rows)
        operations.set(row.operation_id, [...(operations.get(row.operation_id) ?? []), row]);
      expect(operations.size).toBe(ACTIONS.length * 2);
      for (const [, [intent, outcome, ...more]] of operations) {
        expect([intent.phase, outcome.phase, more.length]).toEqual(['intent', 'outcome', 0]);
        expect([outcome.action, outcome.outcome, outcome.actor]).toEqual([
          intent.action,
          'succeeded',
          'bootstrap-admin',
        ]);
      }
      const exec = rows.find(
        (r) => r.action === 'container.exec' && r.phase === 'outcome' && r.transport === 'graphql',
      )!;
      expect(exec.detail).toBe('The command exited with code 4.');
      const stop = rows.find(
        (r) => r.action === 'container.stop' && r.phase === 'outcome' && r.transport === 'rest',
      )!;
      expect([JSON.parse(stop.before!).state, JSON.parse(stop.after!).state]).toEqual(['running', 'exited']);
      expect(stop.target_name).toBe('box-rest');
    });

    it('stores the intent before the engine changes, and labels what it creates with the operation', async () => {
      let seen: ReturnType<typeof auditRows> = [];
      engine.beforeNext('createNetwork', () => {
        seen = auditRows(t, "target_name = 'durable'");
      });
      await t.http
        .post('/api/v1/networks')
        .send({ name: 'durable', ipam: { config: [{ subnet: '10.95.3.0/24' }] } })
        .expect(201);
      expect(seen.map((r) => [r.action, r.phase])).toEqual([['network.create', 'intent']]);
      const rows = auditRows(t, "target_name = 'durable'");
      expect(rows.map((r) => r.phase)).toEqual(['intent', 'outcome']);
      expect(engine.network('durable')!.labels['io.switchyard.operation']).toBe(rows[0].operation_id);
      expect(rows[1].target_id).toBe(engine.network('durable')!.id);
    });

    it('records refusals as denied, without an intent and without reaching the engine', async () => {
      const before = auditRows(t).length;
      engine.clearCalls();
      await t.as(viewer).post('/api/v1/networks').send({ name: 'nope' }).expect(403);
      expect(
        gqlCodes(
          await t.gql('mutation { createNetwork(input: { name: "nope" }) { id } }', undefined, viewer),
        ),
      ).toEqual(['FORBIDDEN']);
      await t.http
        .post('/api/v1/networks')
        .send({ name: 'bad', ipam: { config: [{ subnet: '10.95.4.1/24' }] } })
        .expect(400);
      await t.http
        .post('/api/v1/containers')
        .send({ name: 'root', image: IMAGE, privileged: true })
        .expect(403);
      await t.as('sy_not-a-real-key').post('/api/v1/containers/box/stop').expect(401);
      const rows = auditRows(t, 'id > ?', before);
      expect(rows.map((r) => [r.transport, r.action, r.phase, r.outcome, r.error_code])).toEqual([
        ['rest', 'network.create', 'outcome', 'denied', 'FORBIDDEN'],
        ['graphql', 'network.create', 'outcome', 'denied', 'FORBIDDEN'],
        ['rest', 'network.create', 'outcome', 'denied', 'VALIDATION_FAILED'],
        ['rest', 'container.run', 'outcome', 'denied', 'POLICY_VIOLATION'],
        ['rest', 'POST /api/v1/containers/:ref/stop', 'outcome', 'denied', 'UNAUTHENTICATED'],
      ]);
      expect(rows.map((r) => r.actor).slice(0, 4)).toEqual([
        'auditor',
        'auditor',
        'bootstrap-admin',
        'bootstrap-admin',
      ]);
      expect(rows[4].actor).not.toBe('bootstrap-admin');
      expect(engine.changes()).toEqual([]);
    });

    it('records a change the engine refused as failed, after its intent', async () => {
      engine.failNext('createNetwork', refuse(500, 'failed to create network: operation not supported'));
      const res = await t.http
        .post('/api/v1/networks')
        .send({ name: 'refused-by-engine', ipam: { config: [{ subnet: '10.95.5.0/24' }] } });
      expect([res.status, res.body.code]).toEqual([422, 'UNSUPPORTED_BY_ENGINE']);
      const rows = auditRows(t, "target_name = 'refused-by-engine'");
      expect(rows.map((r) => [r.phase, r.outcome, r.error_code])).toEqual([
        ['intent', null, null],
        ['outcome', 'failed', 'UNSUPPORTED_BY_ENGINE'],
      ]);
      expect(engine.network('refused-by-engine')).toBeUndefined();
    });

    it('stores a lone surrogate as U+FFFD, and the entry still verifies (found by the odd-input fuzz)', async () => {
      // The body is JSON text: "\ud800" there is a lone surrogate once parsed.
      const res = await t.http
        .post('/api/v1/connectivity/matrix')
        .set('content-type', 'application/json')
        .send('{"network":"lone-\\ud800-x"}');
      expect([res.status, res.body.code]).toEqual([404, 'NETWORK_NOT_FOUND']);
      const gql = await t.gql('query ($n: String!) { network(ref: $n) { id } }', { n: 'gql-\udc00-x' });
      expect(gql.body.errors?.[0]?.extensions?.code).toBe('NETWORK_NOT_FOUND');
      const rows = auditRows(t, "target_name IN ('lone-\ufffd-x', 'gql-\ufffd-x')");
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect((await t.http.get('/api/v1/audit-logs/verify').expect(200)).body.ok).toBe(true);
    });

    it('keeps at most 4 KiB of detail and 512 characters of target name, however long the refused input (red team)', async () => {
      const longName = `long-${'n'.repeat(200_000)}`;
      const res = await t.http
        .post('/api/v1/networks')
        .set('x-request-id', 'long-refusal')
        .send({ name: longName, [`K${'k'.repeat(300_000)}`]: 1 });
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const rows = auditRows(t, "request_id = 'long-refusal'");
      expect(rows.length).toBe(1);
      const row = rows[0] as { detail: string; target_name: string | null };
      expect(row.detail.length).toBeLessThan(4096 + 64);
      expect(row.detail).toContain('(truncated,');
      expect((row.target_name ?? '').length).toBeLessThan(512 + 64);
      expect((await t.http.get('/api/v1/audit-logs/verify').expect(200)).body.ok).toBe(true);
    });

    it('keeps a chain that verifies over every entry, on both transports', async () => {
      const rows = auditRows(t);
      const rest = await t.http.get('/api/v1/audit-logs/verify').expect(200);
      expect(rest.body).toEqual({ ok: true, checked: rows.length, firstBadId: null, reason: null });
      const graphql = await t.gql('{ verifyAuditLog { ok checked } }');
      expect(graphql.body.data.verifyAuditLog.ok).toBe(true);
      expect(graphql.body.data.verifyAuditLog.checked).toBeGreaterThanOrEqual(rows.length);
    });
  });
}
