import { startApp, type TestApp } from '../support/app';
import { EngineProxy } from '../support/engine-proxy';

// Long enough that engine calls on a busy machine pass, short enough for the timeout test.
const ENGINE_TIMEOUT_MS = 5000;

describe('engine down, engine slow: clear answers and recovery without a restart', () => {
  const proxy = new EngineProxy();
  let t: TestApp;

  beforeAll(async () => {
    await proxy.up('pass');
    t = await startApp({ DOCKER_HOST: proxy.dockerHost, ENGINE_TIMEOUT_MS });
  });
  // Every test starts and ends with a working engine behind the proxy.
  beforeEach(() => proxy.up('pass'));
  afterEach(async () => {
    await proxy.down();
    await proxy.up('pass');
  });
  afterAll(async () => {
    await t?.close();
    await proxy.dispose();
  });

  it('is ready while the engine answers', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body.checks.engine.status).toBe('up');
  });

  it('answers 503 ENGINE_UNAVAILABLE on both transports while the engine is down, and stays up', async () => {
    await proxy.down();
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body.status).toBe('not_ready');
    expect(ready.body.checks.database.status).toBe('up');
    expect(ready.body.checks.engine.status).toBe('down');
    expect(ready.body.checks.engine.message).toContain('unreachable');
    expect(ready.body.checks.engine.message).toContain(proxy.dockerHost);

    const rest = await t.http.get('/api/v1/networks').expect(503);
    expect(rest.headers['content-type']).toContain('application/problem+json');
    expect(rest.body.code).toBe('ENGINE_UNAVAILABLE');
    expect(rest.body.detail).toContain('DOCKER_HOST');
    expect(JSON.stringify(rest.body)).not.toMatch(/at .*\.js:\d+/);

    const create = await t.http.post('/api/v1/networks').send({ name: 'syt-engine-down' }).expect(503);
    expect(create.body.code).toBe('ENGINE_UNAVAILABLE');

    const gql = await t.gql('{ networks { name } }').expect(200);
    expect(gql.body.errors[0].extensions.code).toBe('ENGINE_UNAVAILABLE');
    await t.http.get('/health/live').expect(200);
  });

  it('recovers by itself when the engine comes back', async () => {
    await proxy.down();
    await t.http.get('/api/v1/networks').expect(503);
    await t.http.get('/health/ready').expect(503);
    await proxy.up('pass');
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.checks.engine.status).toBe('up');
    const list = await t.http.get('/api/v1/networks').expect(200);
    expect(list.body.items.map((n: { name: string }) => n.name)).toContain('bridge');
  });

  it('answers 504 ENGINE_TIMEOUT when the engine does not answer in time, and recovers', async () => {
    await proxy.down();
    await proxy.up('blackhole');
    const rest = await t.http.get('/api/v1/networks').expect(504);
    expect(rest.body.code).toBe('ENGINE_TIMEOUT');
    expect(rest.body.detail).toContain(`${ENGINE_TIMEOUT_MS} ms`);
    const gql = await t.gql('{ networks { name } }').expect(200);
    expect(gql.body.errors[0].extensions.code).toBe('ENGINE_TIMEOUT');
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body.checks.engine.status).toBe('down');
    await proxy.down();
    await proxy.up('pass');
    await t.http.get('/api/v1/networks').expect(200);
  });
});
