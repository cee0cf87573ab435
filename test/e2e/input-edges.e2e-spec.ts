import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sqlite } from '../support/audit-log';
import { startApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { wsOperations, type WsPayload } from '../support/graphql-ws';
import { runPrefix } from '../support/names';
import { runTempDir } from '../support/temp';

interface FieldError {
  field: string;
  message: string;
}
interface GqlError {
  message: string;
  extensions: { code: string; errors?: FieldError[] };
}

// One operation over graphql-transport-ws with the admin key (an operation name may be given).
const overWs = async (port: number, payload: WsPayload) =>
  (await wsOperations(port, TEST_ADMIN_KEY, [payload]))[0];

describe('input edges', () => {
  const p = runPrefix('edge');
  let t: TestApp;
  let port: number;

  const engineHasContainer = async (name: string) =>
    (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${name}`));
  const gqlNamed = (query: string, operationName: string, variables?: Record<string, unknown>) =>
    t.http.post('/graphql').send({ query, variables, operationName });

  beforeAll(async () => {
    t = await startApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
    await t.http
      .post('/api/v1/containers')
      .send({ name: `${p}a`, image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p } })
      .expect(201);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  describe('M1: a command string in a variable default', () => {
    // `hostname` is one word: wrapped into a one-item list it would run (exit code 0).
    const execDefault = `mutation Run($c: [String!]! = "hostname") { exec(ref: "${p}a", input: {command: $c}) { exitCode } }`;
    const runDefault = (name: string) =>
      `mutation Run($i: RunContainerInput! = {name: "${name}", image: "${TEST_IMAGE}", command: "sleep"}) { runContainer(input: $i) { id } }`;

    it('is refused over HTTP, for exec and runContainer, and nothing runs', async () => {
      for (const query of [execDefault, runDefault(`${p}m1http`)]) {
        const res = await t.gql(query);
        expect(res.status).toBe(400);
        expect(res.body.data ?? null).toBeNull();
        const errors = res.body.errors as GqlError[];
        expect(errors[0].extensions.code).toBe('VALIDATION_FAILED');
        expect(errors[0].extensions.errors).toEqual([
          { field: 'input.command', message: expect.stringContaining('not one string') },
        ]);
      }
      expect(await engineHasContainer(`${p}m1http`)).toBe(false);
      // A sent list replaces the default and runs.
      const sent = await t.gql(execDefault, { c: ['hostname'] });
      expect(sent.body.data.exec.exitCode).toBe(0);
    });

    it('is refused over graphql-ws, and nothing runs', async () => {
      for (const query of [execDefault, runDefault(`${p}m1ws`)]) {
        const answer = await overWs(port, { query });
        expect(answer.type).toBe('error');
        const errors = answer.payload as GqlError[];
        expect(errors[0].extensions.code).toBe('VALIDATION_FAILED');
        expect(errors[0].extensions.errors).toEqual([
          { field: 'input.command', message: expect.stringContaining('not one string') },
        ]);
      }
      expect(await engineHasContainer(`${p}m1ws`)).toBe(false);
    });

    it('reads only the selected operation, over HTTP and graphql-ws', async () => {
      const document = `
        mutation Bad { exec(ref: "${p}a", input: {command: "hostname"}) { exitCode } }
        mutation Good { exec(ref: "${p}a", input: {command: ["hostname"]}) { exitCode } }
        query Read { container(ref: "${p}a") { name } }
      `;
      const good = await gqlNamed(document, 'Good').expect(200);
      expect(good.body.data.exec.exitCode).toBe(0);
      const read = await gqlNamed(document, 'Read').expect(200);
      expect(read.body.data.container.name).toBe(`${p}a`);
      const bad = await gqlNamed(document, 'Bad').expect(400);
      expect((bad.body.errors as GqlError[])[0].extensions.errors).toEqual([
        { field: 'input.command', message: expect.any(String) },
      ]);
      const ws = await overWs(port, { query: document, operationName: 'Good' });
      expect(ws.type).toBe('next');
      expect(ws.payload.data.exec.exitCode).toBe(0);
      const wsBad = await overWs(port, { query: document, operationName: 'Bad' });
      expect(wsBad.type).toBe('error');
      // A fragment the selected operation uses is read.
      const withFragment = `
        mutation M { ...F }
        fragment F on Mutation { exec(ref: "${p}a", input: {command: "hostname"}) { exitCode } }
        query Q { container(ref: "${p}a") { name } }
      `;
      await gqlNamed(withFragment, 'M').expect(400);
    });
  });

  describe('L9b: NUL in argv, environment and labels', () => {
    const fieldOf = (errors: FieldError[]) => errors.map((e) => e.field);

    it('is a 400 naming the field on REST, and nothing is created or run', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ command: ['sh', '-c', 'echo a\u0000b'] }, 'command'],
        [{ command: ['sleep', '3600'], env: { A: 'x\u0000y' } }, 'env'],
        [{ command: ['sleep', '3600'], env: { 'A\u0000B': 'x' } }, 'env'],
        [{ command: ['sleep', '3600'], labels: { team: 'a\u0000b' } }, 'labels'],
        [{ command: ['sleep', '3600'], hostname: 'a\u0000b' }, 'hostname'],
      ];
      for (const [body, field] of cases) {
        const res = await t.http
          .post('/api/v1/containers')
          .send({
            name: `${p}nul`,
            image: TEST_IMAGE,
            ...body,
            labels: { [TEST_LABEL]: p, ...(body.labels ?? {}) },
          })
          .expect(400);
        expect(fieldOf(res.body.errors)).toEqual([field]);
        if (field !== 'hostname') expect(res.body.errors[0].message).toContain('NUL');
      }
      expect(await engineHasContainer(`${p}nul`)).toBe(false);
      for (const [body, field] of [
        [{ command: ['echo', 'a\u0000b'] }, 'command'],
        [{ command: ['env'], env: { A: 'x\u0000y' } }, 'env'],
      ] as const) {
        const res = await t.http.post(`/api/v1/containers/${p}a/exec`).send(body).expect(400);
        expect(fieldOf(res.body.errors)).toEqual([field]);
        expect(res.body.errors[0].message).toContain('NUL');
      }
      const network = await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}nulnet`, labels: { [TEST_LABEL]: p, team: 'a\u0000b' } })
        .expect(400);
      expect(fieldOf(network.body.errors)).toEqual(['labels']);
      expect((await docker.listNetworks()).some((n) => n.Name === `${p}nulnet`)).toBe(false);
    });

    it('is a 400 naming the field on GraphQL', async () => {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        [
          'mutation($i: ExecInput!) { exec(ref: $r, input: $i) { exitCode } }'.replace(
            '$r',
            JSON.stringify(`${p}a`),
          ),
          { i: { command: ['echo', 'a\u0000b'] } },
          'command',
        ],
        [
          'mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }',
          { i: { name: `${p}gnul`, image: TEST_IMAGE, command: ['sleep', '3600'], env: { A: '\u0000' } } },
          'env',
        ],
        [
          'mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }',
          {
            i: { name: `${p}gnul`, image: TEST_IMAGE, command: ['sleep', '3600'], labels: { x: 'a\u0000' } },
          },
          'labels',
        ],
      ];
      for (const [query, variables, field] of cases) {
        // Refused by the input's validation, as a field error (the same answer as any invalid input).
        const res = await t.gql(query, variables);
        expect(res.body.data?.exec ?? res.body.data?.runContainer ?? null).toBeNull();
        const errors = res.body.errors as GqlError[];
        expect(errors[0].extensions.code).toBe('VALIDATION_FAILED');
        expect(fieldOf(errors[0].extensions.errors ?? [])).toEqual([field]);
        expect(errors[0].extensions.errors?.[0].message).toContain('NUL');
      }
      expect(await engineHasContainer(`${p}gnul`)).toBe(false);
    });

    it('lets tab and newline through', async () => {
      const res = await t.http
        .post(`/api/v1/containers/${p}a/exec`)
        .send({ command: ['printf', '%s', 'a\tb\nc'] })
        .expect(200);
      expect(res.body.exitCode).toBe(0);
    });
  });
  describe('L4: cursors and the filters sent with them', () => {
    beforeAll(async () => {
      for (const name of ['b', 'c'])
        await t.http
          .post('/api/v1/containers')
          .send({
            name: `${p}${name}`,
            image: TEST_IMAGE,
            command: ['sleep', '3600'],
            labels: { [TEST_LABEL]: p },
            start: false,
          })
          .expect(201);
    });
    const label = `${TEST_LABEL}=${p}`;

    it('refuses a filter sent with its default value that contradicts the cursor (REST)', async () => {
      const first = await t.http
        .get('/api/v1/containers')
        .query({ all: 'true', label, limit: 1 })
        .expect(200);
      const cursor = first.body.nextCursor as string;
      expect(cursor).toEqual(expect.any(String));
      const refused = await t.http.get('/api/v1/containers').query({ cursor, all: 'false' }).expect(400);
      expect(refused.body.errors).toEqual([
        { field: 'cursor', message: expect.stringContaining('not all=false') },
      ]);
      // The same filters, or none, continue it.
      const again = await t.http.get('/api/v1/containers').query({ cursor, all: 'true', label }).expect(200);
      expect(again.body.items).toHaveLength(1);
      await t.http.get('/api/v1/containers').query({ cursor }).expect(200);
      // A default filter that agrees with a cursor that has none is fine.
      const running = await t.http.get('/api/v1/containers').query({ label, limit: 1 }).expect(200);
      if (running.body.nextCursor)
        await t.http
          .get('/api/v1/containers')
          .query({ cursor: running.body.nextCursor as string, all: 'false' })
          .expect(200);
    });

    it('refuses filter {all: false} and label: [] against a cursor on GraphQL', async () => {
      const query =
        'query($f: ContainerFilterInput, $c: String) { containers(filter: $f, limit: 1, cursor: $c) { nextCursor items { name } } }';
      const first = await t.gql(query, { f: { all: true, label: [label] } }).expect(200);
      const cursor = first.body.data.containers.nextCursor as string;
      expect(cursor).toEqual(expect.any(String));
      for (const f of [{ all: false }, { all: true, label: [] }]) {
        const res = await t.gql(query, { f, c: cursor });
        expect(res.body.data?.containers ?? null).toBeNull();
        const errors = res.body.errors as GqlError[];
        expect(errors[0].extensions.code).toBe('VALIDATION_FAILED');
        expect(errors[0].extensions.errors?.[0].field).toBe('cursor');
      }
      const ok = await t.gql(query, { c: cursor }).expect(200);
      expect(ok.body.data.containers.items).toHaveLength(1);
    });

    it('answers an empty cursor with VALIDATION_FAILED on REST and GraphQL alike', async () => {
      const rest = await t.http.get('/api/v1/containers').query({ cursor: '' }).expect(400);
      expect(rest.body.errors).toEqual([
        { field: 'cursor', message: 'cursor must be the nextCursor of a previous page' },
      ]);
      const gql = await t.gql('{ containers(cursor: "") { items { name } } }');
      expect(gql.body.data?.containers ?? null).toBeNull();
      const errors = gql.body.errors as GqlError[];
      expect(errors[0].extensions.code).toBe('VALIDATION_FAILED');
      expect(errors[0].extensions.errors).toEqual(rest.body.errors);
      const after = await t.gql('{ containerHistory(ref: "x", after: "") { pageInfo { endCursor } } }');
      expect((after.body.errors as GqlError[])[0].extensions.code).toBe('VALIDATION_FAILED');
    });

    it("says a history cursor of another resource is another resource's history", async () => {
      await t.http.post(`/api/v1/containers/${p}b/start`).expect(200);
      const first = await t.http.get(`/api/v1/containers/${p}b/history`).query({ limit: 1 }).expect(200);
      const cursor = first.body.nextCursor as string;
      expect(cursor).toEqual(expect.any(String));
      const other = await t.http.get(`/api/v1/containers/${p}a/history`).query({ cursor }).expect(400);
      expect(other.body.errors).toEqual([
        {
          field: 'cursor',
          message: "cursor is a cursor of another resource's history: start again without it",
        },
      ]);
      expect(JSON.stringify(other.body)).not.toContain('targetOf');
      await t.http.get(`/api/v1/containers/${p}b/history`).query({ cursor }).expect(200);
    });
  });
  describe('L3: ADMIN_API_KEY replaced at start', () => {
    it('records the replacement with the old and new key ids, and the chain still verifies', async () => {
      const dir = runTempDir('edge-admin-');
      const databasePath = join(dir, 'switchyard.sqlite');
      const first = `sy_edge_first_${'a'.repeat(40)}`;
      const second = `sy_edge_second_${'b'.repeat(40)}`;
      let app = await startApp({ DATABASE_PATH: databasePath, ADMIN_API_KEY: first });
      let oldId: string;
      try {
        const keys = await app.http.get('/api/v1/api-keys').expect(200);
        oldId = (keys.body.items as Array<{ id: string; name: string }>).find(
          (k) => k.name === 'bootstrap-admin',
        )!.id;
        // Something the old key did, under the actor bootstrap-admin.
        await app.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}viewer`, role: 'viewer' })
          .expect(201);
      } finally {
        await app.app.close();
      }
      // The same value again changes nothing and records nothing.
      app = await startApp({ DATABASE_PATH: databasePath, ADMIN_API_KEY: first });
      await app.app.close();
      app = await startApp({ DATABASE_PATH: databasePath, ADMIN_API_KEY: second });
      try {
        await app.as(first).get('/api/v1/api-keys').expect(401);
        const keys = await app.http.get('/api/v1/api-keys').expect(200);
        const newId = (keys.body.items as Array<{ id: string; name: string }>).find(
          (k) => k.name === 'bootstrap-admin',
        )!.id;
        expect(newId).not.toBe(oldId);
        const page = await app.http
          .get('/api/v1/audit-logs')
          .query({ action: 'apikey.create', target: 'bootstrap-admin' })
          .expect(200);
        const entries = page.body.items as Array<Record<string, unknown>>;
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({
          transport: 'config',
          actor: expect.stringMatching(/^host:/),
          outcome: 'succeeded',
          target: { kind: 'apiKey', name: 'bootstrap-admin', id: newId },
          before: expect.objectContaining({ id: oldId }),
          after: expect.objectContaining({ id: newId }),
        });
        expect(entries[0].detail).toEqual(expect.stringContaining(oldId));
        // In the database too, after the old key's own entries.
        const rows = sqlite(
          databasePath,
          "SELECT id, actor FROM audit_log WHERE transport = 'config' OR actor = 'bootstrap-admin' ORDER BY id;",
        )
          .trim()
          .split('\n');
        expect(rows[rows.length - 1]).toMatch(/\|host:/);
        expect(rows.slice(0, -1).every((row) => row.endsWith('|bootstrap-admin'))).toBe(true);
        const verify = await app.http.get('/api/v1/audit-logs/verify').expect(200);
        expect(verify.body.ok).toBe(true);
      } finally {
        await app.app.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
