import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { SseClient } from '../support/sse';
import { startApp, type TestApp } from '../support/app';
import { BOOT_TIMEOUT_MS } from '../support/test-app';
import { waitFor } from '../support/wait';
import { LiveEvents } from '../../src/live/live-events';

// Issue #12: "a slow client never grows the service's memory without bound". A client that stops
// reading fills the socket, then its stream's queue (STREAM_BUFFER_MESSAGES, 10 here); the stream
// then ends with STREAM_OVERFLOW and the service drops what it held; the client resumes with
// Last-Event-ID and gets what it missed.
describe('a slow SSE reader', () => {
  const p = runPrefix('liveslow');
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    t = await startApp({ STREAM_BUFFER_MESSAGES: 10 });
    port = await listenOnLoopback(t);
    await waitFor(async () => (await t.anon.get('/health/ready')).status === 200, {
      what: 'the service ready',
    });
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await cleanupEngine(p);
    await t?.close();
  });

  // 32 labels of 4 KiB: every event of such a container is about 128 KiB, so a few dozen fill the
  // socket's buffers of a reader that stopped.
  const big = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`sy-big-${i}`, 'x'.repeat(4096)]));

  it('is ended with STREAM_OVERFLOW, the queue dropped, and resumes without loss', async () => {
    const live = t.app.get(LiveEvents);
    const filter = `/api/v1/events?type=container&action=create&label=sy-slow=${p}`;
    const slow = await SseClient.open(port, filter, t.config.ADMIN_API_KEY ?? '');
    clients.push(slow);
    expect(slow.status).toBe(200);
    await waitFor(() => live.openCount() === 1, { what: 'the stream open' });
    slow.pause();
    const started = Date.now();
    const made: string[] = [];
    // Bounded: at most 400 containers, or two minutes.
    while (live.openCount() > 0 && made.length < 400 && Date.now() - started < 120_000) {
      const name = `${p}c${made.length}`;
      await docker.createContainer({
        name,
        Image: TEST_IMAGE,
        Cmd: ['sleep', '1'],
        Labels: { [TEST_LABEL]: '1', 'sy-slow': p, ...big },
        HostConfig: { NetworkMode: 'none' },
      });
      made.push(name);
    }
    console.log(`the stream ended after ${made.length} events in ${Date.now() - started} ms`);
    expect(live.openCount()).toBe(0);
    const rss = process.memoryUsage().rss;

    slow.resume();
    await slow.waitForEnd(30_000);
    expect(slow.end?.data.code).toBe('STREAM_OVERFLOW');
    expect(slow.end?.data.message).toMatch(/Last-Event-ID/);
    const received = slow.data;
    expect(received.length).toBeLessThan(made.length);
    expect(received.map((m) => m.data.name)).toEqual(made.slice(0, received.length));
    // What the process holds did not grow with what the reader missed (each event ~128 KiB).
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);

    // Resumed from the last message it got: the rest, in order, nothing twice.
    const last = received[received.length - 1];
    const resumed = await SseClient.open(port, filter, t.config.ADMIN_API_KEY ?? '', {
      'last-event-id': last?.id ?? '',
    });
    clients.push(resumed);
    const rest = made.slice(received.length);
    await waitFor(() => resumed.data.length >= rest.length, { what: 'the events missed', timeoutMs: 30_000 });
    expect(resumed.data.map((m) => m.data.name)).toEqual(rest);
  });
});
