import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printAppSchema, SCHEMA_FILE } from '../../src/graphql-schema';
import { startApp, type TestApp } from '../support/app';
import { CONTAINER_ENGINE, type ContainerEngine } from '../../src/engine/engine.port';
import { ENGINE_HOST, FEATURES } from '../support/engines';

describe('platform: health, docs, IDE, error shape', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers liveness and readiness with both checks', async () => {
    await t.http.get('/health/live').expect(200, { status: 'ok' });
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.checks.database.status).toBe('up');
    expect(ready.body.checks.engine).toMatchObject({ status: 'up', endpoint: ENGINE_HOST });
    expect(ready.body.checks.engine.apiVersion).toMatch(/^1\.\d+$/);
  });

  it('expects of the engine exactly what the engine was seen to do (API version, MACs, network names)', async () => {
    const { engineVersion, shortIdAlias, ...detected } = FEATURES;
    expect(typeof shortIdAlias).toBe('boolean');
    expect(engineVersion).toMatch(/^\d+\.\d+/);
    expect(await t.app.get<ContainerEngine>(CONTAINER_ENGINE).features()).toEqual(detected);
  });

  it('serves an OpenAPI 3 document that lists the network routes', async () => {
    const res = await t.http.get('/api/openapi.json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/networks',
        '/api/v1/networks/{ref}',
        '/api/v1/networks/{ref}/connections',
        '/api/v1/networks/{ref}/connections/{container}',
        '/api/v1/networks/prune',
        '/health/ready',
      ]),
    );
    expect(res.body.components.schemas.CreateNetworkInput.required).toContain('name');
    expect(res.body.components.schemas.Problem).toBeDefined();
  });

  it('serves Swagger UI with every asset from the service itself', async () => {
    const page = await t.http.get('/api/docs').redirects(1).expect(200);
    expect(page.text).toContain('swagger-ui');
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const path = asset.startsWith('/') ? asset : `/api/docs/${asset.replace(/^\.\//, '')}`;
      await t.http.get(path).expect(200);
    }
  });

  it('serves the GraphQL IDE offline, under a strict CSP', async () => {
    const page = await t.http.get('/graphql').set('accept', 'text/html').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toHaveLength(5);
    for (const asset of assets) {
      expect(asset.startsWith('/graphql/ide/')).toBe(true);
      const res = await t.http.get(asset).expect(200);
      expect(res.body.length ?? res.text.length).toBeGreaterThan(100);
    }
    expect(page.text).not.toContain('<script>');
    await t.http.get('/graphql/ide/../../package.json').expect(404);
    await t.http.get('/graphql/ide/secret.js').expect(404);
  });

  it('answers unknown routes with problem+json and the request id', async () => {
    const res = await t.http.get('/api/v1/nothing-here').set('x-request-id', 'trace-123').expect(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.body).toMatchObject({ status: 404, code: 'NOT_FOUND', requestId: 'trace-123' });
    expect(res.body.type).toBe('urn:switchyard:problem:NOT_FOUND');
    expect(typeof res.body.title).toBe('string');
    expect(typeof res.body.detail).toBe('string');
  });

  it('replaces an unusable request id with its own', async () => {
    const res = await t.http.get('/health/live').set('x-request-id', 'bad id with spaces').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses broken, oversized and non-JSON bodies with stable codes', async () => {
    const bad = await t.http
      .post('/api/v1/networks')
      .set('content-type', 'application/json')
      .send('{"name":')
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const big = await t.http
      .post('/api/v1/networks')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'x', labels: { big: 'x'.repeat(2 * 1024 * 1024) } }))
      .expect(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    const text = await t.http
      .post('/api/v1/networks')
      .set('content-type', 'text/plain')
      .send('name=x')
      .expect(415);
    expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const form = await t.http.post('/api/v1/networks').type('form').send({ name: 'x' }).expect(415);
    expect(form.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const proto = await t.http
      .post('/api/v1/networks')
      .set('content-type', 'application/json')
      .send('{"name":"x","__proto__":{"admin":true}}')
      .expect(400);
    expect(proto.body.code).toBe('VALIDATION_FAILED');
  });

  it('gives GraphQL errors the same codes and the request id', async () => {
    const res = await t
      .gql('{ network(ref: "syt-does-not-exist-anywhere") { id } }')
      .set('x-request-id', 'gql-req-1')
      .expect(200);
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'NETWORK_NOT_FOUND',
      requestId: 'gql-req-1',
    });
    expect(res.body.errors[0].extensions.stacktrace).toBeUndefined();
    const invalid = await t.gql('{ networks { nope } }').expect(400);
    expect(invalid.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // graphql-js alone would run a subscription over HTTP as a query of its root field.
    const subscription = await t.gql('subscription { engineEvents { id } }').expect(400);
    expect(subscription.body.errors[0]).toMatchObject({
      message: expect.stringContaining('graphql-transport-ws'),
      extensions: { code: 'VALIDATION_FAILED' },
    });
  });

  it('refuses GraphQL requests that could be cross-site forgeries', async () => {
    await t.http.get('/graphql?query=%7B__typename%7D').expect(400);
    await t.http.get('/graphql?query=%7B__typename%7D').set('apollo-require-preflight', 'true').expect(200);
  });

  it('has a committed schema.gql that matches the code (run `npm run schema:write` after changing resolvers)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', SCHEMA_FILE), 'utf8');
    expect(printAppSchema(t.app)).toBe(committed);
  });
});
