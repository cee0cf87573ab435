import WebSocket from 'ws';
import { ERROR_CATALOG } from '../../src/common/errors/error-codes';
import { startApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';

interface FieldError {
  field: string;
  message: string;
}
interface GqlError {
  message: string;
  path?: string[];
  extensions: { code: string; status?: number; requestId?: string; errors?: FieldError[] };
}

const RUN_SPLIT = '["sleep", "3600"]';
const EXEC_SPLIT = '["cat", "/etc/hostname"]';

// No field is named twice, and no message is repeated.
function oneMessagePerField(errors: FieldError[]): void {
  const fields = errors.map((e) => e.field);
  expect(new Set(fields).size).toBe(fields.length);
}

// Subnets of this file: 10.233.0.0/16.
describe('answers a person can use', () => {
  const p = runPrefix('ans');
  let t: TestApp;
  let port: number;
  let scopedKey: string;

  const engineHasContainer = async (name: string) =>
    (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${name}`));

  beforeAll(async () => {
    t = await startApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
    scopedKey = (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}scoped`, role: 'operator', scope: { team: `a-${p}` } })
        .expect(201)
    ).body.key as string;
    for (const [name, subnet] of [
      ['left', '10.233.1.0/24'],
      ['right', '10.233.2.0/24'],
    ])
      await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}${name}`, ipam: { config: [{ subnet }] } })
        .expect(201);
    const run = (name: string, network: string, extra: Record<string, unknown> = {}) =>
      t.http
        .post('/api/v1/containers')
        .send({
          name: `${p}${name}`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          labels: { [TEST_LABEL]: p, page: p },
          networks: [{ network: `${p}${network}` }],
          ...extra,
        })
        .expect(201);
    await run('a', 'left');
    await run('b', 'right');
    await run('c', 'left');
    await run('off', 'left', { start: false, labels: { [TEST_LABEL]: p } });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  describe('a command given as one string', () => {
    it('is a 400 on REST that says to give a list of arguments (run and exec)', async () => {
      const run = await t.http
        .post('/api/v1/containers')
        .send({ name: `${p}str`, image: TEST_IMAGE, command: 'sleep 3600' })
        .expect(400);
      expect(run.body.code).toBe('VALIDATION_FAILED');
      expect(run.body.errors).toHaveLength(1);
      expect(run.body.errors[0].field).toBe('command');
      expect(run.body.errors[0].message).toContain('list of arguments');
      expect(run.body.errors[0].message).toContain(RUN_SPLIT);
      expect(await engineHasContainer(`${p}str`)).toBe(false);

      const exec = await t.http
        .post(`/api/v1/containers/${p}a/exec`)
        .send({ command: 'cat /etc/hostname' })
        .expect(400);
      expect(exec.body.errors).toEqual([{ field: 'command', message: expect.stringContaining(EXEC_SPLIT) }]);
    });

    it('is refused on GraphQL, as a literal, a list variable or inside an input variable, never wrapped', async () => {
      const cases: Array<[string, Record<string, unknown> | undefined, string, string]> = [
        [
          `mutation { runContainer(input: {name: "${p}gstr", image: "${TEST_IMAGE}", command: "sleep 3600"}) { id } }`,
          undefined,
          'input.command',
          RUN_SPLIT,
        ],
        [
          `mutation($c: [String!]) { runContainer(input: {name: "${p}gstr", image: "${TEST_IMAGE}", command: $c}) { id } }`,
          { c: 'sleep 3600' },
          'input.command',
          RUN_SPLIT,
        ],
        [
          'mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }',
          { i: { name: `${p}gstr`, image: TEST_IMAGE, command: 'sleep 3600' } },
          'input.command',
          RUN_SPLIT,
        ],
        [
          `mutation { exec(ref: "${p}a", input: {command: "cat /etc/hostname"}) { exitCode } }`,
          undefined,
          'input.command',
          EXEC_SPLIT,
        ],
      ];
      for (const [query, variables, field, split] of cases) {
        const res = await t.gql(query, variables);
        const errors = res.body.errors as GqlError[];
        expect(res.status).toBe(400);
        expect(res.body.data ?? null).toBeNull();
        expect(errors).toHaveLength(1);
        expect(errors[0].extensions.code).toBe('VALIDATION_FAILED');
        expect(errors[0].extensions.errors).toEqual([{ field, message: expect.stringContaining(split) }]);
        expect(errors[0].message).toContain('list of arguments');
      }
      expect(await engineHasContainer(`${p}gstr`)).toBe(false);
      // A one-item list is a list: it passes (and fails later only for its image, here none).
      const list = await t.gql(
        `mutation { exec(ref: "${p}a", input: {command: ["hostname"]}) { exitCode } }`,
      );
      expect(list.body.data.exec.exitCode).toBe(0);
    });

    it('is refused over graphql-ws too', async () => {
      const answer = await new Promise<{ type: string; payload: GqlError[] }>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
        ws.on('open', () =>
          ws.send(
            JSON.stringify({
              type: 'connection_init',
              payload: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
            }),
          ),
        );
        ws.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString()) as { type: string; payload: GqlError[] };
          if (message.type === 'connection_ack') {
            ws.send(
              JSON.stringify({
                id: '1',
                type: 'subscribe',
                payload: {
                  query:
                    'mutation($c: [String!]!, $r: String!) { exec(ref: $r, input: {command: $c}) { exitCode } }',
                  variables: { c: 'cat /etc/hostname', r: `${p}a` },
                },
              }),
            );
          } else if (message.type === 'error' || message.type === 'next') {
            ws.close();
            resolve(message);
          }
        });
        ws.on('error', reject);
      });
      expect(answer.type).toBe('error');
      expect(answer.payload[0].extensions.code).toBe('VALIDATION_FAILED');
      expect(answer.payload[0].extensions.errors).toEqual([
        { field: 'input.command', message: expect.stringContaining(EXEC_SPLIT) },
      ]);
    });
  });

  describe('one message per field', () => {
    it('merges repeated and contradictory messages on REST', async () => {
      const bodies: Array<Record<string, unknown>> = [
        { image: TEST_IMAGE, command: [1] },
        { image: TEST_IMAGE, command: 'x', networks: 'abc', labels: ['a'], env: 'X=1' },
        { image: TEST_IMAGE, networks: ['abc'] },
      ];
      for (const body of bodies) {
        const res = await t.http.post('/api/v1/containers').send(body).expect(400);
        oneMessagePerField(res.body.errors as FieldError[]);
        expect(res.body.errors.length).toBe(Object.keys(body).length - 1);
      }
      for (const config of ['10.0.0.0/24', ['10.0.0.0/24']]) {
        const res = await t.http
          .post('/api/v1/networks')
          .send({ name: `${p}bad`, ipam: { config } })
          .expect(400);
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors[0].field).toBe('ipam.config');
        expect(res.body.errors[0].message).not.toContain('nested property');
      }
    });

    it('gives one message per field on GraphQL too', async () => {
      const res = await t.gql('mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }', {
        i: { image: TEST_IMAGE, command: [1], networks: 'abc', labels: ['a'] },
      });
      const errors = res.body.errors as GqlError[];
      expect(errors.every((e) => e.extensions.code === 'VALIDATION_FAILED')).toBe(true);
      expect(new Set(errors.map((e) => e.message)).size).toBe(errors.length);
    });
  });

  describe('a cursor carries its query', () => {
    const label = () => `page=${p}`;

    it('continues a filtered, limited container listing from the cursor alone (REST)', async () => {
      const first = await t.http.get('/api/v1/containers').query({ label: label(), limit: 2 }).expect(200);
      expect(first.body.items.map((c: { name: string }) => c.name)).toEqual([`${p}a`, `${p}b`]);
      const next = await t.http
        .get('/api/v1/containers')
        .query({ cursor: first.body.nextCursor })
        .expect(200);
      expect(next.body.items.map((c: { name: string }) => c.name)).toEqual([`${p}c`]);
      expect(next.body.nextCursor).toBeNull();
      // The same filters again are fine; other ones are a 400 that says so.
      await t.http
        .get('/api/v1/containers')
        .query({ label: label(), limit: 2, cursor: first.body.nextCursor })
        .expect(200);
      const other = await t.http
        .get('/api/v1/containers')
        .query({ label: `page=other-${p}`, cursor: first.body.nextCursor })
        .expect(400);
      expect(other.body.code).toBe('VALIDATION_FAILED');
      expect(other.body.errors[0].field).toBe('cursor');
      expect(other.body.detail).toMatch(/filters/);
    });

    it('refuses an edited cursor and applies the scope of the key that sends one', async () => {
      const first = await t.http.get('/api/v1/containers').query({ label: label(), limit: 1 }).expect(200);
      const cursor = first.body.nextCursor as string;
      const edited = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`;
      const bad = await t.http.get('/api/v1/containers').query({ cursor: edited }).expect(400);
      expect(bad.body.errors[0].field).toBe('cursor');
      // The admin's cursor in a scoped key's hands lists only what that key sees: none of these.
      const scoped = await t.as(scopedKey).get('/api/v1/containers').query({ cursor }).expect(200);
      expect(scoped.body.items).toEqual([]);
    });

    it('continues on GraphQL from the cursor alone', async () => {
      const first = await t.gql(
        'query($f: ContainerFilterInput) { containers(filter: $f, limit: 2) { items { name } nextCursor } }',
        { f: { label: [label()] } },
      );
      const cursor = first.body.data.containers.nextCursor as string;
      const next = await t.gql('query($c: String) { containers(cursor: $c) { items { name } nextCursor } }', {
        c: cursor,
      });
      expect(next.body.data.containers).toEqual({ items: [{ name: `${p}c` }], nextCursor: null });
      const other = await t.gql(
        'query($c: String) { containers(cursor: $c, filter: {state: "exited"}) { items { name } } }',
        { c: cursor },
      );
      expect((other.body.errors as GqlError[])[0].extensions.code).toBe('VALIDATION_FAILED');
    });

    it('continues audit logs and histories from the cursor alone, on both transports', async () => {
      const first = await t.http
        .get('/api/v1/audit-logs')
        .query({ action: 'network.create', limit: 1 })
        .expect(200);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const next = await t.http
        .get('/api/v1/audit-logs')
        .query({ cursor: first.body.nextCursor })
        .expect(200);
      expect(next.body.items).toHaveLength(1);
      expect(next.body.items[0].action).toBe('network.create');
      expect(next.body.items[0].id).toBeLessThan(first.body.items[0].id);
      await t.http
        .get('/api/v1/audit-logs')
        .query({ action: 'container.run', cursor: first.body.nextCursor })
        .expect(400);

      const gFirst = await t.gql(
        '{ auditLogs(filter: {action: "network.create"}, first: 1) { edges { node { id } } pageInfo { endCursor } } }',
      );
      const gNext = await t.gql(
        'query($a: String) { auditLogs(after: $a) { edges { node { id action } } } }',
        {
          a: gFirst.body.data.auditLogs.pageInfo.endCursor,
        },
      );
      expect(gNext.body.data.auditLogs.edges[0].node.action).toBe('network.create');

      const history = await t.http.get(`/api/v1/containers/${p}a/history`).query({ limit: 1 }).expect(200);
      expect(history.body.nextCursor).toEqual(expect.any(String));
      const wrong = await t.http
        .get(`/api/v1/containers/${p}b/history`)
        .query({ cursor: history.body.nextCursor })
        .expect(400);
      expect(wrong.body.errors[0].field).toBe('cursor');
    });
  });

  describe('a key sent without "Bearer "', () => {
    it('gets a 401 that says how to send it, on REST and GraphQL', async () => {
      for (const header of [TEST_ADMIN_KEY, `Token ${TEST_ADMIN_KEY}`]) {
        const rest = await t.anon.get('/api/v1/networks').set('authorization', header).expect(401);
        expect(rest.body.code).toBe('UNAUTHENTICATED');
        expect(rest.body.detail).toContain('Authorization: Bearer <key>');
        expect(rest.body.detail).toMatch(/without|missing/);
        expect(rest.body.detail).not.toContain(TEST_ADMIN_KEY);
        const gql = await t.anon
          .post('/graphql')
          .set('authorization', header)
          .send({ query: '{ networks { name } }' })
          .expect(401);
        expect(gql.body.errors[0].message).toContain('Authorization: Bearer <key>');
        expect(gql.body.errors[0].message).toMatch(/without|missing/);
      }
    });

    it('says so in the close reason of a graphql-ws connection', async () => {
      const reason = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
        ws.on('open', () =>
          ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: TEST_ADMIN_KEY } })),
        );
        ws.on('close', (_code, why: Buffer) => resolve(why.toString()));
      });
      expect(reason).toContain('"Bearer <key>"');
      expect(reason).toMatch(/without|missing/);
      expect(reason).not.toContain(TEST_ADMIN_KEY);
    });
  });

  describe('GraphQL transport errors', () => {
    const catalogued = (res: { status: number; body: { errors: GqlError[] } }) => {
      const [error] = res.body.errors;
      expect(Object.keys(ERROR_CATALOG)).toContain(error.extensions.code);
      expect(error.extensions.status).toBe(res.status);
      expect(error.extensions.requestId).toEqual(expect.any(String));
      return error;
    };

    it('answers GraphQL over GET with a catalogued code and what to send', async () => {
      const blocked = await t.http.get('/graphql').query({ query: '{ __typename }' }).expect(400);
      expect(catalogued(blocked).message).toContain('apollo-require-preflight');
      const ok = await t.http
        .get('/graphql')
        .set('apollo-require-preflight', 'true')
        .query({ query: '{ __typename }' })
        .expect(200);
      expect(ok.body.data).toEqual({ __typename: 'Query' });
      const mutation = await t.http
        .get('/graphql')
        .set('apollo-require-preflight', 'true')
        .query({ query: `mutation { removeNetwork(ref: "${p}left") }` })
        .expect(405);
      expect(catalogued(mutation).message).toContain('POST');
      const badVariables = await t.http
        .get('/graphql')
        .set('apollo-require-preflight', 'true')
        .query({ query: '{ __typename }', variables: '{bad' })
        .expect(400);
      expect(catalogued(badVariables).extensions.code).toBe('VALIDATION_FAILED');
    });

    it('answers a missing query and a non-JSON body with catalogued codes', async () => {
      const missing = await t.gql('').expect(400);
      expect(catalogued(missing).message).toContain('query');
      const empty = await t.http.post('/graphql').send({}).expect(400);
      expect(catalogued(empty).extensions.code).toBe('VALIDATION_FAILED');
      const text = await t.http
        .post('/graphql')
        .set('content-type', 'text/plain')
        .send('{ __typename }')
        .expect(415);
      expect(catalogued(text).extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses a malformed key id as 400 VALIDATION_FAILED on both transports', async () => {
      const rest = await t.http.delete('/api/v1/api-keys/not-a-uuid').expect(400);
      expect(rest.body.code).toBe('VALIDATION_FAILED');
      const gql = await t.gql('mutation { revokeApiKey(id: "not-a-uuid") }');
      const [error] = gql.body.errors as GqlError[];
      expect(error.extensions.code).toBe('VALIDATION_FAILED');
      expect(error.extensions.errors).toEqual([{ field: 'id', message: expect.stringContaining('UUID') }]);
    });
  });

  describe('the diagnosis suggests the fix in the caller’s transport', () => {
    const restPing = (from: string, to: string) =>
      t.http
        .post('/api/v1/connectivity/ping')
        .send({ from, to, count: 1, timeoutMs: 2000 })
        .expect(200)
        .then((r) => r.body.diagnosis as { code: string; message: string });
    const gqlPing = (from: string, to: string) =>
      t
        .gql('query($i: PingInput!) { ping(input: $i) { diagnosis { code message } } }', {
          i: { from, to, count: 1, timeoutMs: 2000 },
        })
        .then((r) => r.body.data.ping.diagnosis as { code: string; message: string });

    it('names the REST route on REST and the mutation on GraphQL (no shared network)', async () => {
      const rest = await restPing(`${p}a`, `${p}b`);
      expect(rest.code).toBe('NO_SHARED_NETWORK');
      expect(rest.message).toContain('POST /api/v1/networks/');
      const gql = await gqlPing(`${p}a`, `${p}b`);
      expect(gql.code).toBe('NO_SHARED_NETWORK');
      expect(gql.message).toContain('connectContainer(network: ');
      expect(gql.message).not.toContain('/api/v1');
    });

    it('names the start route or startContainer for a stopped target', async () => {
      const rest = await restPing(`${p}a`, `${p}off`);
      expect(rest.code).toBe('TARGET_NOT_RUNNING');
      expect(rest.message).toContain(`POST /api/v1/containers/${p}off/start`);
      const gql = await gqlPing(`${p}a`, `${p}off`);
      expect(gql.message).toContain(`startContainer(ref: "${p}off")`);
      expect(gql.message).not.toContain('/api/v1');
    });
  });
});
