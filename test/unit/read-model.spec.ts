import { PassThrough, type Readable } from 'node:stream';
import type { NetworkInfo } from '../../src/engine/engine.types';
import { EventFeed, type EventStreamPort, type FeedHandlers } from '../../src/engine/read-model/event-feed';
import { engineTimeOf, LineSplitter, parseEventLine } from '../../src/engine/read-model/event-lines';
import type { ModelContainer, ModelEnginePort } from '../../src/engine/read-model/model-port';
import { ReadModel } from '../../src/engine/read-model/read-model';
import type { EngineEvent, ObservedEvent } from '../../src/engine/read-model/read-model.types';

// A deferred answer: the test decides when (and in which order) the engine's reads answer.
function later<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const network = (id: string, name = id, labels: Record<string, string> = {}): NetworkInfo => ({
  id,
  name,
  driver: 'bridge',
  scope: 'local',
  internal: false,
  attachable: false,
  ingress: false,
  configOnly: false,
  enableIPv6: false,
  ipam: { driver: 'default', config: [], options: {} },
  options: {},
  labels,
  createdAt: null,
});

const container = (id: string, name: string, state = 'running', networks: string[] = []): ModelContainer => ({
  info: {
    id,
    name,
    names: [name],
    image: 'img',
    state,
    status: state,
    running: state === 'running',
    createdAt: null,
    labels: { app: name },
    networkMode: 'bridge',
    configMacAddress: null,
    endpoints: networks.map((n) => ({
      networkName: n,
      networkId: n,
      endpointId: state === 'running' ? `ep-${id}-${n}` : '',
      ipv4Address: null,
      ipv6Address: null,
      macAddress: null,
      aliases: ['alias'],
      requestedIpv4Address: null,
      requestedIpv6Address: null,
    })),
    command: [],
    hostname: '',
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    exitCode: null,
    startedAt: null,
    finishedAt: null,
  },
  words: { state, health: null, exitCode: 0, startedAtMs: Date.now(), finishedAtMs: null },
  createdMs: Date.now(),
});

// An engine whose reads answer when the test says so (or at once from `state`).
class FakePort implements ModelEnginePort {
  networksNow = new Map<string, NetworkInfo>();
  containersNow = new Map<string, ModelContainer>();
  held: Array<{ kind: string; id: string; answer: ReturnType<typeof later<unknown>> }> = [];
  hold = false;
  reads = 0;

  private answer<T>(kind: string, id: string, now: () => T): Promise<T> {
    this.reads++;
    if (!this.hold) return Promise.resolve(now());
    const answer = later<unknown>();
    this.held.push({ kind, id, answer });
    return answer.promise as Promise<T>;
  }

  network(id: string) {
    return this.answer('network', id, () => this.networksNow.get(id) ?? null);
  }
  container(id: string) {
    return this.answer('container', id, () => this.containersNow.get(id) ?? null);
  }
  networks() {
    return Promise.resolve([...this.networksNow.values()]);
  }
  containerIds() {
    return Promise.resolve([...this.containersNow.keys()]);
  }
  openEvents(): Promise<Readable> {
    throw new Error('not used');
  }
  eventsAt(): Promise<EngineEvent[]> {
    throw new Error('not used');
  }
}

let stamp = 1_700_000_000_000_000_000n;
const event = (
  type: string,
  action: string,
  id: string,
  attributes: Record<string, string> = {},
): EngineEvent => {
  stamp += 1000n;
  return {
    type,
    action,
    id,
    name: attributes.name ?? null,
    attributes,
    time: new Date(Number(stamp / 1_000_000n)).toISOString(),
    timeNano: stamp.toString(),
  };
};

async function liveModel(port: FakePort) {
  const model = new ReadModel(port);
  const seen: ObservedEvent[] = [];
  const gaps: string[] = [];
  model.subscribe((e) => seen.push(e));
  model.onGap((r) => gaps.push(r));
  model.connected(false, 'first connection');
  await model.settled();
  return { model, seen, gaps };
}

describe('ReadModel', () => {
  test('a resync at start reads everything and makes it live; the endpoints are derived', async () => {
    const port = new FakePort();
    port.networksNow.set('n1', network('n1', 'front'));
    port.containersNow.set('c1', container('c1', 'web', 'running', ['n1']));
    port.containersNow.set('c2', container('c2', 'old', 'exited', ['n1']));
    const { model, gaps } = await liveModel(port);
    expect(model.serves()).toBe(true);
    expect(model.status()).toMatchObject({
      state: 'live',
      networks: 1,
      containers: 2,
      endpoints: 1,
      resyncs: 1,
    });
    expect(gaps).toEqual([]);
    expect(model.inspectNetwork('front')?.endpoints?.map((e) => e.containerName)).toEqual(['web']);
    expect(model.listContainers().map((c) => c.id)).toEqual(['c1']);
    // A list shows no aliases (as the engine's list); inspect does.
    expect(model.listContainers()[0].endpoints[0].aliases).toEqual([]);
    expect(model.inspectContainer('web')?.endpoints[0].aliases).toEqual(['alias']);
  });

  test('a read that began earlier never overwrites one that began later', async () => {
    const port = new FakePort();
    const { model } = await liveModel(port);
    port.hold = true;
    const first = model.syncContainer('c1');
    const second = model.syncContainer('c1');
    expect(port.held).toHaveLength(2);
    // The later read answers first (running), then the earlier one (still created).
    port.held[1].answer.resolve(container('c1', 'web', 'running'));
    await second;
    port.held[0].answer.resolve(container('c1', 'web', 'created'));
    await first;
    expect(model.inspectContainer('c1')?.state).toBe('running');
    // A removal the service made wins over a read that began before it.
    const third = model.syncContainer('c1');
    model.forgetContainer('c1');
    port.held[2].answer.resolve(container('c1', 'web', 'running'));
    await third;
    expect(model.inspectContainer('c1')).toBeNull();
  });

  test('a write re-read by a name the model did not know is kept under its id', async () => {
    const port = new FakePort();
    const { model } = await liveModel(port);
    port.containersNow.set('web', container('c9', 'web'));
    await model.syncContainer('web');
    expect(model.inspectContainer('c9')?.name).toBe('web');
    expect(model.status().containers).toBe(1);
  });

  test('events are published in order, each after its re-read, with subjects from the model', async () => {
    const port = new FakePort();
    port.networksNow.set('n1', network('n1', 'front', { team: 'a' }));
    const { model, seen } = await liveModel(port);
    port.hold = true;
    port.containersNow.set('c1', container('c1', 'web', 'running', ['n1']));
    model.event(event('container', 'create', 'c1', { name: 'web' }));
    model.event(event('network', 'connect', 'n1', { container: 'c1', name: 'front' }));
    model.event(event('container', 'exec_start: sh', 'c1'));
    await new Promise((resolve) => setImmediate(resolve));
    // create and connect ask for c1 (the second joins the waiting read or starts its own) and n1.
    expect(port.held.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([]);
    // Answered in reverse order: still published in the engine's order.
    for (const held of [...port.held].reverse()) {
      held.answer.resolve(
        held.kind === 'network' ? port.networksNow.get(held.id) : port.containersNow.get(held.id),
      );
    }
    await model.settled();
    expect(seen.map((e) => [e.seq, e.action])).toEqual([
      [1, 'create'],
      [2, 'connect'],
      [3, 'exec_start: sh'],
    ]);
    expect(seen[0].container).toEqual({ id: 'c1', name: 'web', labels: { app: 'web' } });
    expect(seen[1].network).toEqual({ id: 'n1', name: 'front', labels: { team: 'a' } });
    expect(seen[1].container?.name).toBe('web');
  });

  test('a destroy removes without a read and names the subject as it was', async () => {
    const port = new FakePort();
    port.networksNow.set('n1', network('n1', 'front'));
    port.containersNow.set('c1', container('c1', 'web', 'running', ['n1']));
    const { model, seen } = await liveModel(port);
    const reads = port.reads;
    model.event(event('container', 'destroy', 'c1'));
    model.event(event('network', 'destroy', 'n1'));
    await model.settled();
    expect(port.reads).toBe(reads);
    expect(seen.map((e) => [e.container?.name, e.network?.name])).toEqual([
      ['web', undefined],
      [undefined, 'front'],
    ]);
    expect(model.status()).toMatchObject({ networks: 0, containers: 0, endpoints: 0 });
  });

  test('a destroy of what the service removed itself still names the subject (labels)', async () => {
    const port = new FakePort();
    port.networksNow.set('n1', network('n1', 'front', { team: 'a' }));
    port.containersNow.set('c1', container('c1', 'web', 'running', ['n1']));
    const { model, seen } = await liveModel(port);
    // The service's removals are applied before the engine's events arrive.
    model.forgetContainer('c1');
    model.forgetNetwork('n1');
    expect(model.status()).toMatchObject({ networks: 0, containers: 0 });
    model.event(event('network', 'disconnect', 'n1', { container: 'c1', name: 'front' }));
    model.event(event('container', 'destroy', 'c1'));
    model.event(event('network', 'destroy', 'n1', { name: 'front' }));
    await model.settled();
    expect(seen.map((e) => [e.action, e.network, e.container])).toEqual([
      [
        'disconnect',
        { id: 'n1', name: 'front', labels: { team: 'a' } },
        { id: 'c1', name: 'web', labels: { app: 'web' } },
      ],
      ['destroy', null, { id: 'c1', name: 'web', labels: { app: 'web' } }],
      ['destroy', { id: 'n1', name: 'front', labels: { team: 'a' } }, null],
    ]);
    // Kept only until the destroy: a later event of the id (never in practice) knows nothing.
    model.event(event('network', 'destroy', 'n1'));
    await model.settled();
    expect(seen[3].network).toBeNull();
    // A re-read that finds the object gone keeps its subject too.
    port.networksNow.set('n2', network('n2', 'back', { team: 'b' }));
    await model.syncNetwork('n2');
    port.networksNow.delete('n2');
    await model.syncNetwork('n2');
    model.event(event('network', 'destroy', 'n2'));
    await model.settled();
    expect(seen[4].network).toEqual({ id: 'n2', name: 'back', labels: { team: 'b' } });
  });

  test("a probe's whole life arriving at once costs no read", async () => {
    const port = new FakePort();
    const { model, seen } = await liveModel(port);
    port.hold = true;
    const reads = port.reads;
    for (const action of ['create', 'start', 'die', 'destroy']) model.event(event('container', action, 'p1'));
    await model.settled();
    expect(port.reads).toBe(reads);
    expect(seen.map((e) => e.action)).toEqual(['create', 'start', 'die', 'destroy']);
  });

  test('quiet actions (exec, attach...) cost no read', async () => {
    const port = new FakePort();
    port.containersNow.set('c1', container('c1', 'web'));
    const { model, seen } = await liveModel(port);
    const reads = port.reads;
    for (const action of ['exec_create: sh', 'exec_start: sh', 'exec_die', 'attach', 'resize', 'kill']) {
      model.event(event('container', action, 'c1'));
    }
    await model.settled();
    expect(port.reads).toBe(reads);
    expect(seen).toHaveLength(6);
  });

  test('a gap makes it stale, then a resync that drops what is gone and fires onGap; events wait behind it', async () => {
    const port = new FakePort();
    port.networksNow.set('n1', network('n1'));
    port.containersNow.set('c1', container('c1', 'web'));
    const { model, seen, gaps } = await liveModel(port);
    model.broken('ECONNRESET');
    expect(model.status().state).toBe('stale');
    expect(model.serves()).toBe(false);
    port.networksNow.delete('n1');
    port.networksNow.set('n2', network('n2'));
    port.containersNow.delete('c1');
    model.connected(false, 'the engine restarted');
    port.containersNow.set('c3', container('c3', 'new'));
    model.event(event('container', 'create', 'c3'));
    await model.settled();
    expect(gaps).toEqual(['the engine restarted']);
    expect(model.status()).toMatchObject({ state: 'live', resyncs: 2, networks: 1, containers: 1 });
    expect(model.inspectNetwork('n2')).not.toBeNull();
    expect(model.inspectContainer('c3')).not.toBeNull();
    expect(seen.map((e) => e.action)).toEqual(['create']);
  });

  test('a proved resume goes live without a resync', async () => {
    const port = new FakePort();
    const { model, gaps } = await liveModel(port);
    model.broken('socket closed');
    model.connected(true, 'resumed');
    await model.settled();
    expect(model.status()).toMatchObject({ state: 'live', resyncs: 1 });
    expect(gaps).toEqual([]);
  });

  test('a read waits for the events received so far, or gives up and asks the engine', async () => {
    const port = new FakePort();
    const { model } = await liveModel(port);
    expect(model.caughtUp(50)).toBe(true);
    port.hold = true;
    port.containersNow.set('c1', container('c1', 'web'));
    model.event(event('container', 'start', 'c1'));
    const waiting = model.caughtUp(10_000);
    expect(waiting).toBeInstanceOf(Promise);
    await new Promise((resolve) => setImmediate(resolve));
    port.held[0].answer.resolve(port.containersNow.get('c1'));
    expect(await waiting).toBe(true);
    expect(model.inspectContainer('c1')?.state).toBe('running');
    model.event(event('container', 'die', 'c1'));
    expect(await model.caughtUp(1)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    port.held[1].answer.resolve(null);
    await model.settled();
    expect(model.caughtUp(1)).toBe(true);
  });

  test('with READ_MODEL=false it keeps the state for events but never serves reads', async () => {
    const model = new ReadModel(new FakePort(), undefined, { serveReads: false });
    model.connected(false, 'first');
    await model.settled();
    expect(model.serves()).toBe(false);
    expect(model.status().state).toBe('off');
  });
});

describe('the event lines', () => {
  test('split across chunks, exact stamps kept, too long a line dropped and reported', () => {
    const lines: string[] = [];
    let overflows = 0;
    const splitter = new LineSplitter(
      64,
      (l) => lines.push(l),
      () => overflows++,
    );
    splitter.push(Buffer.from('{"a":1}\n{"b"'));
    splitter.push(Buffer.from(':2}\n' + 'x'.repeat(100) + '\n{"c":3}\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(overflows).toBe(1);
    const parsed = parseEventLine(
      '{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"web","image":"x"}},"time":1796040475,"timeNano":1796040475697639717}',
    );
    expect(parsed).toMatchObject({
      type: 'container',
      action: 'start',
      id: 'abc',
      name: 'web',
      timeNano: '1796040475697639717',
    });
    expect(engineTimeOf('1796040475000000007')).toBe('1796040475.000000007');
    expect(parseEventLine('{"Type":"image","Action":"pull","Actor":{"ID":"x"}}')).toBeNull();
    expect(parseEventLine('not json')).toBe('unreadable');
  });
});

describe('EventFeed', () => {
  const line = (e: EngineEvent) =>
    JSON.stringify({ Type: e.type, Action: e.action, Actor: { ID: e.id, Attributes: e.attributes } }).replace(
      /}$/,
      `,"timeNano":${e.timeNano}}`,
    ) + '\n';

  class FakeStreams implements EventStreamPort {
    streams: PassThrough[] = [];
    sinces: Array<string | null> = [];
    buffered: EngineEvent[] = [];
    failures = 0;
    openEvents(since: string | null): Promise<Readable> {
      this.sinces.push(since);
      if (this.failures > 0) {
        this.failures--;
        return Promise.reject(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }));
      }
      const stream = new PassThrough();
      this.streams.push(stream);
      return Promise.resolve(stream);
    }
    eventsAt(timeNano: string): Promise<EngineEvent[]> {
      return Promise.resolve(this.buffered.filter((e) => e.timeNano === timeNano));
    }
  }

  function recorder() {
    const log: string[] = [];
    const handlers: FeedHandlers = {
      connected: (resumed) => log.push(resumed ? 'resumed' : 'gap'),
      event: (e) => log.push(e.action),
      broken: () => log.push('broken'),
    };
    return { log, handlers };
  }

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };

  test('resumes from the last event, and proves it when the engine still holds that event', async () => {
    const port = new FakeStreams();
    const { log, handlers } = recorder();
    const feed = new EventFeed(port, handlers, { backoffBaseMs: 1, backoffMaxMs: 2 });
    feed.start();
    await until(() => port.streams.length === 1);
    const first = event('network', 'create', 'n1');
    port.streams[0].write(line(first));
    await until(() => log.includes('create'));
    port.buffered = [first];
    port.streams[0].end();
    await until(() => port.streams.length === 2);
    expect(port.sinces).toEqual([null, engineTimeOf(first.timeNano)]);
    await until(() => log.includes('resumed'));
    // The engine lost its buffer (a restart): the next resume is not proved.
    port.buffered = [];
    port.failures = 2;
    port.streams[1].destroy(new Error('socket hang up'));
    await until(() => port.streams.length === 3);
    await until(() => log.filter((l) => l === 'gap').length === 2);
    expect(log).toEqual(['gap', 'create', 'broken', 'resumed', 'broken', 'broken', 'broken', 'gap']);
    expect(feed.reconnects).toBe(2);
    await feed.stop();
  });

  test('stop ends the stream and any wait at once', async () => {
    const port = new FakeStreams();
    port.failures = 1000;
    const { handlers } = recorder();
    const feed = new EventFeed(port, handlers, { backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
    feed.start();
    await until(() => port.sinces.length === 1);
    // Without the wake-up this would wait a minute (past the test's timeout).
    await feed.stop();
    expect(port.sinces).toHaveLength(1);
  });
});
