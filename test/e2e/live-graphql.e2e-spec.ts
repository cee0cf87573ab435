import type { AddressInfo } from 'node:net';
import { LiveEvents } from '../../src/live/live-events';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { wsOperation, wsSubscribe, type WsSubscription } from '../support/graphql-ws';
import { runPrefix } from '../support/names';
import { expectStatus } from '../support/templates';
import { waitFor } from '../support/wait';

// Issue #12: `engineEvents(filter)` over graphql-ws on the real engines: events of changes made
// through the API and straight on the engine, filters, label scope, a revoked key, the stream
// limit, and a stop. Every subscription filters on this file's label (or is scoped to it): the
// engines are shared with other files. Subnets of this file: 10.117.0.0/16.

const EVENTS = `subscription ($filter: EngineEventFilterInput, $after: String) {
  engineEvents(filter: $filter, lastEventId: $after) { type action id name attributes time eventId }
}`;

interface Event {
  type: string;
  action: string;
  id: string;
  name: string | null;
  attributes: Record<string, string>;
  time: string;
  eventId: string;
}

// The events of a subscription that must have run without errors.
function eventsOf(s: WsSubscription): Event[] {
  for (const result of s.results)
    if (result.errors) throw new Error(`errors in the stream: ${JSON.stringify(result.errors)}`);
  return s.results.map((r: { data: { engineEvents: Event } }) => r.data.engineEvents);
}

// Waits until the subscription has an event that matches.
async function eventIn(s: WsSubscription, what: string, match: (e: Event) => boolean): Promise<Event> {
  return waitFor(
    () => {
      if (s.error || s.completed || s.closed)
        throw new Error(
          `the subscription ended: ${JSON.stringify({ error: s.error, results: s.results, closed: s.closed })}`,
        );
      return eventsOf(s).find(match);
    },
    { what, timeoutMs: 20_000 },
  );
}

describe('engineEvents over graphql-ws', () => {
  const p = runPrefix('livegql');
  const mine = [`${TEST_LABEL}=${p}`];
  let t: TestApp;
  let port: number;
  let live: LiveEvents;
  const open: WsSubscription[] = [];

  // A subscription that the hub holds (events after this are sent to it).
  async function subscribe(key: string, variables: Record<string, unknown> = {}): Promise<WsSubscription> {
    const before = live.openCount();
    const s = await wsSubscribe(port, key, EVENTS, variables);
    open.push(s);
    await waitFor(() => live.openCount() > before || s.error || s.completed || s.closed, {
      what: 'the stream to open',
    });
    return s;
  }
  async function createKey(
    name: string,
    scope?: Record<string, string>,
  ): Promise<{ id: string; key: string }> {
    const res = await t.http
      .post('/api/v1/api-keys')
      .send({ name, role: 'viewer', ...(scope ? { scope } : {}) });
    return expectStatus(res, 201).body as { id: string; key: string };
  }
  const createNetwork = async (name: string, subnet: string, team = p) =>
    expectStatus(
      await t.http
        .post('/api/v1/networks')
        .send({ name, labels: { [TEST_LABEL]: team }, ipam: { config: [{ subnet }] } }),
      201,
    ).body as { id: string };
  const runContainer = async (name: string, network: string) =>
    expectStatus(
      await t.http.post('/api/v1/containers').send({
        name,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels: { [TEST_LABEL]: p },
        networks: [{ network }],
      }),
      201,
    ).body as { id: string };

  beforeAll(async () => {
    t = await startApp({ MAX_STREAMS_PER_KEY: 4, MAX_IN_FLIGHT_PER_KEY: 2 });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    live = t.app.get(LiveEvents);
  });
  // Each test starts with no stream open (their count tells when a new one is open).
  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await waitFor(() => live.openCount() === 0, { what: 'the streams of the test to be released' });
  });
  afterAll(async () => {
    for (const s of open.splice(0)) s.close();
    await cleanupEngine(p);
    await t?.close();
  });

  let apiEvents: Event[] = [];

  it('sends the network and container events of changes made through the API', async () => {
    const s = await subscribe(t.config.ADMIN_API_KEY!, { filter: { label: mine } });
    const net = `${p}api`;
    const started = Date.now();
    const network = await createNetwork(net, '10.117.1.0/24');
    const container = await runContainer(`${p}api-c`, net);
    const created = await eventIn(s, 'network create', (e) => e.type === 'network' && e.action === 'create');
    expect(created).toMatchObject({
      id: network.id,
      name: net,
      attributes: expect.objectContaining({ name: net }),
    });
    expect(new Date(created.time).getTime()).toBeGreaterThan(started - 60_000);
    await eventIn(
      s,
      'network connect',
      (e) => e.action === 'connect' && e.attributes.container === container.id,
    );
    await eventIn(
      s,
      'container start',
      (e) => e.type === 'container' && e.action === 'start' && e.id === container.id,
    );

    expectStatus(await t.http.delete(`/api/v1/containers/${p}api-c`).query({ force: true }), 204);
    expectStatus(await t.http.delete(`/api/v1/networks/${net}`), 204);
    await eventIn(s, 'container destroy', (e) => e.action === 'destroy' && e.id === container.id);
    await eventIn(
      s,
      'network destroy',
      (e) => e.type === 'network' && e.action === 'destroy' && e.id === network.id,
    );
    console.log(`API changes: ${eventsOf(s).length} events in ${Date.now() - started} ms`);
    apiEvents = eventsOf(s);
    expect(new Set(apiEvents.map((e) => e.eventId)).size).toBe(apiEvents.length);
    expect(apiEvents.every((e) => e.type !== 'stream')).toBe(true);
  });

  it('resumes after lastEventId with the events that followed it', async () => {
    const s = await subscribe(t.config.ADMIN_API_KEY!, {
      filter: { label: mine },
      after: apiEvents[0].eventId,
    });
    const replayed = await s.next(apiEvents.length - 1, 'the replay');
    expect(replayed.map((r: { data: { engineEvents: Event } }) => r.data.engineEvents)).toEqual(
      apiEvents.slice(1),
    );
  });

  it('sends the events of changes made straight on the engine', async () => {
    const s = await subscribe(t.config.ADMIN_API_KEY!, { filter: { label: mine } });
    const name = `${p}raw`;
    const started = Date.now();
    const network = await docker.createNetwork({
      Name: name,
      Labels: { [TEST_LABEL]: p },
      IPAM: { Config: [{ Subnet: '10.117.2.0/24' }] },
    });
    const container = await docker.createContainer({
      name: `${p}raw-c`,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: p },
      HostConfig: { NetworkMode: name },
    });
    await container.start();
    await eventIn(s, 'network create', (e) => e.action === 'create' && e.id === network.id);
    await eventIn(s, 'container start', (e) => e.action === 'start' && e.id === container.id);
    console.log(
      `straight on the engine: the container's start arrived ${Date.now() - started} ms after the first call`,
    );
    await container.remove({ force: true });
    await network.remove();
    await eventIn(s, 'network destroy', (e) => e.action === 'destroy' && e.id === network.id);
  });

  it('filters by type, action, network and label', async () => {
    const net = `${p}flt`;
    const all = await subscribe(t.config.ADMIN_API_KEY!, { filter: { label: mine } });
    const containers = await subscribe(t.config.ADMIN_API_KEY!, {
      filter: { type: 'container', label: mine },
    });
    const connects = await subscribe(t.config.ADMIN_API_KEY!, {
      filter: { network: net, action: 'connect' },
    });
    await createNetwork(net, '10.117.3.0/24');
    const container = await runContainer(`${p}flt-c`, net);
    const isStart = (e: Event) => e.action === 'start' && e.id === container.id;
    await eventIn(all, 'container start (no type filter)', isStart);
    await eventIn(containers, 'container start (type container)', isStart);
    await eventIn(connects, 'the connect', (e) => e.attributes.container === container.id);
    // Events come in the engine's order: what came before the start has arrived.
    expect(eventsOf(all).some((e) => e.type === 'network' && e.action === 'create' && e.name === net)).toBe(
      true,
    );
    expect(eventsOf(containers).map((e) => e.type)).toEqual(eventsOf(containers).map(() => 'container'));
    expect(eventsOf(connects).map((e) => `${e.type} ${e.action} ${e.name}`)).toEqual([
      `network connect ${net}`,
    ]);
  });

  it('sends a scoped key only the events of what is within its scope', async () => {
    const { key } = await createKey(`${p}scoped`, { [TEST_LABEL]: `${p}a` });
    const s = await subscribe(key);
    await createNetwork(`${p}sb`, '10.117.4.0/24', `${p}b`);
    await createNetwork(`${p}sa`, '10.117.5.0/24', `${p}a`);
    await eventIn(s, 'the create of its network', (e) => e.action === 'create' && e.name === `${p}sa`);
    // The other network's create came first (the engine's order) and was not sent.
    expect(eventsOf(s).map((e) => e.name)).not.toContain(`${p}sb`);
    // Removed through the API (the model forgets it before the engine's destroy arrives): the key
    // still gets the destroy of its own network, and not the other's.
    expectStatus(await t.http.delete(`/api/v1/networks/${p}sb`), 204);
    expectStatus(await t.http.delete(`/api/v1/networks/${p}sa`), 204);
    await eventIn(s, 'the destroy of its network', (e) => e.action === 'destroy' && e.name === `${p}sa`);
    expect(eventsOf(s).every((e) => e.type === 'stream' || e.name === `${p}sa`)).toBe(true);
  });

  it("closes a revoked key's socket with 4403 and releases its stream", async () => {
    const { id, key } = await createKey(`${p}doomed`);
    const before = live.openCount();
    const s = await subscribe(key, { filter: { label: mine } });
    expect(live.openCount()).toBe(before + 1);
    expectStatus(await t.http.delete(`/api/v1/api-keys/${id}`), 204);
    await s.ended('the socket to close');
    expect(s.closed).toMatchObject({ code: 4403, reason: expect.stringContaining('revoked') });
    await waitFor(() => live.openCount() === before, { what: 'the stream to be released' });
  });

  it('refuses a stream past MAX_STREAMS_PER_KEY; open ones hold no request in progress', async () => {
    const { key } = await createKey(`${p}many`);
    const streams = [];
    for (let i = 0; i < 4; i++) streams.push(await subscribe(key, { filter: { label: mine } }));
    const fifth = await wsSubscribe(port, key, EVENTS, { filter: { label: mine } });
    open.push(fifth);
    await fifth.ended();
    expect(fifth.completed).toBe(true);
    expect(fifth.results[0].errors[0].extensions).toMatchObject({ code: 'TOO_MANY_STREAMS', status: 429 });
    // Four open subscriptions, MAX_IN_FLIGHT_PER_KEY 2: the key's queries still run, on both transports.
    expectStatus(await t.as(key).get('/api/v1/networks').query({ label: mine }), 200);
    const query = await wsOperation(port, key, `{ networks(filter: { name: "${p}nothing" }) { name } }`);
    expect(query).toMatchObject({ type: 'next', payload: { data: { networks: [] } } });
    // Completing one gives its place back.
    const before = live.openCount();
    streams[0].complete();
    await waitFor(() => live.openCount() === before - 1, { what: 'the completed stream to be released' });
    const again = await subscribe(key, { filter: { label: mine } });
    expect(again.results).toEqual([]);
    expect(again.completed || again.closed).toBeFalsy();
  });
});

describe('engineEvents when the service stops', () => {
  let t: TestApp | undefined;
  let s: WsSubscription | undefined;
  afterAll(async () => {
    s?.close();
    await t?.close();
  });

  it('ends the subscription with SERVICE_STOPPING, then closes the socket with 1001', async () => {
    t = await startApp();
    await t.app.listen(0, '127.0.0.1');
    const live = t.app.get(LiveEvents);
    s = await wsSubscribe(
      (t.app.getHttpServer().address() as AddressInfo).port,
      t.config.ADMIN_API_KEY!,
      EVENTS,
      {
        filter: { label: ['nothing-has-this-label'] },
      },
    );
    await waitFor(() => live.openCount() === 1, { what: 'the stream to open' });
    const closing = t.close();
    t = undefined;
    await closing;
    await waitFor(() => s?.closed, { what: 'the socket to close' });
    expect(s.results).toEqual([
      expect.objectContaining({
        data: null,
        errors: [
          expect.objectContaining({ extensions: expect.objectContaining({ code: 'SERVICE_STOPPING' }) }),
        ],
      }),
    ]);
    expect(s.completed).toBe(true);
    expect(s.closed).toEqual({ code: 1001, reason: 'the service is stopping' });
  });
});
