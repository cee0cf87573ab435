import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// The audit log behind the scope wall: a scoped key reads no other key's input or details, no
// snapshot part that names another resource, and no resolved name of something outside its
// scope; command redaction inside shell strings; refusals over graphql-ws audited like HTTP.
// Subnets of this file: 10.247.0.0/16.

interface Entry {
  id: number;
  action: string;
  actor: string;
  outcome: string | null;
  errorCode: string | null;
  requestId: string;
  target: { kind: string | null; name: string | null; id: string | null };
  input: unknown;
  before: unknown;
  after: unknown;
  detail: string | null;
}

const GQL_ENTRY = `id action actor outcome errorCode requestId target { kind name id } input before after detail`;

interface GqlError {
  message: string;
  extensions?: { code?: string; requestId?: string };
}

interface Message {
  type: string;
  id?: string;
  payload?: unknown;
}

// A graphql-transport-ws client on a raw socket.
class WsClient {
  readonly messages: Message[] = [];
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString()) as Message));
  }

  static async connect(port: number, key: string): Promise<WsClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    const client = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
    await waitFor(() => client.messages.some((m) => m.type === 'connection_ack'), {
      what: 'connection_ack',
      timeoutMs: 20_000,
    });
    return client;
  }

  // One operation: its `next` payload's errors, or its `error` payload.
  async run(query: string, variables?: Record<string, unknown>): Promise<GqlError[]> {
    const id = String(++this.nextId);
    this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    const found = await waitFor(
      () => this.messages.find((m) => m.id === id && (m.type === 'next' || m.type === 'error')),
      { what: `an answer to operation ${id}`, timeoutMs: 30_000 },
    );
    if (found.type === 'error') return found.payload as GqlError[];
    return (found.payload as { errors?: GqlError[] }).errors ?? [];
  }

  close(): void {
    this.ws.close();
  }
}

describe('trust: the audit log behind the scope wall', () => {
  const p = runPrefix('taud2');
  const teamA = { team: `a-${p}` };
  const teamB = { team: `b-${p}` };
  let t: TestApp;
  let port: number;
  const clients: WsClient[] = [];
  const keys: Record<string, { id: string; key: string; name: string }> = {};
  const ids: Record<string, string> = {};

  const createKey = async (name: string, role: string, scope?: Record<string, string>) => {
    const res = await t.http
      .post('/api/v1/api-keys')
      .send({ name: `${p}${name}`, role, ...(scope ? { scope } : {}) })
      .expect(201);
    return { ...(res.body as { id: string; key: string }), name: `${p}${name}` };
  };
  const run = async (name: string, labels: Record<string, string>, networks: object[]) => {
    const res = await t.http
      .post('/api/v1/containers')
      .send({ name: `${p}${name}`, image: TEST_IMAGE, command: ['sleep', '3600'], labels, networks })
      .expect(201);
    return (res.body as { id: string }).id;
  };
  const history = async (key: string, kind: 'networks' | 'containers', ref: string) =>
    (await t.as(key).get(`/api/v1/${kind}/${ref}/history`).query({ limit: 500 }).expect(200)).body as {
      items: Entry[];
    };
  const gqlHistory = async (key: string, field: 'networkHistory' | 'containerHistory', ref: string) => {
    const res = await t.gql(
      `{ ${field}(ref: "${ref}", first: 500) { edges { node { ${GQL_ENTRY} } } } }`,
      {},
      key,
    );
    expect(res.body.errors).toBeUndefined();
    return (res.body.data[field].edges as Array<{ node: Entry }>).map((e) => e.node);
  };
  // The denied entries of one request, as the unscoped admin lists them.
  const deniedOf = async (requestId: string) => {
    const res = await t.http.get('/api/v1/audit-logs').query({ outcome: 'denied', limit: 500 }).expect(200);
    return (res.body.items as Entry[]).filter((e) => e.requestId === requestId);
  };

  beforeAll(async () => {
    t = await startApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
    keys.via = await createKey('via', 'viewer', teamA);
    keys.opa = await createKey('opa', 'operator', teamA);
    keys.adma = await createKey('adma', 'admin', teamA);
    keys.viewer = await createKey('viewer', 'viewer');
    for (const [name, labels, subnet] of [
      ['na', teamA, '10.247.1.0/24'],
      ['nb', teamB, '10.247.2.0/24'],
    ] as const) {
      const res = await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}${name}`, labels, ipam: { config: [{ subnet }] } })
        .expect(201);
      ids[name] = (res.body as { id: string }).id;
    }
    ids.ca = await run('ca', teamA, [{ network: `${p}na` }]);
    ids.cb = await run('cb', teamB, [{ network: `${p}nb` }]);
    ids.cb2 = await run('cb2', teamB, [{ network: `${p}na` }]);
    ids.nm = await run('nm', teamA, [{ network: `${p}nb`, aliases: [`${p}nm-secret`] }]);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await cleanupEngine(p);
    await t?.close();
  });

  describe('what a scoped key reads of the log', () => {
    it("shows no other key's input: a connection to its network by an admin keeps its address and alias hidden", async () => {
      await t.http
        .post(`/api/v1/networks/${p}na/connections`)
        .send({ container: `${p}cb`, ipv4Address: '10.247.1.77', aliases: [`${p}b-secret-alias`] })
        .expect(201);
      const secrets = ['10.247.1.77', `${p}b-secret-alias`, `${p}cb"`, ids.cb, ids.cb.slice(0, 12)];
      const rest = await history(keys.via.key, 'networks', `${p}na`);
      const gql = await gqlHistory(keys.via.key, 'networkHistory', `${p}na`);
      for (const items of [rest.items, gql]) {
        const connects = items.filter((e) => e.action === 'network.connect');
        expect(connects.length).toBeGreaterThan(0);
        for (const entry of connects) {
          expect(entry.input).toBeNull();
          expect(entry.detail).toBeNull();
        }
        const text = JSON.stringify(items);
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
      // The unscoped admin still reads everything.
      const full = await history(keys.viewer.key, 'networks', `${p}na`);
      expect(JSON.stringify(full.items.filter((e) => e.action === 'network.connect'))).toContain(
        '10.247.1.77',
      );
    });

    it("shows no other key's outcome details: a refused removal does not name the containers of other scopes", async () => {
      const res = await t.http.delete(`/api/v1/networks/${p}na`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const rest = await history(keys.via.key, 'networks', `${p}na`);
      const gql = await gqlHistory(keys.via.key, 'networkHistory', `${p}na`);
      for (const items of [rest.items, gql]) {
        const removals = items.filter((e) => e.action === 'network.remove');
        expect(removals.length).toBeGreaterThan(0);
        for (const entry of removals) expect(entry.detail).toBeNull();
        const text = JSON.stringify(items);
        for (const secret of [`${p}cb2`, ids.cb2.slice(0, 12)]) expect(text).not.toContain(secret);
      }
    });

    it('scrubs snapshots of network references: a container of its scope on a network of another', async () => {
      const seen = await t.as(keys.opa.key).get(`/api/v1/containers/${p}nm`).expect(200);
      expect(seen.body.networkMode).toBe('(outside your scope)');
      const rest = await history(keys.opa.key, 'containers', `${p}nm`);
      const gql = await gqlHistory(keys.opa.key, 'containerHistory', `${p}nm`);
      for (const items of [rest.items, gql]) {
        expect(items.some((e) => e.action === 'container.run' && e.after !== null)).toBe(true);
        const text = JSON.stringify(items);
        for (const secret of [ids.nb, ids.nb.slice(0, 12), `${p}nb`, `${p}nm-secret`])
          expect(text).not.toContain(secret);
      }
    });

    it("records no resolved name of another scope's container for a reference by id prefix", async () => {
      const taken = new Set((await docker.listContainers({ all: true })).map((c) => c.Id.slice(0, 12)));
      let missing = randomBytes(6).toString('hex');
      while (taken.has(missing)) missing = randomBytes(6).toString('hex');
      const prefix = ids.cb2.slice(0, 12);
      const existing = await t.as(keys.adma.key).post(`/api/v1/containers/${prefix}/restart`).expect(404);
      const absent = await t.as(keys.adma.key).post(`/api/v1/containers/${missing}/restart`).expect(404);
      expect(existing.body.code).toBe(absent.body.code);

      const listed = await t
        .as(keys.adma.key)
        .get('/api/v1/audit-logs')
        .query({ actor: keys.adma.name, action: 'container.restart', limit: 500 })
        .expect(200);
      const mine = (listed.body.items as Entry[]).filter((e) =>
        [existing.headers['x-request-id'], absent.headers['x-request-id']].includes(e.requestId),
      );
      expect(mine).toHaveLength(2);
      const [a, b] = mine;
      expect(a.target.id).toBeNull();
      expect(b.target.id).toBeNull();
      // The two entries look alike: the log tells an existing container from a missing one no more than the 404 did.
      expect(a.target.name === null).toBe(b.target.name === null);
      const csv = await t
        .as(keys.adma.key)
        .get('/api/v1/audit-logs')
        .query({ actor: keys.adma.name, format: 'csv' })
        .expect(200);
      const ndjson = await t
        .as(keys.adma.key)
        .get('/api/v1/audit-logs')
        .query({ actor: keys.adma.name, format: 'ndjson' })
        .expect(200);
      const gql = await t.gql(
        `{ auditLogs(filter: { actor: "${keys.adma.name}" }, first: 500) { edges { node { ${GQL_ENTRY} } } } }`,
        {},
        keys.adma.key,
      );
      expect(gql.body.errors).toBeUndefined();
      for (const text of [JSON.stringify(mine), csv.text, ndjson.text, JSON.stringify(gql.body)]) {
        expect(text).not.toContain(`${p}cb2`);
        expect(text).not.toContain(ids.cb2);
      }
    });

    it("cannot probe another scope's names through the target filter of its own entries", async () => {
      await t
        .as(keys.adma.key)
        .post(`/api/v1/containers/${ids.cb2.slice(0, 12)}/stop`)
        .expect(404);
      for (const target of [`${p}cb2`, ids.cb2]) {
        const rest = await t.as(keys.adma.key).get('/api/v1/audit-logs').query({ target }).expect(200);
        expect(rest.body.items).toEqual([]);
        const gql = await t.gql(
          `{ auditLogs(filter: { target: "${target}" }) { edges { node { id } } } }`,
          {},
          keys.adma.key,
        );
        expect(gql.body.data.auditLogs.edges).toEqual([]);
      }
      // The unscoped admin finds the entry by the name it resolved to.
      const all = await t.http.get('/api/v1/audit-logs').query({ target: `${p}cb2`, actor: keys.adma.name });
      expect(all.body.items.length).toBeGreaterThan(0);
    });
  });

  it('keeps secret values of NAME=value pairs out of the log inside quoted shell strings', async () => {
    const command = [
      'sh',
      '-c',
      'export "DB_PASSWORD=hunterQ1"; env "API_TOKEN=hunterQ2" true; Y_SECRET=hun\\ terQ4',
    ];
    const res = await t.http.post(`/api/v1/containers/${p}ca/exec`).send({ command }).expect(200);
    expect(res.body.exitCode).toBe(0);
    const entries = (
      await t.http.get('/api/v1/audit-logs').query({ action: 'container.exec', limit: 500 }).expect(200)
    ).body.items as Entry[];
    const mine = entries.filter((e) => e.requestId === res.headers['x-request-id']);
    expect(mine.length).toBeGreaterThan(0);
    const text = JSON.stringify(mine);
    for (const secret of ['hunterQ1', 'hunterQ2', 'terQ4']) expect(text).not.toContain(secret);
    expect(text).toContain('DB_PASSWORD=');
  });

  describe('refusals over graphql-ws', () => {
    const cases: Array<{
      what: string;
      key: () => string;
      query: string;
      variables?: Record<string, unknown>;
    }> = [
      {
        what: 'a viewer creating a network (FORBIDDEN)',
        key: () => keys.viewer.key,
        query: `mutation { createNetwork(input: { name: "${p}x" }) { id } }`,
      },
      {
        what: 'a scoped operator creating a public subnet (POLICY_VIOLATION)',
        key: () => keys.opa.key,
        query: `mutation { createNetwork(input: { name: "${p}pub", ipam: { config: [{ subnet: "8.8.8.0/24" }] } }) { id } }`,
      },
      {
        what: 'a variable that fails its type',
        key: () => keys.viewer.key,
        query: 'mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { id } }',
        variables: { i: { name: 5 } },
      },
      {
        what: 'containers(limit: 0)',
        key: () => keys.viewer.key,
        query: '{ containers(limit: 0) { items { id } } }',
      },
    ];
    for (const c of cases) {
      it(`writes one denied entry for ${c.what}, as over HTTP`, async () => {
        const client = await WsClient.connect(port, c.key());
        clients.push(client);
        const wsErrors = await client.run(c.query, c.variables);
        const http = await t.gql(c.query, c.variables ?? {}, c.key());
        const httpErrors = http.body.errors as GqlError[];
        const codes: Array<string | null> = [];
        for (const errors of [wsErrors, httpErrors]) {
          expect(errors.length).toBeGreaterThan(0);
          const requestId = errors[0].extensions?.requestId as string;
          expect(requestId).toBeTruthy();
          const denied = await waitFor(
            async () => {
              const found = await deniedOf(requestId);
              return found.length > 0 ? found : undefined;
            },
            { what: `the denied entry of ${requestId}`, timeoutMs: 10_000 },
          );
          expect(denied).toHaveLength(1);
          codes.push(denied[0].errorCode);
        }
        // Recorded alike on both transports.
        expect(codes[0]).toBeTruthy();
        expect(codes[0]).toBe(codes[1]);
      });
    }
  });
});
