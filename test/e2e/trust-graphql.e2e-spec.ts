import { GraphQLSchemaHost } from '@nestjs/graphql';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getIntrospectionQuery, getNamedType, GraphQLInt, isCompositeType } from 'graphql';
import request from 'supertest';
import WebSocket from 'ws';
import { startApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, execIn } from '../support/engine';
import { runPrefix } from '../support/names';
import { runTempDir } from '../support/temp';
import { sleep, waitFor } from '../support/wait';
import { listenOnLoopback } from '../support/loopback';

// GraphQL over HTTP and graphql-ws behind the same gate: cost that stays linear in the document,
// a token limit at parse time, introspection only with a key, and keys, roles, scopes, safelist,
// limits, rate limits, payload size and audited refusals on the socket as on HTTP.
// Subnets of this file: 10.237.0.0/16.

const engineHasNetwork = async (name: string) => (await docker.listNetworks()).some((n) => n.Name === name);

// 2^n copies of two fields in about 50 bytes a fragment: exponential for a walk that follows
// every spread, linear for one that measures each fragment once.
function fragmentBomb(n: number): string {
  const fragments = ['fragment F0 on Network { name id }'];
  for (let i = 1; i <= n; i++) fragments.push(`fragment F${i} on Network { ...F${i - 1} ...F${i - 1} }`);
  return `{ networks { ...F${n} } }\n${fragments.join('\n')}`;
}

// Parsed JSON, as supertest's bodies are.
type Json = ReturnType<typeof JSON.parse>;

interface Message {
  type: string;
  id?: string;
  payload?: unknown;
}

// A graphql-transport-ws client on a raw socket: what the server sends, and how the socket ends.
class WsClient {
  readonly messages: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString()) as Message));
  }

  // Opens a socket and sends connection_init; answers once acknowledged or closed.
  static async connect(
    port: number,
    params: Record<string, unknown> | null,
  ): Promise<{ client: WsClient; acked: boolean; code?: number; reason?: string }> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    const client = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'connection_init', ...(params ? { payload: params } : {}) }));
    const outcome = await Promise.race([
      waitFor(() => client.messages.some((m) => m.type === 'connection_ack'), {
        what: 'connection_ack',
        timeoutMs: 20_000,
      }).then(() => ({ acked: true as const })),
      client.closed.then((c) => ({ acked: false as const, ...c })),
    ]);
    return { client, ...outcome };
  }

  // Sends one operation; answers its `next` payload or its `error` payload.
  async run(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ type: 'next' | 'error'; payload: Json }> {
    const id = String(++this.nextId);
    this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    const found = await Promise.race([
      waitFor(() => this.messages.find((m) => m.id === id && (m.type === 'next' || m.type === 'error')), {
        what: `an answer to operation ${id}`,
        timeoutMs: 30_000,
      }),
      this.closed.then((c) => {
        throw new Error(`socket closed (${c.code} ${c.reason}) before operation ${id} was answered`);
      }),
    ]);
    return { type: found.type as 'next' | 'error', payload: found.payload };
  }

  close(): void {
    this.ws.close();
  }

  // How the socket ended, within a deadline.
  closedWithin(timeoutMs: number): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      sleep(timeoutMs).then(() => {
        throw new Error(`the socket was still open after ${timeoutMs} ms`);
      }),
    ]);
  }
}

// The error codes of a graphql-ws answer, whether the operation was refused (error) or ran (next).
const wsCodes = (answer: { type: string; payload: Json }): string[] =>
  (answer.type === 'error' ? answer.payload : (answer.payload?.errors ?? [])).map(
    (e: { extensions?: { code?: string } }) => e.extensions?.code,
  );

// Integer arguments that number a template's revisions.
const REVISION_ARGS = new Set(['revision', 'from', 'to']);

describe('trust: GraphQL cost, introspection and graphql-ws', () => {
  const p = runPrefix('tgql');
  let t: TestApp;
  let port: number;
  const clients: WsClient[] = [];
  const keys: Record<string, { id: string; key: string }> = {};

  const createKey = async (name: string, role: string, extra: Record<string, unknown> = {}) =>
    (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}${name}`, role, ...extra })
        .expect(201)
    ).body as { id: string; key: string };

  const connect = async (key: string | null) => {
    const result = await WsClient.connect(port, key === null ? null : { authorization: `Bearer ${key}` });
    clients.push(result.client);
    return result;
  };
  const connected = async (key: string) => {
    const result = await connect(key);
    expect(result.acked).toBe(true);
    return result.client;
  };

  const deniedEntries = async (action: string) =>
    (
      (await t.http.get('/api/v1/audit-logs').query({ action, outcome: 'denied', limit: 100 }).expect(200))
        .body as { items: Array<{ actor: string; errorCode: string; detail: string; requestId: string }> }
    ).items;

  beforeAll(async () => {
    t = await startApp();
    port = await listenOnLoopback(t);
    keys.viewer = await createKey('viewer', 'viewer');
    keys.operator = await createKey('operator', 'operator');
    keys.teamA = await createKey('team-a', 'operator', { scope: { team: `a-${p}` } });
    await t.http
      .post('/api/v1/networks')
      .send({
        name: `${p}b-net`,
        labels: { team: `b-${p}` },
        ipam: { config: [{ subnet: '10.237.1.0/24' }] },
      })
      .expect(201);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await cleanupEngine(p);
    await t?.close();
  });

  describe('cost analysis', () => {
    it('refuses a 1 KB document of nested fragment spreads in milliseconds while /health/live answers', async () => {
      const document = fragmentBomb(22);
      expect(document.length).toBeLessThan(2048);
      const started = performance.now();
      let answeredAt = 0;
      const refused = t.gql(document).then((res) => {
        answeredAt = performance.now();
        return res;
      });
      // Liveness asked while the document is in flight.
      const liveStarted = performance.now();
      const live = await t.anon.get('/health/live');
      const liveMs = performance.now() - liveStarted;
      const res = await refused;
      const documentMs = answeredAt - started;
      process.stdout.write(
        `fragment bomb of ${document.length} bytes: refused after ${documentMs.toFixed(1)} ms; /health/live answered in ${liveMs.toFixed(1)} ms\n`,
      );
      expect(live.status).toBe(200);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(res.body.errors[0].message).toMatch(/costs/);
      // Generous bounds on a busy machine: the walk that followed every spread took seconds here.
      expect(documentMs).toBeLessThan(2000);
      expect(liveMs).toBeLessThan(2000);
    });

    it('stops parsing at the token limit: a long document is refused as too complex', async () => {
      const labels = Array.from({ length: 20_000 }, () => '"a"').join(',');
      const res = await t.gql(`{ networks(filter: { label: [${labels}] }) { name } }`);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(res.body.errors[0].message).toContain('GRAPHQL_MAX_TOKENS');
    });

    it('refuses the same documents over graphql-ws', async () => {
      const client = await connected(keys.viewer.key);
      const bomb = await client.run(fragmentBomb(22));
      expect(bomb.type).toBe('error');
      expect(wsCodes(bomb)).toEqual(['QUERY_TOO_COMPLEX']);
      const deep = await client.run(
        '{ networks { containers { name } ipam { config { subnet } } } a1: networks { name } a2: networks { name } ' +
          Array.from({ length: 25 }, (_, i) => `x${i}: networks { name }`).join(' ') +
          ' }',
      );
      expect(wsCodes(deep)).toContain('QUERY_TOO_COMPLEX');
      const labels = Array.from({ length: 20_000 }, () => '"a"').join(',');
      const long = await client.run(`{ networks(filter: { label: [${labels}] }) { name } }`);
      expect(wsCodes(long)).toEqual(['QUERY_TOO_COMPLEX']);
      // The socket stays usable for good documents.
      const ok = await client.run('{ networks { name } }');
      expect(ok.type).toBe('next');
      expect(ok.payload.errors).toBeUndefined();
    });
  });

  describe('introspection', () => {
    it('needs a key on HTTP, and with one the standard introspection query runs', async () => {
      const anon = await t.gql('{ __schema { types { name } } }', undefined, null);
      expect(anon.status).toBe(401);
      expect(anon.body.data?.__schema).toBeUndefined();
      expect(JSON.stringify(anon.body)).toContain('UNAUTHENTICATED');
      const anonType = await t.gql('{ __type(name: "Network") { name } }', undefined, null);
      expect(anonType.status).toBe(401);
      // What GraphiQL and schema tools send: about 15 levels of ofType, allowed with a key.
      const full = await t.gql(getIntrospectionQuery(), undefined, keys.viewer.key);
      expect(full.status).toBe(200);
      expect(full.body.errors).toBeUndefined();
      expect(full.body.data.__schema.queryType.name).toBe('Query');
    });

    it('cannot be reached without a key over graphql-ws', async () => {
      const anon = await connect(null);
      expect(anon.acked).toBe(false);
      expect(anon.code).toBe(4403);
      const client = await connected(keys.viewer.key);
      const answer = await client.run('{ __schema { queryType { name } } }');
      expect(answer.type).toBe('next');
      expect(answer.payload.data.__schema.queryType.name).toBe('Query');
    });
  });

  describe('graphql-ws gate', () => {
    it('refuses connections without a valid key with 4403, and audits each refusal', async () => {
      const before = (await deniedEntries('graphql.connect')).length;
      const missing = await connect(null);
      expect([missing.acked, missing.code]).toEqual([false, 4403]);
      expect(missing.reason).toMatch(/authorization/i);
      const wrong = await connect('sy_not_a_key');
      expect([wrong.acked, wrong.code]).toEqual([false, 4403]);
      expect(wrong.reason).toContain('not valid');
      const entries = await waitFor(
        async () => {
          const now = await deniedEntries('graphql.connect');
          return now.length >= before + 2 && now;
        },
        { what: 'audited graphql-ws refusals' },
      );
      expect(entries[0]).toMatchObject({ errorCode: 'UNAUTHENTICATED', actor: '127.0.0.1' });
    });

    it('runs operations as the key: its role and its scope', async () => {
      const viewer = await connected(keys.viewer.key);
      const read = await viewer.run('{ networks { name } }');
      expect(read.type).toBe('next');
      expect(read.payload.errors).toBeUndefined();
      expect(read.payload.data.networks.map((n: { name: string }) => n.name)).toContain(`${p}b-net`);
      const write = await viewer.run(
        `mutation { createNetwork(input: { name: "${p}by-viewer", ipam: { config: [{ subnet: "10.237.2.0/24" }] } }) { id } }`,
      );
      expect(wsCodes(write)).toEqual(['FORBIDDEN']);
      expect(write.payload.errors[0].extensions.requestId).toEqual(expect.any(String));
      expect(await engineHasNetwork(`${p}by-viewer`)).toBe(false);

      const teamA = await connected(keys.teamA.key);
      const made = await teamA.run(
        `mutation { createNetwork(input: { name: "${p}a-net", ipam: { config: [{ subnet: "10.237.3.0/24" }] } }) { name labels } }`,
      );
      expect(made.payload.errors).toBeUndefined();
      const inspected = await docker.getNetwork(`${p}a-net`).inspect();
      expect(inspected.Labels).toMatchObject({ team: `a-${p}` });
      const listed = await teamA.run('{ networks { name } }');
      const names = listed.payload.data.networks.map((n: { name: string }) => n.name);
      expect(names).toContain(`${p}a-net`);
      expect(names).not.toContain(`${p}b-net`);
      // Recorded under the key's name, like the same call over HTTP.
      const audit = await t.http
        .get('/api/v1/audit-logs')
        .query({ action: 'network.create', actor: `${p}team-a` })
        .expect(200);
      expect(audit.body.items.length).toBeGreaterThan(0);
    });

    it('answers bad arguments and variables on the socket as on HTTP', async () => {
      const client = await connected(keys.viewer.key);
      const query = 'query ($limit: Int) { containers(limit: $limit) { nextCursor } }';
      for (const limit of [0, 'ten']) {
        const http = await t.gql(query, { limit }, keys.viewer.key);
        const ws = await client.run(query, { limit });
        expect(wsCodes(ws)).toEqual(['VALIDATION_FAILED']);
        expect(http.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([
          'VALIDATION_FAILED',
        ]);
        expect(ws.payload.errors[0].extensions.status).toBe(400);
      }
    });

    it('closes the socket when its key is revoked', async () => {
      const key = await createKey('revoked', 'viewer');
      const client = await connected(key.key);
      expect((await client.run('{ networks { name } }')).type).toBe('next');
      await t.http.delete(`/api/v1/api-keys/${key.id}`).expect(204);
      const closed = await client.closedWithin(10_000);
      expect(closed.code).toBe(4403);
      expect(closed.reason).toContain('revoked');
      // And a new connection with it is refused.
      const again = await connect(key.key);
      expect([again.acked, again.code]).toEqual([false, 4403]);
    });

    it('audits refused documents over graphql-ws like over HTTP', async () => {
      const client = await connected(keys.viewer.key);
      const before = (await deniedEntries('graphql.document')).length;
      const answer = await client.run('{ networks { nosuchfield } }');
      expect(wsCodes(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      const entries = await waitFor(
        async () => {
          const now = await deniedEntries('graphql.document');
          return now.length > before && now;
        },
        { what: 'the audited refusal of a ws document' },
      );
      // Recorded as over HTTP: Apollo's document codes as VALIDATION_FAILED.
      expect(entries[0]).toMatchObject({ actor: `${p}viewer`, errorCode: 'VALIDATION_FAILED' });
      expect(entries[0].detail).toContain('nosuchfield');
    });

    it('closes a socket whose message is larger than BODY_LIMIT_BYTES', async () => {
      const client = await connected(keys.viewer.key);
      const padding = 'x'.repeat(t.config.BODY_LIMIT_BYTES + 1024);
      client.ws.send(
        JSON.stringify({
          id: 'big',
          type: 'subscribe',
          payload: { query: `{ networks { name } } # ${padding}` },
        }),
      );
      const closed = await client.closedWithin(10_000);
      expect(closed.code).toBe(1009);
    });
  });

  describe('small GraphQL 400s', () => {
    it('answers out-of-range pagination on every list query with VALIDATION_FAILED', async () => {
      const schema = t.app.get(GraphQLSchemaHost).schema;
      const problems: string[] = [];
      let checked = 0;
      for (const field of Object.values(schema.getQueryType()!.getFields())) {
        const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
        for (const arg of field.args.filter((a) => getNamedType(a.type) === GraphQLInt)) {
          const required = field.args
            .filter((a) => a !== arg && String(a.type).endsWith('!'))
            .map((a) => `${a.name}: ${getNamedType(a.type) === GraphQLInt ? 1 : '"x"'}`);
          // A revision number has no upper bound of its own (past the last one it is not found).
          const values = REVISION_ARGS.has(arg.name) ? [0, -1] : [0, -1, 100_000];
          for (const value of values) {
            const res = await t.gql(
              `{ ${field.name}(${[...required, `${arg.name}: ${value}`].join(', ')})${selection} }`,
            );
            const code = res.body.errors?.[0]?.extensions?.code;
            if (code !== 'VALIDATION_FAILED' || res.body.errors[0].extensions.status !== 400)
              problems.push(`${field.name}(${arg.name}: ${value}): ${res.status} ${code}`);
            checked += 1;
          }
        }
      }
      expect(problems).toEqual([]);
      expect(checked).toBeGreaterThanOrEqual(15);
      // REST agrees.
      const rest = await t.http.get('/api/v1/containers').query({ limit: 0 }).expect(400);
      expect(rest.body.code).toBe('VALIDATION_FAILED');
    });

    it('answers an automatic persisted query whose hash does not match with a 400', async () => {
      const query = '{ networks { name } }';
      const res = await t.http
        .post('/graphql')
        .set('content-type', 'application/json')
        .send({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      expect(res.body.errors[0].message).toContain('sha256Hash');
      // The right hash is accepted.
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const ok = await t.http
        .post('/graphql')
        .set('content-type', 'application/json')
        .send({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } })
        .expect(200);
      expect(ok.body.errors).toBeUndefined();
    });
  });
});

describe('trust: graphql-ws with introspection off, a safelist and tight rate limits', () => {
  let t: TestApp;
  let port: number;
  let dir: string | undefined;
  const clients: WsClient[] = [];
  const allowed = '{ networks { name } }';

  beforeAll(async () => {
    dir = runTempDir('tgql-safelist-');
    const file = join(dir, 'safelist.json');
    writeFileSync(file, JSON.stringify([allowed]));
    t = await startApp({
      GRAPHQL_INTROSPECTION: false,
      GRAPHQL_SAFELIST_PATH: file,
      RATE_LIMIT_PER_SECOND: 1,
      RATE_LIMIT_BURST: 5,
    });
    port = await listenOnLoopback(t);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const connected = async () => {
    const result = await WsClient.connect(port, { authorization: `Bearer ${TEST_ADMIN_KEY}` });
    clients.push(result.client);
    expect(result.acked).toBe(true);
    return result.client;
  };

  it('applies the safelist and the introspection switch on the socket, and shares the rate limit with HTTP', async () => {
    const client = await connected();
    const ok = await client.run(allowed);
    expect(ok.type).toBe('next');
    expect(ok.payload.errors).toBeUndefined();
    const other = await client.run('{ networks { id } }');
    expect(wsCodes(other)).toEqual(['QUERY_NOT_ALLOWED']);
    const introspection = await client.run('{ __schema { queryType { name } } }');
    expect(introspection.type).toBe('error');
    expect(JSON.stringify(introspection.payload)).not.toContain('"Query"');
    // Operations take from the key's bucket until it is empty; then HTTP finds it empty too.
    let limited: { type: string; payload: Json } | undefined;
    for (let i = 0; i < 20 && !limited; i++) {
      const answer = await client.run(allowed);
      if (wsCodes(answer).includes('RATE_LIMITED')) limited = answer;
    }
    expect(limited?.payload.errors?.[0]?.extensions ?? limited?.payload[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
    });
    const http = await request(t.app.getHttpServer())
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ query: allowed });
    expect(http.status).toBe(429);
  });
});

describe('trust: graphql-ws operations count as requests in progress of the key', () => {
  const p = runPrefix('tgqlin');
  let t: TestApp;
  let port: number;
  const clients: WsClient[] = [];

  beforeAll(async () => {
    // The held exec below ends when the test lets it go, not by a timeout.
    t = await startApp({ MAX_IN_FLIGHT_PER_KEY: 1, EXEC_TIMEOUT_MS: 120_000, EXEC_MAX_TIMEOUT_MS: 120_000 });
    port = await listenOnLoopback(t);
    await t.http
      .post('/api/v1/containers')
      .send({ name: `${p}slow`, image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p } })
      .expect(201);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await cleanupEngine(p);
    await t?.close();
  });

  it('refuses HTTP requests of the key while its operation on the socket runs, and the other way round', async () => {
    const { client, acked } = await WsClient.connect(port, { authorization: `Bearer ${TEST_ADMIN_KEY}` });
    clients.push(client);
    expect(acked).toBe(true);
    const held = client.run(
      `mutation { exec(ref: "${p}slow", input: { command: ["sh", "-c", "echo > /tmp/held; while ! test -e /tmp/release; do sleep 0.1; done; echo done"] }) { stdout } }`,
    );
    try {
      await waitFor(async () => (await execIn(`${p}slow`, ['test', '-e', '/tmp/held'])).exitCode === 0, {
        what: 'the held exec to run',
      });
      const http = await t.http.get('/api/v1/networks').expect(429);
      expect(http.body.detail).toContain('in progress');
      const ws = await client.run('{ networks { name } }');
      expect(wsCodes(ws)).toEqual(['RATE_LIMITED']);
    } finally {
      await execIn(`${p}slow`, ['sh', '-c', 'echo > /tmp/release']);
    }
    const done = await held;
    expect(done.payload.data.exec.stdout).toBe('done\n');
    // Given back when the operation ended.
    await waitFor(async () => (await t.http.get('/api/v1/networks')).status === 200, {
      what: 'the key to be free again',
    });
  });
});

describe('trust: graphql-ws connections count against the client address until they bring a key', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startApp({ RATE_LIMIT_PER_SECOND: 1, RATE_LIMIT_BURST: 5 });
    port = await listenOnLoopback(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  // Opens a socket and sends nothing: answers the HTTP status of a refused upgrade, or 101.
  const upgrade = () =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
      ws.once('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', reject);
    });

  it('refuses a flood of keyless upgrades with 429, while the keyed traffic of that address goes on', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30 && !statuses.includes(429); i++) statuses.push(await upgrade());
    expect(statuses[0]).toBe(101);
    expect(statuses).toContain(429);
    await t.http.get('/api/v1/networks').expect(200);
  });
});
