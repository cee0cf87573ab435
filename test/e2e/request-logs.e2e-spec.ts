import { Writable } from 'node:stream';
import { startApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';

// A file of its own: Nest's logger is process-wide (the last app built logs for all), so the app
// under test must be the only one this file's module registry builds.
describe('request logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let t: TestApp;

  beforeAll(async () => {
    // Debug, and reads straight from the engine: the handler's engine calls log lines of their own.
    t = await startApp({ LOG_LEVEL: 'debug', READ_MODEL: false }, { logStream: sink });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('logs each request with its id, and handler logs carry the same id', async () => {
    await t.http.get('/api/v1/networks').set('x-request-id', 'log-probe-1').expect(200);
    await t.anon.get('/api/v1/networks').set('authorization', 'Bearer sy-secret-value-123').expect(401);
    const mine = () =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reqId === 'log-probe-1');
    const completed = () =>
      mine().some((l) => (l.req as { url?: string } | undefined)?.url === '/api/v1/networks' && l.res);
    // The completion line is written once the response has gone out.
    await waitFor(completed, { what: 'the completion log line of the request' });
    // The engine adapter logged from inside the handler, with the request's id.
    expect(mine().some((l) => l.context === 'DockerEngine')).toBe(true);
    expect(lines.join('\n')).not.toContain('sy-secret-value-123');
    expect(lines.join('\n')).not.toContain(TEST_ADMIN_KEY);
  });
});
