import { LiveEvents } from '../../src/live/live-events';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, execIn } from '../support/engine';
import { wsSubscribe, type WsSubscription } from '../support/graphql-ws';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { SseClient, type SseMessage } from '../support/sse';
import { BOOT_TIMEOUT_MS } from '../support/test-app';
import { waitFor } from '../support/wait';

// Red-team findings on the live streams, on the real engines: an exec's command (`exec_start:
// sh -c PASSWORD=...`) reaches only unscoped admin keys, redacted as in the audit log, over SSE,
// GraphQL and a resume alike; a stalled reader of large events is ended by STREAM_BUFFER_BYTES
// long before STREAM_BUFFER_MESSAGES. No networks are created (no subnets used).

const EVENTS = `subscription ($filter: EngineEventFilterInput) {
  engineEvents(filter: $filter) { type action id name attributes time eventId }
}`;

describe('live streams: exec commands and the byte bound', () => {
  const p = runPrefix('livexb');
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];
  const subscriptions: WsSubscription[] = [];
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    t = await startApp({ STREAM_BUFFER_BYTES: 65536, STREAM_BUFFER_MESSAGES: 1000 });
    port = await listenOnLoopback(t);
    await waitFor(async () => (await t.anon.get('/health/ready')).status === 200, {
      what: 'the service ready',
    });
    keys.admin = t.config.ADMIN_API_KEY ?? '';
    const key = async (name: string, role: string, scope: Record<string, string>) =>
      (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}${name}`, role, scope })
          .expect(201)
      ).body.key as string;
    keys.operator = await key('operator', 'operator', {});
    keys.scopedAdmin = await key('scoped-admin', 'admin', { 'sy-exec': p });
    keys.scopedViewer = await key('scoped-viewer', 'viewer', { 'sy-exec': p });
  }, BOOT_TIMEOUT_MS);
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    for (const s of subscriptions.splice(0)) s.close();
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const s of subscriptions.splice(0)) s.close();
    await cleanupEngine(p);
    await t?.close();
  });

  const sse = async (key: string, path: string, headers: Record<string, string> = {}) => {
    const client = await SseClient.open(port, path, key, headers);
    clients.push(client);
    expect(client.status).toBe(200);
    return client;
  };
  const execOf = (client: SseClient, action: string) =>
    client.waitFor((m) => m.event === 'message' && String(m.data.action).startsWith(action), `${action}`);

  it('tells the command of an exec only to an unscoped admin key, redacted, live and on a resume', async () => {
    const live = t.app.get(LiveEvents);
    const filter = `/api/v1/events?type=container&label=sy-exec=${p}`;
    const before = live.openCount();
    const streams = {
      admin: await sse(keys.admin, filter),
      operator: await sse(keys.operator, filter),
      scopedAdmin: await sse(keys.scopedAdmin, filter),
    };
    const gqlAdmin = await wsSubscribe(port, keys.admin, EVENTS, { filter: { label: [`sy-exec=${p}`] } });
    const gqlViewer = await wsSubscribe(port, keys.scopedViewer, EVENTS, {
      filter: { label: [`sy-exec=${p}`] },
    });
    subscriptions.push(gqlAdmin, gqlViewer);
    await waitFor(() => live.openCount() === before + 5, { what: 'the five streams open' });

    const name = `${p}box`;
    const container = await docker.createContainer({
      name,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: p, 'sy-exec': p },
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    // The scoped streams get the exec only once the read model knows the container (its start).
    for (const client of Object.values(streams)) await execOf(client, 'start');
    const result = await execIn(name, ['sh', '-c', 'PASSWORD=hunter2 true']);
    expect(result.exitCode).toBe(0);

    const actions: Record<string, string> = {};
    for (const [who, client] of Object.entries(streams)) {
      actions[who] = String((await execOf(client, 'exec_start')).data.action);
    }
    const gql = async (s: WsSubscription) => {
      const found = await waitFor(
        () =>
          (s.results as { data: { engineEvents: { action: string } } }[]).find((r) =>
            r.data?.engineEvents?.action.startsWith('exec_start'),
          ),
        { what: 'exec_start over graphql-ws', timeoutMs: 30_000 },
      );
      return found.data.engineEvents.action;
    };
    actions.gqlAdmin = await gql(gqlAdmin);
    actions.gqlViewer = await gql(gqlViewer);
    console.log(`exec_start as each key saw it: ${JSON.stringify(actions)}`);
    expect(actions).toEqual({
      admin: 'exec_start: sh -c PASSWORD=[redacted] true',
      operator: 'exec_start',
      scopedAdmin: 'exec_start',
      gqlAdmin: 'exec_start: sh -c PASSWORD=[redacted] true',
      gqlViewer: 'exec_start',
    });
    // exec_create too, and the secret is nowhere in any message (action or attributes).
    expect(String((await execOf(streams.admin, 'exec_create')).data.action)).toBe(
      'exec_create: sh -c PASSWORD=[redacted] true',
    );
    expect(String((await execOf(streams.operator, 'exec_create')).data.action)).toBe('exec_create');
    for (const client of Object.values(streams))
      expect(JSON.stringify(client.messages)).not.toContain('hunter2');
    expect(JSON.stringify([gqlAdmin.results, gqlViewer.results])).not.toContain('hunter2');

    // A resume (Last-Event-ID) replays each key its own form.
    const createdAt = (await execOf(streams.admin, 'create')).id ?? '';
    const replayed = async (key: string) => {
      const client = await sse(key, filter, { 'last-event-id': createdAt });
      const messages: SseMessage[] = [
        await execOf(client, 'exec_create'),
        await execOf(client, 'exec_start'),
      ];
      expect(JSON.stringify(client.messages)).not.toContain('hunter2');
      return messages.map((m) => String(m.data.action));
    };
    expect(await replayed(keys.admin)).toEqual([
      'exec_create: sh -c PASSWORD=[redacted] true',
      'exec_start: sh -c PASSWORD=[redacted] true',
    ]);
    expect(await replayed(keys.scopedAdmin)).toEqual(['exec_create', 'exec_start']);
    expect(await replayed(keys.operator)).toEqual(['exec_create', 'exec_start']);
  });

  it('ends a stalled reader of large events with STREAM_OVERFLOW by STREAM_BUFFER_BYTES', async () => {
    const live = t.app.get(LiveEvents);
    await waitFor(() => live.openCount() === 0, { what: 'the earlier streams closed' });
    const filter = `/api/v1/events?type=container&action=create&label=sy-bytes=${p}`;
    const slow = await sse(keys.admin, filter);
    await waitFor(() => live.openCount() === 1, { what: 'the stream open' });
    slow.pause();
    // 64 labels of 8 KiB: every event of such a container is about 512 KiB.
    const big = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`sy-big-${i}`, 'x'.repeat(8192)]));
    const started = Date.now();
    const made: string[] = [];
    // Bounded: at most 200 containers, or two minutes (far below STREAM_BUFFER_MESSAGES, 1000).
    while (live.openCount() > 0 && made.length < 200 && Date.now() - started < 120_000) {
      const name = `${p}c${made.length}`;
      await docker.createContainer({
        name,
        Image: TEST_IMAGE,
        Cmd: ['sleep', '1'],
        Labels: { [TEST_LABEL]: p, 'sy-bytes': p, ...big },
        HostConfig: { NetworkMode: 'none' },
      });
      made.push(name);
    }
    console.log(`the stream ended after ${made.length} events in ${Date.now() - started} ms`);
    expect(live.openCount()).toBe(0);
    slow.resume();
    await slow.waitForEnd(30_000);
    expect(slow.end?.data.code).toBe('STREAM_OVERFLOW');
    expect(slow.end?.data.message).toMatch(/65536 bytes \(STREAM_BUFFER_BYTES\)/);
    expect(slow.data.length).toBeLessThan(made.length);
    expect(slow.data.map((m) => m.data.name)).toEqual(made.slice(0, slow.data.length));
  });
});
