import { rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { TEST_ADMIN_KEY } from '../support/app';
import { wsOperations } from '../support/graphql-ws';
import { runPrefix } from '../support/names';
import {
  freePort,
  jsonLines,
  requestLine,
  type ServiceProcess,
  ServiceProcesses,
} from '../support/service-process';
import { runTempDir } from '../support/temp';
import { waitFor } from '../support/wait';

type Json = ReturnType<typeof JSON.parse>;

// A raw HTTP GET (fetch refuses some of what a client may send): status, headers and body.
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('logs hardening', () => {
  const dir = runTempDir('logs-hardening-');
  const p = runPrefix('lh');
  const services = new ServiceProcesses();
  const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

  async function start(
    env: Record<string, string>,
  ): Promise<{ service: ServiceProcess; base: string; port: number }> {
    const port = await freePort();
    const service = services.start({
      PORT: String(port),
      DATABASE_PATH: join(dir, `${p}${port}`, 'switchyard.sqlite'),
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'info',
      ...env,
    });
    const base = `http://127.0.0.1:${port}`;
    await service.waitFor200(`${base}/health/ready`);
    return { service, base, port };
  }

  afterEach(() => services.stopAll());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('M4: an operation name cannot forge a pretty log line (HTTP and graphql-ws), nor send escapes', async () => {
    const { service, base, port } = await start({ LOG_FORMAT: 'pretty' });
    const forgedWs = `y\n[07:00:00.000] ERROR: ${p}forged-ws\u001b[2J\u009b`;
    const forgedHttp = `z\r\n[07:00:00.000] ERROR: ${p}forged-http\u001b]0;title\u0007`;
    const [ws] = await wsOperations(port, TEST_ADMIN_KEY, [{ query: '{ bad', operationName: forgedWs }]);
    expect(ws.type).toBe('error');
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': `${p}forge` },
      body: JSON.stringify({
        query: 'query A { __typename } query B { __typename }',
        operationName: forgedHttp,
      }),
    });
    expect(res.status).toBe(400);
    // The HTTP request line names an operation only once Apollo resolved it (a GraphQL name has
    // no line breaks), and its operationName field is not printed in pretty mode: wait for both lines.
    const out = await waitFor(
      () =>
        service.output().includes(`${p}forged-ws`) &&
        service.output().includes(`(request ${p}forge)`) &&
        service.output(),
      { what: 'the lines of both operations' },
    );
    const lines = out.split('\n');
    // The names are on the lines of their operations, not on lines of their own.
    expect(lines.filter((l) => l.startsWith('[07:00:00.000]'))).toEqual([]);
    expect(lines.find((l) => l.includes(`${p}forged-ws`))).toContain('graphql-ws');
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0007\u001b\u009b\r]/);
  });

  it('M4: graphql-ws answers a document whose operation cannot be chosen as HTTP does, with a code and request id', async () => {
    const { service, base, port } = await start({});
    const query = 'query A { __typename } query B { __typename }';
    const [ws, named] = await wsOperations(port, TEST_ADMIN_KEY, [{ query }, { query, operationName: 'C' }]);
    const http = (await (
      await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      })
    ).json()) as Json;
    expect(ws.type).toBe('error');
    expect(ws.payload).toEqual([
      {
        message: http.errors[0].message,
        extensions: { code: 'OPERATION_RESOLUTION_FAILURE', status: 400, requestId: expect.any(String) },
      },
    ]);
    expect(http.errors[0].extensions).toMatchObject({ code: 'OPERATION_RESOLUTION_FAILURE', status: 400 });
    expect(named.payload[0]).toMatchObject({
      message: 'Unknown operation named "C".',
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
    });
    const requestId = String(ws.payload[0].extensions.requestId);
    const line = await waitFor(
      () => jsonLines(service).find((l) => l.transport === 'graphql-ws' && l.reqId === requestId),
      { what: 'the graphql-ws line of the refusal' },
    );
    expect(line.graphqlErrors).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    // The audit log records the refusal under the same request id.
    const audit = (await (await fetch(`${base}/api/v1/audit-logs?limit=50`, { headers: auth })).json()) as {
      items: { requestId?: string; outcome?: string }[];
    };
    expect(audit.items.some((e) => e.requestId === requestId)).toBe(true);
  });

  it('M5 + L2: a REST 400 line carries its code; secret query values and headers are not logged', async () => {
    const { service, base } = await start({});
    const secrets = [
      `${p}qssecret`,
      `${p}pwsecret`,
      `${p}proxysecret`,
      `${p}xauthsecret`,
      `${p}cookiesecret`,
    ];
    const res = await fetch(`${base}/api/v1/containers?token=${secrets[0]}&password=${secrets[1]}`, {
      headers: {
        ...auth,
        'x-request-id': `${p}m5`,
        'proxy-authorization': `Basic ${secrets[2]}`,
        'x-auth-token': secrets[3],
        cookie: `session=${secrets[4]}`,
      },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code?: string; errors?: unknown[] };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors?.length).toBeGreaterThan(0);
    const line = await requestLine(service, `${p}m5`);
    expect(line.code).toBe('VALIDATION_FAILED');
    expect(line.graphqlErrors).toBeUndefined();
    expect(String(line.msg)).toMatch(/^GET \/api\/v1\/containers 400 VALIDATION_FAILED in \d+ ms$/);
    // Names kept, values gone.
    const req = line.req as { url: string; headers: Record<string, string> };
    expect(req.url).toBe('/api/v1/containers?token=[redacted]&password=[redacted]');
    expect(req.headers['proxy-authorization']).toBe('[redacted]');
    expect(req.headers['x-auth-token']).toBe('[redacted]');
    expect(req.headers['x-request-id']).toBe(`${p}m5`);

    // A GraphQL answer's codes still are its errors' codes.
    await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': `${p}m5gql` },
      body: JSON.stringify({ query: '{ noSuchField }' }),
    });
    const gql = await requestLine(service, `${p}m5gql`);
    expect(gql.graphqlErrors).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(gql.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const out = service.output();
    for (const secret of secrets) expect(out).not.toContain(secret);
    expect(out).not.toContain(TEST_ADMIN_KEY);
  });

  it('L1: an over-long URL or headers get 431 HEADERS_TOO_LARGE with a request id, in GraphQL shape on /graphql', async () => {
    const { service, port } = await start({});
    const rest = await rawGet(port, `/api/v1/containers?cursor=${'a'.repeat(100_000)}`, auth);
    expect(rest.status).toBe(431);
    expect(String(rest.headers['content-type'])).toContain('application/problem+json');
    const problem = JSON.parse(rest.body);
    expect(problem).toMatchObject({
      code: 'HEADERS_TOO_LARGE',
      status: 431,
      requestId: expect.any(String),
      detail: expect.stringContaining('shorter filters'),
    });
    expect(rest.headers['x-request-id']).toBe(problem.requestId);

    const headers = await rawGet(port, '/api/v1/networks', { ...auth, 'x-big': 'b'.repeat(20_000) });
    expect(headers.status).toBe(431);
    expect(JSON.parse(headers.body)).toMatchObject({
      code: 'HEADERS_TOO_LARGE',
      detail: expect.stringContaining('headers'),
    });

    const gql = await rawGet(
      port,
      `/graphql?query=${encodeURIComponent(`{ ${'networks { id } '.repeat(5000)}}`)}`,
      {
        ...auth,
        'apollo-require-preflight': 'true',
      },
    );
    expect(gql.status).toBe(431);
    const answer = JSON.parse(gql.body);
    expect(answer.errors[0]).toMatchObject({
      message: expect.stringContaining('POST body'),
      extensions: { code: 'HEADERS_TOO_LARGE', status: 431, requestId: expect.any(String) },
    });
    const line = await requestLine(service, problem.requestId);
    expect(line).toMatchObject({
      code: 'HEADERS_TOO_LARGE',
      req: { method: 'GET', url: '/api/v1/containers' },
    });
    // The service still answers on new connections.
    expect((await rawGet(port, '/api/v1/networks', auth)).status).toBe(200);
  });

  it('L5: a persisted query the service does not hold is PERSISTED_QUERY_NOT_FOUND, HTTP 200 and status 200 alike', async () => {
    const { service, base } = await start({});
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': `${p}apq` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
    });
    const body = (await res.json()) as Json;
    expect(body.errors[0].extensions).toMatchObject({
      code: 'PERSISTED_QUERY_NOT_FOUND',
      status: 200,
      requestId: `${p}apq`,
    });
    // Apollo's protocol: the client's cue to send the query again, not a failed request.
    expect(res.status).toBe(200);
    const line = await requestLine(service, `${p}apq`);
    expect(line).toMatchObject({ graphqlErrors: ['PERSISTED_QUERY_NOT_FOUND'], level: 30 });
  });
});
