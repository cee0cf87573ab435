import { LiveEvents } from '../../src/live/live-events';
import { sqlite } from '../support/audit-log';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, execIn, inspectNetwork } from '../support/engine';
import { wsOperation, wsSubscribe } from '../support/graphql-ws';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { SseClient } from '../support/sse';
import { waitFor } from '../support/wait';

// The value of one series in a Prometheus text exposition (0 when it is absent: a counter that
// has not moved yet has no series).
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ? match[2].split(',') : [];
    if (wanted.length === have.length && wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return 0;
}

const requests = (text: string, method: string, route: string, status: number) =>
  sample(text, 'switchyard_http_requests_total', { method, route, status: String(status) });

// Audit rows in the database, by outcome (an intent has none: `intent`).
function auditRows(t: TestApp): Map<string, number> {
  const out = sqlite(
    t.databasePath,
    "SELECT coalesce(outcome, phase) || ' ' || count(*) FROM audit_log GROUP BY coalesce(outcome, phase);",
  );
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [outcome, n] = line.split(' ');
        return [outcome, Number(n)] as const;
      }),
  );
}

// Subnets of this file: 10.118.0.0/16.
describe('metrics at /metrics', () => {
  const p = runPrefix('metrics');
  const opened: TestApp[] = [];
  const start = async (overrides: Parameters<typeof startApp>[0] = {}) => {
    const t = await startApp(overrides);
    opened.push(t);
    return t;
  };
  const scrape = async (t: TestApp, key?: string): Promise<string> => {
    const res = await (key ? t.as(key) : t.http).get('/metrics').expect(200);
    return res.text;
  };

  beforeAll(async () => {
    await cleanupEngine(p);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    // Every app this file started, even when a test failed midway.
    for (const t of opened.splice(0)) await t.close().catch(() => undefined);
  });

  describe('with the default setting (key)', () => {
    let t: TestApp;
    let viewer: string;
    const exec = (command: string[], timeoutMs?: number) =>
      t.http.post(`/api/v1/containers/${p}box/exec`).send({ command, ...(timeoutMs ? { timeoutMs } : {}) });

    beforeAll(async () => {
      // Commands wait in line long enough for the test that holds them.
      t = await start({ EXEC_QUEUE_TIMEOUT_MS: 60_000 });
      viewer = (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}viewer`, role: 'viewer' })
          .expect(201)
      ).body.key as string;
    });

    it('counts the requests made by route pattern and status, and times the engine calls', async () => {
      const before = await scrape(t);
      for (let i = 0; i < 3; i++) await t.http.get('/api/v1/networks').expect(200);
      await t.http.get(`/api/v1/networks/${p}missing`).expect(404);
      const listed = await t.gql('{ networks { name } }').expect(200);
      expect(listed.body.errors).toBeUndefined();
      await t.http.get(`/api/v1/no-such-route/${p}x`).expect(404);
      await t.http.get(`/api/v1/no-such-route/${p}y`).expect(404);
      await t.http
        .post('/api/v1/networks')
        .send({
          name: `${p}net`,
          ipam: { config: [{ subnet: '10.118.1.0/24' }] },
          labels: { [TEST_LABEL]: '1' },
        })
        .expect(201);
      // The network is really there.
      expect((await inspectNetwork(`${p}net`)).IPAM?.Config?.[0]?.Subnet).toBe('10.118.1.0/24');
      const after = await scrape(t);

      const delta = (method: string, route: string, status: number) =>
        requests(after, method, route, status) - requests(before, method, route, status);
      expect(delta('GET', '/api/v1/networks', 200)).toBe(3);
      expect(delta('GET', '/api/v1/networks/:ref', 404)).toBe(1);
      // Paths that match no route are one series, whatever they were.
      expect(delta('GET', 'unmatched', 404)).toBe(2);
      expect(after).not.toContain('no-such-route');
      expect(after).not.toContain(p);
      expect(delta('POST', '/api/v1/networks', 201)).toBe(1);
      // GraphQL over HTTP is its route.
      expect(delta('POST', '/graphql', 200)).toBe(1);
      // The scrape before this one is counted too.
      expect(delta('GET', '/metrics', 200)).toBe(1);
      expect(
        sample(after, 'switchyard_http_request_duration_seconds_count', {
          method: 'GET',
          route: '/api/v1/networks',
          status: '200',
        }),
      ).toBe(requests(after, 'GET', '/api/v1/networks', 200));
      expect(
        sample(after, 'switchyard_engine_call_duration_seconds_count', {
          operation: 'network.create',
          outcome: 'ok',
        }) -
          sample(before, 'switchyard_engine_call_duration_seconds_count', {
            operation: 'network.create',
            outcome: 'ok',
          }),
      ).toBe(1);
      expect(after).toMatch(
        /^switchyard_engine_call_duration_seconds_bucket\{le="\+Inf",operation="network.create",outcome="ok"\} \d+$/m,
      );
    });

    it('counts the audit entries written, as the database holds them', async () => {
      const rowsBefore = auditRows(t);
      const before = await scrape(t);
      // An audited mutation (intent, then its outcome) and a refusal for a missing key.
      await t.http
        .post('/api/v1/networks')
        .send({
          name: `${p}audited`,
          ipam: { config: [{ subnet: '10.118.2.0/24' }] },
          labels: { [TEST_LABEL]: '1' },
        })
        .expect(201);
      await t.anon.get('/api/v1/networks').expect(401);
      const after = await scrape(t);
      const rowsAfter = auditRows(t);
      for (const outcome of ['intent', 'succeeded', 'denied']) {
        const written = (rowsAfter.get(outcome) ?? 0) - (rowsBefore.get(outcome) ?? 0);
        expect(written).toBe(1);
        expect(
          sample(after, 'switchyard_audit_entries_written_total', { outcome }) -
            sample(before, 'switchyard_audit_entries_written_total', { outcome }),
        ).toBe(written);
      }
    });

    it('answers 401 without a key and 200 with a key of any role, in the exposition format', async () => {
      const refused = await t.anon.get('/metrics').expect(401);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      expect(refused.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      await t.anon.get('/metrics').set('authorization', 'Bearer sy_not_a_real_key_0123456789').expect(401);

      const res = await t.as(viewer).get('/metrics').expect(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      // The key's rate limit applies as on every route.
      expect(res.headers['x-ratelimit-limit']).toBeDefined();
      expect(res.text).toContain('# TYPE switchyard_http_requests_total counter');
      expect(res.text).toContain('# TYPE process_resident_memory_bytes gauge');
      expect(res.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    });

    it('shows the exec queue depth, and an exec through the API counts as its route and engine calls', async () => {
      await t.http
        .post('/api/v1/containers')
        .send({ name: `${p}box`, image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p } })
        .expect(201);
      const before = await scrape(t);
      expect(before).toMatch(/^switchyard_exec_queue_depth 0$/m);
      const ran = await exec(['mkdir', '/metrics-marker']).expect(200);
      expect(ran.body).toMatchObject({ exitCode: 0, timedOut: false });
      // The command really ran in the container.
      expect((await execIn(`${p}box`, ['ls', '-d', '/metrics-marker'])).exitCode).toBe(0);
      const after = await scrape(t);
      // Nothing waits once the command has ended.
      expect(after).toMatch(/^switchyard_exec_queue_depth 0$/m);
      expect(
        requests(after, 'POST', '/api/v1/containers/:ref/exec', 200) -
          requests(before, 'POST', '/api/v1/containers/:ref/exec', 200),
      ).toBe(1);
      for (const operation of ['exec.create', 'exec.start'])
        expect(
          sample(after, 'switchyard_engine_call_duration_seconds_count', { operation, outcome: 'ok' }) -
            sample(before, 'switchyard_engine_call_duration_seconds_count', { operation, outcome: 'ok' }),
        ).toBeGreaterThanOrEqual(1);
    });

    it('counts the commands waiting for a slot while they wait', async () => {
      // One key runs at most half of EXEC_CONCURRENCY (4) at once: the third of its commands waits
      // until the first two end, which they do when the test creates /go in the container.
      const hold = ['sh', '-c', 'while [ ! -e /go ]; do sleep 0.1; done'];
      // `.then` sends each request now (supertest sends on the first then).
      const commands = [0, 1, 2].map(() => exec(hold, 55_000).then((res) => res));
      try {
        await waitFor(async () => sample(await scrape(t), 'switchyard_exec_queue_depth') === 1, {
          what: 'one command waiting for a slot',
        });
      } finally {
        await execIn(`${p}box`, ['mkdir', '/go']);
      }
      for (const res of await Promise.all(commands)) expect(res.status).toBe(200);
      expect(sample(await scrape(t), 'switchyard_exec_queue_depth')).toBe(0);
    });

    it('counts an event stream the client closed once (200, its whole life) and the operations over graphql-ws', async () => {
      const port = await listenOnLoopback(t);
      const live = t.app.get(LiveEvents);
      const events = { method: 'GET', route: '/api/v1/events', status: '200' };
      const before = await scrape(t);
      const stream = await SseClient.open(port, `/api/v1/events?label=${p}nothing-has-this`, viewer);
      const openedAt = Date.now();
      let closedAt: number;
      try {
        expect(stream.status).toBe(200);
        await waitFor(() => live.openCount() === 1, { what: 'the stream to open' });
        const query = await wsOperation(port, viewer, `{ networks(filter: { name: "${p}none" }) { name } }`);
        expect(query).toMatchObject({ type: 'next', payload: { data: { networks: [] } } });
        const subscription = await wsSubscribe(
          port,
          viewer,
          'subscription { engineEvents(filter: { action: "destroy", label: ["nothing-has-this"] }) { id } }',
        );
        await waitFor(() => live.openCount() === 2, { what: 'the subscription to open' });
        subscription.close();
      } finally {
        closedAt = Date.now();
        stream.close();
      }
      await waitFor(() => live.openCount() === 0, { what: 'the streams to be released' });
      await waitFor(
        async () =>
          requests(await scrape(t), 'GET', '/api/v1/events', 200) >
          requests(before, 'GET', '/api/v1/events', 200),
        { what: 'the closed stream to be counted' },
      );
      const after = await scrape(t);
      const moved = (name: string, labels: Record<string, string>) =>
        sample(after, name, labels) - sample(before, name, labels);
      // Once, although the client, not the service, ended it.
      expect(moved('switchyard_http_requests_total', events)).toBe(1);
      expect(moved('switchyard_http_request_duration_seconds_count', events)).toBe(1);
      // Its duration is its whole life (at least the time it was held open here).
      expect(moved('switchyard_http_request_duration_seconds_sum', events)).toBeGreaterThanOrEqual(
        (closedAt - openedAt) / 1000,
      );
      expect(
        moved('switchyard_streams_closed_total', { transport: 'sse', kind: 'engine', reason: 'ended' }),
      ).toBe(1);
      expect(moved('switchyard_graphql_ws_operations_total', { type: 'query' })).toBe(1);
      expect(moved('switchyard_graphql_ws_operations_total', { type: 'subscription' })).toBe(1);
    });
  });

  it('with METRICS=open, answers anyone', async () => {
    const t = await start({ METRICS: 'open' });
    const res = await t.anon.get('/metrics').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('switchyard_exec_queue_depth 0');
    // Public like /health: no key's rate limit, and other routes still need a key.
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    await t.anon.get('/api/v1/networks').expect(401);
    await t.anon.post('/metrics').expect(401);
    const again = await t.anon.get('/metrics').expect(200);
    expect(requests(again.text, 'GET', '/metrics', 200)).toBe(1);
    expect(requests(again.text, 'GET', '/api/v1/networks', 401)).toBe(1);
  });

  it('with METRICS=off, is an unknown path', async () => {
    const t = await start({ METRICS: 'off' });
    const unknown = await t.http.get('/no-such-path').expect(404);
    const metrics = await t.http.get('/metrics').expect(404);
    expect(metrics.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(metrics.body.code).toBe(unknown.body.code);
    // Without a key, as any unknown path: refused for the key first.
    await t.anon.get('/metrics').expect(401);
  });

  it('keeps one registry per application: many apps in one process, each with its own counts', async () => {
    const apps: TestApp[] = [];
    for (let i = 0; i < 4; i++) apps.push(await start({ METRICS: 'open' }));
    for (const [i, t] of apps.entries()) {
      for (let n = 0; n <= i; n++) await t.http.get('/health/live').expect(200);
    }
    for (const [i, t] of apps.entries()) {
      const text = (await t.anon.get('/metrics').expect(200)).text;
      expect(requests(text, 'GET', '/health/live', 200)).toBe(i + 1);
    }
    for (const t of apps) {
      opened.splice(opened.indexOf(t), 1);
      await t.close();
    }
  });
});
