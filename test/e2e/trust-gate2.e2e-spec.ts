import http from 'node:http';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { AuditEntryEntity } from '../../src/audit/audit-entry.entity';
import { startApp, type TestApp } from '../support/app';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { sleep, waitFor } from '../support/wait';
import { listenOnLoopback, nestedArrays } from '../support/loopback';

// Holes in the gate found after the first round: "public" methods and paths that read bodies
// without a key, /graphql answers out of shape, graphql-ws without the nesting bound or the
// trusted proxies, and refusal entries that store whatever the caller sent.

// One raw HTTP request (supertest cannot send OPTIONS with a body, nor GET with one).
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      method,
      agent: false,
      headers: {
        ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer to ${method} ${path} within 10 s`));
    }, 10_000);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

const entriesOf = (t: TestApp, requestId: string) =>
  t.app
    .get(DataSource)
    .getRepository(AuditEntryEntity)
    .find({ where: { requestId }, order: { id: 'ASC' } });
const waitEntries = (t: TestApp, requestId: string) =>
  waitFor(async () => ((await entriesOf(t, requestId)).length > 0 ? entriesOf(t, requestId) : null), {
    what: `the audit entries of request ${requestId}`,
    timeoutMs: 10_000,
  });

// A graphql-transport-ws socket: the messages it received and how it ended.
async function wsConnect(
  port: number,
  params: Record<string, unknown> | null,
  headers: Record<string, string> = {},
): Promise<{
  ws: WebSocket;
  messages: Array<{ type: string; id?: string; payload?: unknown }>;
  outcome: { acked: boolean; code?: number; reason?: string };
  closed: Promise<{ code: number; reason: string }>;
}> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws', { headers });
  const messages: Array<{ type: string; id?: string; payload?: unknown }> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', ...(params ? { payload: params } : {}) }));
  const outcome = await Promise.race([
    waitFor(() => messages.some((m) => m.type === 'connection_ack'), {
      what: 'connection_ack',
      timeoutMs: 20_000,
    }).then(() => ({ acked: true })),
    closed.then((c) => ({ acked: false, ...c })),
  ]);
  return { ws, messages, outcome, closed };
}

describe('trust: gate 2, no key means no body read on any method or path', () => {
  const p = runPrefix('gate2');
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startApp();
    port = await listenOnLoopback(t);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('refuses keyless OPTIONS and non-GET requests on public paths with 401, unparsed, as one bounded entry', async () => {
    const json = { 'content-type': 'application/json' };
    const cases: Array<[string, string, string]> = [
      ['OPTIONS', '/api/v1/networks?q=1', 'options-rest'],
      ['POST', '/health/x1', 'post-health'],
      ['DELETE', '/health/live', 'delete-health'],
      ['POST', '/api/openapi.json', 'post-openapi'],
      ['PUT', '/graphql/ide/x.js', 'put-ide'],
      ['POST', '/api/v1/nothing-here', 'post-unknown'],
    ];
    for (const [method, path, id] of cases) {
      const res = await raw(port, method, path, { ...json, 'x-request-id': `${p}${id}` }, '{bad');
      expect([method, path, res.status]).toEqual([method, path, 401]);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      const entries = await waitEntries(t, `${p}${id}`);
      expect(entries.map((e) => [e.outcome, e.errorCode, e.input])).toEqual([
        ['denied', 'UNAUTHENTICATED', '{}'],
      ]);
    }
    // OPTIONS /graphql without a key: the gate, in GraphQL's shape, not Apollo's 405.
    const gql = await raw(
      port,
      'OPTIONS',
      '/graphql',
      { ...json, 'x-request-id': `${p}options-gql` },
      '{bad',
    );
    expect(gql.status).toBe(401);
    expect(JSON.parse(gql.body).errors[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      status: 401,
      requestId: `${p}options-gql`,
    });
  });

  it('serves public GETs without reading a body they carry', async () => {
    const res = await raw(port, 'GET', '/health/live', { 'content-type': 'application/json' }, '{bad');
    expect(res.status).toBe(200);
    const head = await raw(port, 'HEAD', '/api/openapi.json', {});
    expect(head.status).toBe(200);
  });
});

describe('trust: gate 2, a keyless OPTIONS flood is limited per address', () => {
  const p = runPrefix('gate2flood');
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startApp({ RATE_LIMIT_PER_SECOND: 1, RATE_LIMIT_BURST: 4 });
    port = await listenOnLoopback(t);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('answers 429 past the budget and audits nothing past it', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        raw(
          port,
          'OPTIONS',
          '/api/v1/networks',
          { 'content-type': 'application/json', 'x-request-id': `${p}f-${i}` },
          '{bad',
        ),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
    const rows = (await t.app.get(DataSource).getRepository(AuditEntryEntity).find()).filter((e) =>
      e.requestId.startsWith(`${p}f-`),
    );
    expect(rows.filter((e) => e.errorCode !== 'UNAUTHENTICATED')).toEqual([]);
  });
});

describe('trust: gate 2, CORS preflights', () => {
  const p = runPrefix('gate2cors');
  let t: TestApp;
  let port: number;
  const origin = 'https://portal.example.com';

  beforeAll(async () => {
    t = await startApp({ CORS_ORIGINS: origin });
    port = await listenOnLoopback(t);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('answers a real preflight without a key and without reading its body; any other OPTIONS needs a key', async () => {
    const preflight = await raw(
      port,
      'OPTIONS',
      '/api/v1/networks',
      {
        origin,
        'access-control-request-method': 'POST',
        'content-type': 'application/json',
        'x-request-id': `${p}pre`,
      },
      '{bad',
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    const plain = await raw(
      port,
      'OPTIONS',
      '/api/v1/networks',
      { origin, 'content-type': 'application/json', 'x-request-id': `${p}plain` },
      '{bad',
    );
    expect(plain.status).toBe(401);
    // Other requests from the origin still get the CORS headers.
    const keyed = await raw(port, 'GET', '/api/v1/networks', {
      origin,
      authorization: `Bearer ${t.config.ADMIN_API_KEY}`,
    });
    expect(keyed.status).toBe(200);
    expect(keyed.headers['access-control-allow-origin']).toBe(origin);
    await sleep(200);
    expect(await entriesOf(t, `${p}pre`)).toEqual([]);
  });
});

describe('trust: gate 2, every /graphql answer in shape', () => {
  const p = runPrefix('gate2shape');
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startApp();
    port = await listenOnLoopback(t);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('puts the request id in every error and the HTTP status of a refusal in extensions.status', async () => {
    const auth = { authorization: `Bearer ${t.config.ADMIN_API_KEY}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const cases: Array<[string, string, string, Record<string, string>, string | undefined]> = [
      ['batch', 'POST', '/graphql', json, JSON.stringify([{ query: '{ __typename }' }])],
      ['csrf', 'GET', '/graphql?query=%7B__typename%7D', auth, undefined],
      ['no body', 'POST', '/graphql', json, ''],
      [
        'variables as a string',
        'POST',
        '/graphql',
        json,
        JSON.stringify({ query: '{ __typename }', variables: 'x' }),
      ],
      ['query as a number', 'POST', '/graphql', json, JSON.stringify({ query: 1 })],
      [
        'operationName as a number',
        'POST',
        '/graphql',
        json,
        JSON.stringify({ query: '{ __typename }', operationName: 1 }),
      ],
      [
        'bad extensions on GET',
        'GET',
        '/graphql?query=%7B__typename%7D&extensions=%7Bbad',
        { ...auth, 'apollo-require-preflight': 'true' },
        undefined,
      ],
      ['OPTIONS with a key', 'OPTIONS', '/graphql', json, undefined],
      [
        'unknown persisted query',
        'POST',
        '/graphql',
        json,
        JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
      ],
    ];
    for (const [what, method, path, headers, body] of cases) {
      const id = `${p}${what.replace(/\W/g, '-')}`;
      const res = await raw(port, method, path, { ...headers, 'x-request-id': id }, body);
      const parsed = JSON.parse(res.body);
      expect([what, parsed.errors?.length > 0]).toEqual([what, true]);
      for (const error of parsed.errors) {
        expect([what, error.extensions.requestId]).toEqual([what, id]);
        expect([what, typeof error.extensions.code]).toEqual([what, 'string']);
        if (res.status >= 400) expect([what, error.extensions.status]).toEqual([what, res.status]);
      }
      expect([what, res.status < 500]).toEqual([what, true]);
      // Apollo's method refusal keeps its status; an unknown persisted query stays a 200 (clients
      // retry with the full query on reading its code).
      if (what === 'OPTIONS with a key') expect(res.status).toBe(405);
      if (what === 'unknown persisted query') expect(res.status).toBe(200);
    }
  });
});

describe('trust: gate 2, graphql-ws', () => {
  const p = runPrefix('gate2ws');
  const apps: TestApp[] = [];
  afterAll(async () => {
    await cleanupEngine(p);
    for (const t of apps) await t.close();
  });

  it('refuses a message whose variables or extensions nest deeper than 64 levels, audited', async () => {
    const t = await startApp();
    apps.push(t);
    const port = await listenOnLoopback(t);
    const { ws, messages, outcome } = await wsConnect(port, {
      authorization: `Bearer ${t.config.ADMIN_API_KEY}`,
    });
    expect(outcome.acked).toBe(true);
    const send = (id: string, inner: string) =>
      ws.send(`{"id":"${id}","type":"subscribe","payload":{"query":"{ networks { name } }",${inner}}}`);
    send('1', `"variables":{"x":${nestedArrays(200_000)}}`);
    send('2', `"extensions":{"x":${nestedArrays(1500)}}`);
    send('3', `"variables":{"x":${nestedArrays(60)}}`);
    for (const id of ['1', '2']) {
      const answer = await waitFor(() => messages.find((m) => m.id === id && m.type !== 'complete'), {
        what: `the answer to operation ${id}`,
        timeoutMs: 20_000,
      });
      expect(answer.type).toBe('error');
      const [error] = answer.payload as Array<{ message: string; extensions: Record<string, unknown> }>;
      expect(error.extensions).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      expect(error.message).toContain('64 levels');
    }
    const fine = await waitFor(() => messages.find((m) => m.id === '3' && m.type !== 'complete'), {
      what: 'the answer to operation 3',
      timeoutMs: 20_000,
    });
    expect(fine.type).toBe('next');
    ws.close();
    const rows = await waitFor(
      async () => {
        const found = (await t.app.get(DataSource).getRepository(AuditEntryEntity).find()).filter(
          (e) =>
            e.transport === 'graphql' &&
            e.errorCode === 'VALIDATION_FAILED' &&
            /64 levels/.test(e.detail ?? ''),
        );
        return found.length >= 2 ? found : null;
      },
      { what: 'the audited ws refusals', timeoutMs: 10_000 },
    );
    expect(rows.every((r) => r.outcome === 'denied')).toBe(true);
  });

  it('takes the client address of a socket from trusted proxies only (budget and audit)', async () => {
    const t = await startApp({ TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_PER_SECOND: 1, RATE_LIMIT_BURST: 2 });
    apps.push(t);
    const port = await listenOnLoopback(t);
    const repo = t.app.get(DataSource).getRepository(AuditEntryEntity);
    const first = await wsConnect(port, null, { 'x-forwarded-for': '203.0.113.7' });
    expect([first.outcome.acked, first.outcome.code]).toEqual([false, 4403]);
    const entry = await waitFor(() => repo.findOne({ where: { action: 'graphql.connect' } }), {
      what: 'the audited ws refusal',
      timeoutMs: 10_000,
    });
    expect(entry.actor).toBe('203.0.113.7');
    // That address has spent its budget (the upgrade and the refusal); another one behind the
    // same proxy has its own.
    const other = await wsConnect(port, null, { 'x-forwarded-for': '203.0.113.8' });
    expect([other.outcome.acked, other.outcome.code]).toEqual([false, 4403]);
  });
});

describe('trust: gate 2, refusal entries are bounded', () => {
  const p = runPrefix('gate2big');
  let t: TestApp;
  let viewer: string;

  beforeAll(async () => {
    t = await startApp();
    viewer = (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}viewer`, role: 'viewer' })
        .expect(201)
    ).body.key as string;
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const labels = () => Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));

  it('stores at most about 4 KiB of input for a refused write, REST and GraphQL', async () => {
    await t
      .as(viewer)
      .post('/api/v1/networks')
      .set('x-request-id', `${p}rest`)
      .send({ name: `${p}net`, labels: labels() })
      .expect(403);
    await t
      .as(viewer)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('x-request-id', `${p}gql`)
      .send({
        query: 'mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { id } }',
        variables: { i: { name: `${p}net`, labels: labels() } },
      })
      .expect(200);
    for (const id of ['rest', 'gql']) {
      const [entry] = await waitEntries(t, `${p}${id}`);
      expect([id, entry.outcome, entry.errorCode]).toEqual([id, 'denied', 'FORBIDDEN']);
      expect([id, (entry.input ?? '').length <= 4096]).toEqual([id, true]);
      expect(entry.input).toContain('truncated');
      // What fits is still there to read.
      expect(entry.input).toContain(`${p}net`);
    }
    expect((await docker.listNetworks()).some((n) => n.Name === `${p}net`)).toBe(false);
  });
});
