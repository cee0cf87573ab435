import { rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TEST_ADMIN_KEY } from '../support/app';
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

describe('service logs', () => {
  const dir = runTempDir('logs-');
  const p = runPrefix('logs');
  const services = new ServiceProcesses();
  const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

  async function start(
    env: Record<string, string>,
    readyPath = '/health/ready',
  ): Promise<{ service: ServiceProcess; base: string }> {
    const port = await freePort();
    const service = services.start({
      PORT: String(port),
      DATABASE_PATH: join(dir, `${p}${port}`, 'switchyard.sqlite'),
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'info',
      ...env,
    });
    const base = `http://127.0.0.1:${port}`;
    await service.waitFor200(`${base}${readyPath}`);
    return { service, base };
  }

  afterEach(() => services.stopAll());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a REST 404 line carries its error code, and a 401 line UNAUTHENTICATED', async () => {
    const { service, base } = await start({});
    const missing = await fetch(`${base}/api/v1/containers/${p}missing`, {
      headers: { ...auth, 'x-request-id': `${p}rest404` },
    });
    expect(missing.status).toBe(404);
    const line = await requestLine(service, `${p}rest404`);
    expect(line).toMatchObject({
      code: 'CONTAINER_NOT_FOUND',
      req: expect.objectContaining({ method: 'GET', url: `/api/v1/containers/${p}missing` }),
      res: expect.objectContaining({ statusCode: 404 }),
      responseTime: expect.any(Number),
    });
    // A 4xx is the caller's mistake: logged at info, not as a service error.
    expect(line.level).toBe(30);

    const keyless = await fetch(`${base}/api/v1/networks`, {
      headers: { authorization: 'Bearer sy_not_a_real_key_value_000000000000', 'x-request-id': `${p}r401` },
    });
    expect(keyless.status).toBe(401);
    const unauth = await requestLine(service, `${p}r401`);
    expect(unauth).toMatchObject({
      code: 'UNAUTHENTICATED',
      res: expect.objectContaining({ statusCode: 401 }),
    });
    expect(service.output()).not.toContain('sy_not_a_real_key_value');
    expect(service.output()).not.toContain(TEST_ADMIN_KEY);
  });

  it('a GraphQL line carries the codes of the errors in its answer and the operation', async () => {
    const { service, base } = await start({});
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': `${p}gql` },
      body: JSON.stringify({
        query: `query FindIt { container(ref: "${p}missing") { id } }`,
        operationName: 'FindIt',
      }),
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('CONTAINER_NOT_FOUND');
    const line = await requestLine(service, `${p}gql`);
    expect(line).toMatchObject({
      graphqlErrors: ['CONTAINER_NOT_FOUND'],
      operationName: 'FindIt',
      operationType: 'query',
    });
    expect(line.level).toBe(30);
  });

  it('starts with a few lines and on SIGTERM says that it stopped and how long it took, then exits 0', async () => {
    const { service } = await start({});
    // Once ready, the engine's line is there too.
    const engine = await waitFor(
      () => jsonLines(service).find((l) => /^engine \S+ .*API \d+\.\d+/.test(String(l.msg))),
      { what: "the engine's start-up line" },
    );
    expect(engine.level).toBe(30);
    // Nest's module and route lines are debug: what the start says at info (request lines aside)
    // is a handful of lines: the database, where it listens, the engine, the read model live.
    const startup = jsonLines(service).filter((l) => l.req === undefined && (l.level as number) >= 30);
    expect(startup.length).toBeLessThanOrEqual(5);
    expect(jsonLines(service).some((l) => String(l.msg).startsWith('Mapped {'))).toBe(false);
    const text = startup.map((l) => String(l.msg)).join('\n');
    expect(text).toContain('listening on http://127.0.0.1:');
    expect(text).toContain(dir);

    service.child.kill('SIGTERM');
    expect(await service.exit).toEqual({ code: 0, signal: null });
    const finished = jsonLines(service).find((l) => String(l.msg).includes('shutdown finished'));
    expect(finished).toMatchObject({ level: 30, durationMs: expect.any(Number) });
    expect(jsonLines(service).some((l) => String(l.msg).includes('shutdown started'))).toBe(true);
  });

  it('LOG_FORMAT=pretty prints readable lines, not JSON', async () => {
    const { service, base } = await start({ LOG_FORMAT: 'pretty' });
    await fetch(`${base}/api/v1/containers/${p}missing`, {
      headers: { ...auth, 'x-request-id': `${p}pretty` },
    });
    const out = await waitFor(
      () =>
        service.output().includes(`${p}pretty`) &&
        service.output().includes('CONTAINER_NOT_FOUND') &&
        service.output(),
      { what: 'the pretty request line' },
    );
    const lines = out.split('\n').filter((l) => l.includes('INFO'));
    expect(lines.length).toBeGreaterThan(0);
    expect(out.split('\n').some((l) => l.trim().startsWith('{"level"'))).toBe(false);
    expect(out).toContain('listening on');
    expect(out).not.toContain(TEST_ADMIN_KEY);
  });

  it('LOG_LEVEL=debug shows each engine call with its operation, target, duration and outcome', async () => {
    // Reads straight from the engine (with the read model they make no engine call to log).
    const { service, base } = await start({ LOG_LEVEL: 'debug', READ_MODEL: 'false' });
    await fetch(`${base}/api/v1/containers/${p}missing`, {
      headers: { ...auth, 'x-request-id': `${p}debug` },
    });
    await requestLine(service, `${p}debug`);
    // A request with a body: its handler's lines carry its id too.
    await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': `${p}debugql` },
      body: JSON.stringify({ query: '{ networks { id } }' }),
    });
    await requestLine(service, `${p}debugql`);
    expect(jsonLines(service).some((l) => l.reqId === `${p}debugql` && l.engineCall === 'network.list')).toBe(
      true,
    );
    const calls = jsonLines(service).filter((l) => l.reqId === `${p}debug` && l.engineCall !== undefined);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call).toMatchObject({
        level: 20,
        context: 'DockerEngine',
        engineCall: expect.any(String),
        durationMs: expect.any(Number),
        outcome: expect.any(String),
      });
    }
    // The service looked the name up in the engine's list of containers (and found nothing).
    expect(calls).toContainEqual(
      expect.objectContaining({
        engineCall: 'container.list',
        target: expect.stringContaining('GET /'),
        outcome: 'ok',
      }),
    );
  });

  it('a 5xx line is at error with its code and cause; a start without the engine says so', async () => {
    const { service, base } = await start(
      { DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` },
      '/health/live',
    );
    const started = await waitFor(
      () => jsonLines(service).find((l) => String(l.msg).startsWith('engine not reachable yet')),
      { what: 'the start-up line about the missing engine' },
    );
    expect(started.level).toBe(40);
    const res = await fetch(`${base}/api/v1/networks`, { headers: { ...auth, 'x-request-id': `${p}r503` } });
    expect(res.status).toBe(503);
    const line = await requestLine(service, `${p}r503`);
    expect(line).toMatchObject({
      level: 50,
      code: 'ENGINE_UNAVAILABLE',
      res: { statusCode: 503 },
      err: expect.objectContaining({ message: expect.stringContaining('unreachable') }),
    });
    // A readiness probe's 503 is at warn: probes repeat while the engine is away.
    const probe = await fetch(`${base}/health/ready`, { headers: { 'x-request-id': `${p}ready503` } });
    expect(probe.status).toBe(503);
    expect(await requestLine(service, `${p}ready503`)).toMatchObject({ level: 40, res: { statusCode: 503 } });
  });

  it('graphql-ws: an operation answered with errors, or refused, is logged with its codes and request id', async () => {
    const { service, base } = await start({});
    const ws = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: { id?: string; type: string; payload?: unknown }[] = [];
    ws.on('message', (data: Buffer) =>
      messages.push(JSON.parse(data.toString()) as (typeof messages)[number]),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: auth.authorization } }));
      await waitFor(() => messages.some((m) => m.type === 'connection_ack'), { what: 'connection_ack' });
      const answer = async (id: string, query: string, operationName?: string) => {
        ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, operationName } }));
        const found = await waitFor(
          () => messages.find((m) => m.id === id && (m.type === 'next' || m.type === 'error')),
          { what: `the answer to operation ${id}` },
        );
        const errors = (
          found.type === 'error' ? found.payload : (found.payload as { errors: unknown }).errors
        ) as {
          extensions: { code: string; requestId: string };
        }[];
        return errors[0].extensions;
      };
      const ran = await answer('1', `query WsFind { container(ref: "${p}missing") { id } }`, 'WsFind');
      expect(ran.code).toBe('CONTAINER_NOT_FOUND');
      const ranLine = await waitFor(
        () => jsonLines(service).find((l) => l.reqId === ran.requestId && l.graphqlErrors !== undefined),
        { what: 'the graphql-ws line of the operation' },
      );
      expect(ranLine).toMatchObject({
        level: 30,
        transport: 'graphql-ws',
        operationType: 'query',
        operationName: 'WsFind',
        graphqlErrors: ['CONTAINER_NOT_FOUND'],
      });
      const refused = await answer('2', '{ container(ref: ');
      const refusedLine = await waitFor(
        () => jsonLines(service).find((l) => l.reqId === refused.requestId && l.graphqlErrors !== undefined),
        { what: 'the graphql-ws line of the refused operation' },
      );
      expect(refusedLine).toMatchObject({ transport: 'graphql-ws', graphqlErrors: [refused.code] });
    } finally {
      ws.close();
    }
    expect(service.output()).not.toContain(TEST_ADMIN_KEY);
  });
});
