import http from 'node:http';
import { DataSource } from 'typeorm';
import { AuditEntryEntity } from '../../src/audit/audit-entry.entity';
import { startApp, type TestApp } from '../support/app';
import { ENGINE_HOST } from '../support/engines';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';
import { listenOnLoopback, nestedArrays } from '../support/loopback';

// The HTTP gate: no key, no work; bounded bodies; GraphQL-shaped refusals on /graphql; trusted proxies.

const MIB = 1024 * 1024;

// Sends the headers and the first KiB of a body that claims `length` bytes, and resolves with the
// answer, which must come while the rest of the body has not been sent (it never is).
function answerBeforeUpload(
  port: number,
  path: string,
  headers: Record<string, string>,
  length = MIB,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(length), ...headers },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer to ${path} within 10 s while the body was incomplete`));
    }, 10_000);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
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
    req.write(`{"name":"${'x'.repeat(1000)}`);
  });
}

describe('trust: the HTTP gate', () => {
  const p = runPrefix('gate');
  let t: TestApp;
  let port: number;
  let keys: Record<string, string>;

  const entriesOf = (requestId: string) =>
    t.app
      .get(DataSource)
      .getRepository(AuditEntryEntity)
      .find({ where: { requestId }, order: { id: 'ASC' } });
  const waitEntries = (requestId: string, count = 1) =>
    waitFor(async () => ((await entriesOf(requestId)).length >= count ? entriesOf(requestId) : null), {
      what: `${count} audit entries of request ${requestId}`,
      timeoutMs: 10_000,
    });

  beforeAll(async () => {
    t = await startApp();
    port = await listenOnLoopback(t);
    keys = {
      viewer: (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}viewer`, role: 'viewer' })
          .expect(201)
      ).body.key as string,
    };
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('refuses a request without a key or with a bad key with 401 before reading its body (REST and GraphQL)', async () => {
    for (const authorization of [undefined, 'Bearer sy_not-a-real-key', 'Basic abc']) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const rest = await answerBeforeUpload(port, '/api/v1/networks', headers);
      expect(rest.status).toBe(401);
      expect(rest.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(rest.body)).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      expect(rest.headers['www-authenticate']).toBe('Bearer');
      // The rest of the body is never read: the connection is closed after the answer.
      expect(rest.headers.connection).toBe('close');

      const gql = await answerBeforeUpload(port, '/graphql', headers);
      expect(gql.status).toBe(401);
      expect(gql.headers['content-type']).toContain('application/json');
      expect(JSON.parse(gql.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    // Unknown routes too: nothing is told to a caller without a key.
    await answerBeforeUpload(port, '/api/v1/nothing-here', {}).then((r) => expect(r.status).toBe(401));
  });

  it('parses and validates nothing without a key: bad JSON, deep nesting and bad documents are all 401', async () => {
    const badJson = await t.anon
      .post('/api/v1/networks')
      .set('content-type', 'application/json')
      .send('{"name":')
      .expect(401);
    expect(badJson.body.code).toBe('UNAUTHENTICATED');
    await t.anon
      .post('/api/v1/networks')
      .set('content-type', 'application/json')
      .send(nestedArrays(1500))
      .expect(401);
    const gql = await t.gql('{ networks { nope } }', undefined, null).expect(401);
    expect(gql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const badKeyGql = await t.gql('{ networks { name } }', undefined, 'sy_wrong').expect(401);
    expect(badKeyGql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // What stays open stays open.
    await t.anon.get('/health/live').expect(200);
    await t.anon.get('/api/openapi.json').expect(200);
    await t.anon.get('/graphql').set('accept', 'text/html').expect(200);
  });

  it('audits a refusal without a key as one entry with the address, route and reason, never the body', async () => {
    const secret = `s3cr3t-${p}`;
    await t.anon
      .post('/api/v1/networks')
      .set('x-request-id', `${p}anon`)
      .send({ name: secret, labels: { password: secret } })
      .expect(401);
    await t
      .as('sy_wrong')
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('x-request-id', `${p}anon-gql`)
      .send({ query: `mutation { createNetwork(input: { name: "${secret}" }) { id } }` })
      .expect(401);
    const rest = await waitEntries(`${p}anon`);
    const gql = await waitEntries(`${p}anon-gql`);
    for (const [entries, action, transport] of [
      [rest, 'POST /api/v1/networks', 'rest'],
      [gql, 'POST /graphql', 'graphql'],
    ] as const) {
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actor: '127.0.0.1',
        action,
        transport,
        outcome: 'denied',
        errorCode: 'UNAUTHENTICATED',
      });
      expect(JSON.stringify(entries[0])).not.toContain(secret);
      expect(JSON.parse(entries[0].input ?? '{}')).toEqual({});
    }
    // A path that matches no route is kept short.
    await t.anon
      .get(`/api/v1/${'y'.repeat(5000)}?q=${secret}`)
      .set('x-request-id', `${p}anon-long`)
      .expect(401);
    const [long] = await waitEntries(`${p}anon-long`);
    expect(long.action).toBe(`GET /api/v1/${'y'.repeat(128 - 8)}`);
  });

  it('refuses bodies nested deeper than 64 levels with 400 before anything recursive runs (REST and GraphQL), audited', async () => {
    const create = 'mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { id } }';
    for (const levels of [65, 1500, 100_000]) {
      // Today 1,500 levels of arrays give a 500 on REST: the whole body, or a field that is a list.
      for (const [i, body] of [
        nestedArrays(levels),
        `{"name":"${p}deep","ipam":{"config":${nestedArrays(levels)}}}`,
      ].entries()) {
        const rest = await t.http
          .post('/api/v1/networks')
          .set('content-type', 'application/json')
          .set('x-request-id', `${p}deep-${levels}-${i}`)
          .send(body)
          .expect(400);
        expect(rest.body.code).toBe('VALIDATION_FAILED');
        expect(rest.body.detail).toContain('64 levels');
      }
      for (const [i, body] of [
        `{"query":"{ networks { name } }","variables":{"x":${nestedArrays(levels)}}}`,
        `{"query":"${create}","variables":{"i":{"name":"${p}deep","ipam":{"config":${nestedArrays(levels)}}}}}`,
      ].entries()) {
        const gql = await t.http
          .post('/graphql')
          .set('content-type', 'application/json')
          .set('x-request-id', `${p}deep-gql-${levels}-${i}`)
          .send(body)
          .expect(400);
        expect(gql.body.errors[0].extensions.code).toBe('VALIDATION_FAILED');
        expect(gql.body.errors[0].message).toContain('64 levels');
      }
    }
    // 64 levels are fine as JSON (the body is then refused for its type, not its depth).
    const ok = await t.http
      .post('/api/v1/networks')
      .set('content-type', 'application/json')
      .send(nestedArrays(64))
      .expect(400);
    expect(ok.body.detail).not.toContain('64 levels');
    const entries = await waitEntries(`${p}deep-1500-1`);
    expect(entries.map((e) => [e.outcome, e.errorCode])).toEqual([['denied', 'VALIDATION_FAILED']]);
    const gqlEntries = await waitEntries(`${p}deep-gql-1500-1`);
    expect(gqlEntries.map((e) => [e.transport, e.outcome, e.errorCode])).toEqual([
      ['graphql', 'denied', 'VALIDATION_FAILED'],
    ]);
    expect((await docker.listNetworks()).some((n) => n.Name === `${p}deep`)).toBe(false);
  });

  it('answers every HTTP-level refusal on /graphql in GraphQL shape with the right status, and REST in problem+json', async () => {
    const gqlPost = () =>
      t.http.post('/graphql').set('x-request-id', `${p}shape`).set('apollo-require-preflight', 'true');
    const cases: Array<
      [string, Promise<{ status: number; body: unknown; headers: Record<string, string> }>, number, string]
    > = [
      [
        'no key',
        t.anon.post('/graphql').set('x-request-id', `${p}shape`).send({ query: '{ networks { name } }' }),
        401,
        'UNAUTHENTICATED',
      ],
      [
        'too large',
        gqlPost()
          .set('content-type', 'application/json')
          .send(JSON.stringify({ query: '{ networks { name } }', variables: { x: 'x'.repeat(2 * MIB) } })),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'text/plain',
        gqlPost().set('content-type', 'text/plain').send('{ networks { name } }'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a form',
        gqlPost().type('form').send({ query: '{ networks { name } }' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'malformed JSON',
        gqlPost().set('content-type', 'application/json').send('{"query":'),
        400,
        'VALIDATION_FAILED',
      ],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      expect([what, res.status]).toEqual([what, status]);
      expect([what, res.headers['content-type']]).toEqual([
        what,
        expect.stringContaining('application/json'),
      ]);
      expect([what, res.body]).toEqual([
        what,
        {
          errors: [
            {
              message: expect.any(String),
              extensions: expect.objectContaining({ code, status, requestId: `${p}shape` }),
            },
          ],
        },
      ]);
    }
    // REST keeps problem+json for the same refusals.
    const rest = await t.http
      .post('/api/v1/networks')
      .set('content-type', 'text/plain')
      .send('name=x')
      .expect(415);
    expect(rest.headers['content-type']).toContain('application/problem+json');
    expect(rest.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('keeps a client X-Request-Id only when it is a short safe token', async () => {
    const keep = 'a'.repeat(60) + '._-9';
    expect((await t.anon.get('/health/live').set('x-request-id', keep)).headers['x-request-id']).toBe(keep);
    for (const bad of ['a'.repeat(65), 'abc:def', 'a b', 'x\u00e9y', '<script>']) {
      const res = await t.anon.get('/health/live').set('x-request-id', bad).expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('shows engine details on /health/ready only to callers with a valid unscoped key', async () => {
    const statesOnly = {
      status: 'ready',
      checks: { database: { status: 'up' }, engine: { status: 'up' } },
      readModel: { state: expect.stringMatching(/^(starting|syncing|live|stale)$/) as unknown },
    };
    const anon = await t.anon.get('/health/ready').expect(200);
    expect(anon.body).toEqual(statesOnly);
    const badKey = await t.as('sy_wrong').get('/health/ready').expect(200);
    expect(badKey.body).toEqual(statesOnly);
    const keyed = await t.as(keys.viewer).get('/health/ready').expect(200);
    expect(keyed.body.checks.engine).toMatchObject({ status: 'up', endpoint: ENGINE_HOST });
    expect(keyed.body.checks.engine.apiVersion).toMatch(/^1\.\d+$/);
    expect(typeof keyed.body.checks.engine.version).toBe('string');
    expect(typeof keyed.body.readModel.networks).toBe('number');
    // A scoped key, even an admin one, sees the states only: the details (where the engine is, its
    // version, the counts of all its objects) are about the whole engine, beyond its scope.
    for (const role of ['viewer', 'admin']) {
      const scoped = (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}scoped-${role}`, role, scope: { team: `${p}t` } })
          .expect(201)
      ).body.key as string;
      const answer = await t.as(scoped).get('/health/ready').expect(200);
      expect(answer.body).toEqual(statesOnly);
    }
  });
});

describe('trust: a keyless flood is limited per address, apart from keys', () => {
  const p = runPrefix('gateflood');
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startApp({ RATE_LIMIT_PER_SECOND: 1, RATE_LIMIT_BURST: 4 });
    await listenOnLoopback(t);
    key = (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}keyed`, role: 'viewer' })
        .expect(201)
    ).body.key as string;
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('answers 429 past the address budget, audits only what got through, and keyed traffic is not slowed', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.anon
          .post(i % 2 ? '/graphql' : '/api/v1/networks')
          .set('x-request-id', `${p}flood-${i}`)
          .send({ name: `${p}x` }),
      ),
    );
    const seconds = Math.ceil((Date.now() - started) / 1000);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const refused = statuses.filter((s) => s === 401).length;
    expect(refused).toBeGreaterThanOrEqual(4);
    expect(refused).toBeLessThanOrEqual(4 + seconds);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(30 - 4 - seconds);
    for (const r of limited) {
      const code = r.body.code ?? r.body.errors?.[0]?.extensions?.code;
      expect(code).toBe('RATE_LIMITED');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const gql429 = limited.find((r) => r.request.url.endsWith('/graphql'));
    expect(gql429?.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    // The same address with a key has a budget of its own.
    await t.as(key).get('/api/v1/networks').expect(200);
    await t.gql('{ networks { name } }', undefined, key).expect(200);
    // One entry per 401, none per 429.
    const repo = t.app.get(DataSource).getRepository(AuditEntryEntity);
    const audited = await waitFor(
      async () => {
        const rows = (await repo.find({ where: { errorCode: 'UNAUTHENTICATED' } })).filter((e) =>
          e.requestId.startsWith(`${p}flood-`),
        );
        return rows.length >= refused ? rows : null;
      },
      { what: 'the audit entries of the 401 answers', timeoutMs: 10_000 },
    );
    expect(audited).toHaveLength(refused);
    expect(
      (await repo.find({ where: { errorCode: 'RATE_LIMITED' } })).filter((e) =>
        e.requestId.startsWith(`${p}flood-`),
      ),
    ).toEqual([]);
  });
});

describe('trust: TRUSTED_PROXIES', () => {
  const p = runPrefix('gateproxy');
  const apps: TestApp[] = [];
  afterAll(async () => {
    await cleanupEngine(p);
    for (const t of apps) await t.close();
  });

  const boot = async (overrides: Record<string, unknown>) => {
    const t = await startApp({ RATE_LIMIT_PER_SECOND: 1, RATE_LIMIT_BURST: 2, ...overrides });
    apps.push(t);
    await listenOnLoopback(t);
    return t;
  };
  const keyless = (t: TestApp, forwarded: string, id: string) =>
    t.anon.get('/api/v1/networks').set('x-forwarded-for', forwarded).set('x-request-id', `${p}${id}`);
  const actorOf = (t: TestApp, id: string) =>
    waitFor(
      async () =>
        (
          await t.app
            .get(DataSource)
            .getRepository(AuditEntryEntity)
            .findOne({ where: { requestId: `${p}${id}` } })
        )?.actor,
      { what: `the audit entry of ${id}`, timeoutMs: 10_000 },
    );

  it('ignores X-Forwarded-For by default: every forwarded address shares the peer budget', async () => {
    const t = await boot({});
    for (let i = 0; i < 2; i++) await keyless(t, '203.0.113.1', `off-${i}`).expect(401);
    await keyless(t, '203.0.113.2', 'off-other').expect(429);
    expect(await actorOf(t, 'off-0')).toBe('127.0.0.1');
  });

  it('with 127.0.0.1 trusted, takes the rightmost untrusted forwarded address for budget and audit', async () => {
    const t = await boot({ TRUSTED_PROXIES: '127.0.0.1, 10.99.0.0/16' });
    for (let i = 0; i < 2; i++) await keyless(t, '203.0.113.1', `on-${i}`).expect(401);
    await keyless(t, '203.0.113.1', 'on-limited').expect(429);
    // Another client behind the proxy has its own budget.
    await keyless(t, '203.0.113.2', 'on-other').expect(401);
    expect(await actorOf(t, 'on-other')).toBe('203.0.113.2');
    // A client cannot pick its address: only hops added by trusted proxies are skipped.
    await keyless(t, '203.0.113.1, 198.51.100.7, 10.99.1.1', 'on-spoof').expect(401);
    expect(await actorOf(t, 'on-spoof')).toBe('198.51.100.7');
  });

  it('refuses a TRUSTED_PROXIES value that is not a list of addresses or CIDRs', async () => {
    await expect(startApp({ TRUSTED_PROXIES: '127.0.0.1, not-an-address' })).rejects.toThrow(
      /TRUSTED_PROXIES/,
    );
    await expect(startApp({ TRUSTED_PROXIES: '10.0.0.0/33' })).rejects.toThrow(/TRUSTED_PROXIES/);
  });
});
