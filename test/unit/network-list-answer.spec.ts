import { MemoryEngine } from '../support/memory-engine';
import { startAppOn, type TestApp } from '../support/test-app';

// `GET /api/v1/networks` sends its answer as kept bytes (NetworkListAnswer): the same body,
// status and headers as a serialised answer, through the same hooks.
describe('GET /api/v1/networks sends kept bytes like any answer', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startAppOn(new MemoryEngine());
    await t.http
      .post('/api/v1/networks')
      .send({ name: 'answer-net', ipam: { config: [{ subnet: '10.120.250.0/24' }] } })
      .expect(201);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers JSON.stringify of the list with the usual headers', async () => {
    const res = await t.http.get('/api/v1/networks').set('x-request-id', 'list-answer-1').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-request-id']).toBe('list-answer-1');
    expect(res.headers['x-ratelimit-limit']).toBeDefined();
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    expect(res.text).toBe(JSON.stringify(res.body));
    expect((res.body.items as { name: string }[]).map((n) => n.name)).toContain('answer-net');
  });

  it('still validates the query', async () => {
    const res = await t.http.get('/api/v1/networks?scope=nowhere').expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
