import type { DataSource } from 'typeorm';
import { AccessPolicy } from '../../src/auth/access-policy';
import type { ApiKeysService } from '../../src/auth/api-keys.service';
import type { Actor } from '../../src/auth/roles';
import { DomainError } from '../../src/common/errors/domain-error';
import { loadConfig } from '../../src/config/app-config';
import type {
  EngineEventSource,
  EventSubject,
  ObservedEvent,
  ReadModelStatus,
} from '../../src/engine/read-model/read-model.types';
import { type BoundedStream } from '../../src/live/bounded-stream';
import { approximateBytes, EventRing } from '../../src/live/event-ring';
import {
  assertValidFilter,
  CONTAINER_ACTIONS,
  matchesFilter,
  NETWORK_ACTIONS,
} from '../../src/live/event-filter';
import { eventForm, mayReceive, publish } from '../../src/live/event-visibility';
import { LiveEvents } from '../../src/live/live-events';
import type { LiveStream, PublishedEngineEvent, StreamMessage } from '../../src/live/live.types';
import { Metrics } from '../../src/metrics/metrics';
import {
  changedActions,
  DeploymentEvents,
  messagesOfStored,
} from '../../src/templates/apply/deployment-events';
import type { TemplateRuntime } from '../../src/templates/apply/template-runtime';
import type { Deployment, DeploymentAction } from '../../src/templates/template.types';

// The client streams' hub on a fake engine feed: filters, label scope, resume, bounds, limits.

const policy = new AccessPolicy();
const admin: Actor = { keyId: 'k-admin', name: 'admin', role: 'admin', scope: {} };
const teamA: Actor = { keyId: 'k-a', name: 'team-a', role: 'operator', scope: { team: 'a' } };
const viewerA: Actor = { keyId: 'k-va', name: 'viewer-a', role: 'viewer', scope: { team: 'a' } };

const NET_A: EventSubject = { id: 'aaaa1111'.padEnd(64, '0'), name: 'net-a', labels: { team: 'a' } };
const NET_B: EventSubject = { id: 'bbbb2222'.padEnd(64, '0'), name: 'net-b', labels: { team: 'b' } };
const BRIDGE: EventSubject = { id: 'cccc3333'.padEnd(64, '0'), name: 'bridge', labels: {} };
const BOX_A: EventSubject = {
  id: 'dddd4444'.padEnd(64, '0'),
  name: 'box-a',
  labels: { team: 'a', tier: 'web' },
};
const BOX_B: EventSubject = { id: 'eeee5555'.padEnd(64, '0'), name: 'box-b', labels: { team: 'b' } };

let seq = 0;
function event(
  type: 'network' | 'container',
  action: string,
  subjects: { network?: EventSubject | null; container?: EventSubject | null },
): ObservedEvent {
  const subject = type === 'network' ? subjects.network : subjects.container;
  seq += 1;
  const attributes: Record<string, string> =
    type === 'container'
      ? { ...(subject?.labels ?? {}), name: subject?.name ?? '' }
      : { name: subject?.name ?? '' };
  if (type === 'network' && subjects.container) attributes.container = subjects.container.id;
  return {
    type,
    action,
    id: subject?.id ?? 'ffff'.padEnd(64, '9'),
    name: subject?.name ?? null,
    attributes,
    time: new Date().toISOString(),
    timeNano: '0',
    seq,
    network: subjects.network ?? null,
    container: subjects.container ?? null,
  };
}

class FakeFeed implements EngineEventSource {
  private listeners = new Set<(event: ObservedEvent) => void>();
  private gapListeners = new Set<(reason: string) => void>();
  subscribe(listener: (event: ObservedEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onGap(listener: (reason: string) => void) {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }
  status(): ReadModelStatus {
    return {
      state: 'live',
      lagMs: 0,
      lastEventAt: null,
      networks: 0,
      containers: 0,
      endpoints: 0,
      reconnects: 0,
      resyncs: 0,
      liveSince: null,
    };
  }
  emit(e: ObservedEvent) {
    for (const l of this.listeners) l(e);
  }
  gap(reason: string) {
    for (const l of this.gapListeners) l(reason);
  }
}

class FakeKeys {
  listeners = new Set<(keyId: string) => void>();
  onRevoke(listener: (keyId: string) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  revoke(keyId: string) {
    for (const l of this.listeners) l(keyId);
  }
}

class CountingMetrics extends Metrics {
  opened = 0;
  closed: string[] = [];
  override streamOpened(): void {
    this.opened += 1;
  }
  override streamClosed(_t: 'sse' | 'graphql-ws', _k: 'engine' | 'deployment', reason: string): void {
    this.closed.push(reason);
  }
}

interface Hub {
  live: LiveEvents;
  feed: FakeFeed;
  keys: FakeKeys;
  metrics: CountingMetrics;
  deployments: DeploymentEvents;
  stored: Map<string, Deployment>;
  expiries: Map<string, string>;
}

function hub(settings: Record<string, unknown> = {}): Hub {
  const config = loadConfig({}, { STREAM_BUFFER_MESSAGES: 10, MAX_STREAMS_PER_KEY: 3, ...settings });
  const feed = new FakeFeed();
  const keys = new FakeKeys();
  const metrics = new CountingMetrics();
  const deployments = new DeploymentEvents();
  const stored = new Map<string, Deployment>();
  const expiries = new Map<string, string>();
  const runtime = {
    deployment: (id: string) => {
      const found = stored.get(id);
      return found
        ? Promise.resolve(found)
        : Promise.reject(new DomainError('DEPLOYMENT_NOT_FOUND', `No deployment has the id "${id}".`));
    },
  } as unknown as TemplateRuntime;
  const dataSource = {
    getRepository: () => ({
      findOne: ({ where }: { where: { id: string } }) =>
        Promise.resolve({ id: where.id, expiresAt: expiries.get(where.id) ?? null }),
    }),
  } as unknown as DataSource;
  const live = new LiveEvents(
    config,
    policy,
    keys as unknown as ApiKeysService,
    metrics,
    deployments,
    runtime,
    dataSource,
    feed,
  );
  live.onModuleInit();
  return { live, feed, keys, metrics, deployments, stored, expiries };
}

// Everything a stream has queued now (without waiting for more: a pending read would take the
// next message pushed).
async function drain<T>(stream: LiveStream<T>): Promise<StreamMessage<T>[]> {
  const out: StreamMessage<T>[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  while ((stream as BoundedStream<T>).pending > 0) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

const names = (messages: StreamMessage<PublishedEngineEvent>[]) =>
  messages.map((m) => `${m.data.type}:${m.data.action}:${m.data.name ?? ''}`);

describe('event filters', () => {
  it('are checked before a stream opens, every problem at once', () => {
    expect.assertions(2);
    try {
      assertValidFilter({ type: 'volume', action: 'Create!', network: ' ', label: ['=x'] });
    } catch (error) {
      expect((error as DomainError).code).toBe('VALIDATION_FAILED');
      expect((error as DomainError).errors?.map((e) => e.field)).toEqual([
        'type',
        'action',
        'network',
        'label',
      ]);
    }
  });

  it('refuse an action the engine never reports, listing the known ones; accept each known one', () => {
    expect.assertions(3 + NETWORK_ACTIONS.length + CONTAINER_ACTIONS.length);
    try {
      assertValidFilter({ action: 'crate' });
    } catch (error) {
      expect((error as DomainError).code).toBe('VALIDATION_FAILED');
      const [problem] = (error as DomainError).errors ?? [];
      expect(problem.field).toBe('action');
      expect(problem.message).toContain('create, connect, disconnect, destroy, remove, update, prune');
    }
    for (const action of [...NETWORK_ACTIONS, ...CONTAINER_ACTIONS])
      expect(() => assertValidFilter({ action })).not.toThrow();
  });

  it('match type, action, name, full id, id prefixes of 4+ characters and labels', () => {
    const start = event('container', 'start', { container: BOX_A });
    expect(matchesFilter(start, { type: 'container', action: 'start' })).toBe(true);
    expect(matchesFilter(start, { type: 'network' })).toBe(false);
    expect(matchesFilter(start, { container: 'box-a' })).toBe(true);
    expect(matchesFilter(start, { container: BOX_A.id })).toBe(true);
    expect(matchesFilter(start, { container: 'dddd' })).toBe(true);
    expect(matchesFilter(start, { container: 'ddd' })).toBe(false);
    expect(matchesFilter(start, { label: ['team=a', 'tier'] })).toBe(true);
    expect(matchesFilter(start, { label: ['team=b'] })).toBe(false);
    const exec = event('container', 'exec_start: sh -c secret', { container: BOX_A });
    expect(matchesFilter(exec, { action: 'exec_start' })).toBe(true);
  });

  it('match a connect by its network and by its container', () => {
    const connect = event('network', 'connect', { network: NET_A, container: BOX_A });
    expect(matchesFilter(connect, { network: 'net-a', container: 'box-a' })).toBe(true);
    expect(matchesFilter(connect, { container: 'dddd4444' })).toBe(true);
    expect(matchesFilter(connect, { container: 'box-b' })).toBe(false);
  });
});

describe('event visibility', () => {
  it('gives an unscoped key every event, a scoped key only what it can read', () => {
    const other = event('container', 'start', { container: BOX_B });
    const own = event('container', 'start', { container: BOX_A });
    const unknown = event('container', 'start', { container: null });
    expect(mayReceive(other, admin, policy)).toBe(true);
    expect(mayReceive(unknown, admin, policy)).toBe(true);
    expect(mayReceive(own, teamA, policy)).toBe(true);
    expect(mayReceive(other, teamA, policy)).toBe(false);
    expect(mayReceive(unknown, teamA, policy)).toBe(false);
    expect(mayReceive(event('network', 'create', { network: BRIDGE }), teamA, policy)).toBe(true);
  });

  it('drops a connect or disconnect unless the key can read both sides', () => {
    expect(mayReceive(event('network', 'connect', { network: NET_A, container: BOX_A }), teamA, policy)).toBe(
      true,
    );
    expect(
      mayReceive(event('network', 'connect', { network: BRIDGE, container: BOX_A }), teamA, policy),
    ).toBe(true);
    expect(
      mayReceive(event('network', 'connect', { network: BRIDGE, container: BOX_B }), teamA, policy),
    ).toBe(false);
    expect(
      mayReceive(event('network', 'disconnect', { network: NET_B, container: BOX_A }), teamA, policy),
    ).toBe(false);
    expect(mayReceive(event('network', 'connect', { network: NET_A, container: null }), teamA, policy)).toBe(
      false,
    );
  });

  it('tells the command of an exec only to an unscoped admin key', () => {
    const exec = event('container', 'exec_start: sh -c "echo secret"', { container: BOX_A });
    expect(publish(exec, eventForm(viewerA, policy)).action).toBe('exec_start');
    expect(publish(exec, eventForm(teamA, policy)).action).toBe('exec_start');
    expect(publish(exec, eventForm(admin, policy)).action).toBe('exec_start: sh -c "echo secret"');
    expect(publish(exec, eventForm(viewerA, policy)).attributes).toMatchObject({ team: 'a', tier: 'web' });
  });
});

describe('the hub', () => {
  it('fans one feed out to streams, each filtered and scoped, with ids of this process', async () => {
    const h = hub();
    const all = h.live.openEngineEvents(admin, {}, 'sse');
    const scoped = h.live.openEngineEvents(teamA, {}, 'sse');
    const starts = h.live.openEngineEvents(admin, { action: 'start' }, 'graphql-ws');
    h.feed.emit(event('container', 'create', { container: BOX_A }));
    h.feed.emit(event('container', 'start', { container: BOX_B }));
    h.feed.emit(event('network', 'connect', { network: NET_B, container: BOX_A }));
    const received = await drain(all);
    expect(names(received)).toEqual([
      'container:create:box-a',
      'container:start:box-b',
      'network:connect:net-b',
    ]);
    expect(names(await drain(scoped))).toEqual(['container:create:box-a']);
    expect(names(await drain(starts))).toEqual(['container:start:box-b']);
    const ids = received.map((m) => m.id);
    expect(new Set(ids.map((id) => id.split('-')[0])).size).toBe(1);
    expect(ids.map((id) => Number(id.split('-')[1]))).toEqual([seq - 2, seq - 1, seq]);
  });

  it('refuses a bad filter and a key past MAX_STREAMS_PER_KEY, and counts a closed stream out', () => {
    const h = hub();
    expect(() => h.live.openEngineEvents(admin, { type: 'volume' }, 'sse')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    const streams = [1, 2, 3].map(() => h.live.openEngineEvents(teamA, {}, 'sse'));
    expect(() => h.live.openEngineEvents(teamA, {}, 'graphql-ws')).toThrow(
      expect.objectContaining({ code: 'TOO_MANY_STREAMS' }),
    );
    expect(h.live.openEngineEvents(admin, {}, 'sse')).toBeDefined();
    streams[0].close('client went away');
    expect(h.live.openEngineEvents(teamA, {}, 'sse')).toBeDefined();
    expect(h.metrics.opened).toBe(5);
    expect(h.metrics.closed).toEqual(['ended']);
  });

  it('resumes after a Last-Event-ID in its ring with what followed, for this key only', async () => {
    const h = hub();
    const first = h.live.openEngineEvents(teamA, {}, 'sse');
    h.feed.emit(event('container', 'create', { container: BOX_A }));
    const [seen] = await drain(first);
    first.close('client went away');
    h.feed.emit(event('container', 'start', { container: BOX_B }));
    h.feed.emit(event('container', 'start', { container: BOX_A }));
    h.feed.emit(event('container', 'die', { container: BOX_A }));
    const resumed = h.live.openEngineEvents(teamA, {}, 'sse', seen.id);
    h.feed.emit(event('container', 'destroy', { container: BOX_A }));
    expect(names(await drain(resumed))).toEqual([
      'container:start:box-a',
      'container:die:box-a',
      'container:destroy:box-a',
    ]);
  });

  it('says first that events may have been missed for an id of another process or one too old', async () => {
    const h = hub();
    const other = h.live.openEngineEvents(admin, {}, 'sse', 'zzzz-12');
    h.feed.emit(event('container', 'start', { container: BOX_A }));
    const messages = await drain(other);
    expect(messages[0].data).toMatchObject({ type: 'stream', action: 'missed', id: '' });
    expect(messages[0].data.attributes.reason).toBe('resume-unknown');
    expect(names(messages.slice(1))).toEqual(['container:start:box-a']);
    expect(() => h.live.openEngineEvents(admin, {}, 'sse', 'not an id')).not.toThrow();

    const old = messages[1].id;
    for (let i = 0; i < 4100; i += 1) h.feed.emit(event('container', 'start', { container: BOX_B }));
    const tooOld = h.live.openEngineEvents(admin, { container: 'box-a' }, 'sse', old);
    const [notice] = await drain(tooOld);
    expect(notice.data.attributes.reason).toBe('resume-too-old');
  });

  it('keeps recent events within a memory bound as well as a count', () => {
    const ring = new EventRing('ep', 1000, 200 * 1024);
    const heavy = { ...BOX_A, labels: { big: 'x'.repeat(8 * 1024) } };
    const events = Array.from({ length: 10 }, () => event('container', 'start', { container: heavy }));
    for (const e of events) ring.add(e);
    expect(approximateBytes(events[0])).toBeGreaterThan(16 * 1024);
    expect(ring.resume(ring.idOf(events[0].seq))).toMatchObject({ kind: 'missed', reason: 'resume-too-old' });
    const kept = ring.resume(ring.idOf(events[7].seq));
    expect(kept.kind === 'replay' && kept.entries.map((e) => e.seq)).toEqual([events[8].seq, events[9].seq]);
  });

  it('tells every engine stream of a gap in the feed, also when resuming across it', async () => {
    const h = hub();
    const stream = h.live.openEngineEvents(teamA, { type: 'network' }, 'sse');
    h.feed.emit(event('container', 'start', { container: BOX_A }));
    const before = h.live.openEngineEvents(admin, {}, 'sse');
    h.feed.gap('the engine restarted');
    const [gap] = await drain(stream);
    expect(gap.data.attributes).toMatchObject({ reason: 'feed-gap' });
    expect(gap.data.attributes.message).toContain('the engine restarted');
    const [lastSeen] = await drain(before);
    before.close('reconnecting');
    const resumed = h.live.openEngineEvents(admin, {}, 'sse', lastSeen.id);
    expect((await drain(resumed)).map((m) => m.data.attributes.reason)).toEqual(['feed-gap']);
  });

  it('ends a stream whose reader fell behind with STREAM_OVERFLOW, without growing', async () => {
    const h = hub();
    const slow = h.live.openEngineEvents(admin, {}, 'sse');
    for (let i = 0; i < 10; i += 1) h.feed.emit(event('container', 'start', { container: BOX_A }));
    expect(slow.endReason).toBeNull();
    h.feed.emit(event('container', 'start', { container: BOX_A }));
    expect(slow.endCode).toBe('STREAM_OVERFLOW');
    expect(slow.endReason).toContain('Last-Event-ID');
    expect(await drain(slow)).toEqual([]);
    expect(h.metrics.closed).toEqual(['STREAM_OVERFLOW']);
  });

  it("closes a revoked key's streams, an expired key's at expiry, and all on closeAll", async () => {
    const h = hub();
    const a = h.live.openEngineEvents(teamA, {}, 'sse');
    const other = h.live.openEngineEvents(admin, {}, 'sse');
    h.keys.revoke(teamA.keyId);
    expect(a.endCode).toBe('UNAUTHENTICATED');
    expect(a.endReason).toContain('revoked');
    expect(other.endReason).toBeNull();

    h.expiries.set(viewerA.keyId, new Date(Date.now() + 50).toISOString());
    const expiring = h.live.openEngineEvents(viewerA, {}, 'sse');
    const deadline = Date.now() + 5000;
    while (expiring.endReason === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(expiring.endCode).toBe('UNAUTHENTICATED');
    expect(expiring.endReason).toContain('expired');

    h.live.closeAll('stopping');
    expect(other.endCode).toBe('SERVICE_STOPPING');
    expect(h.live.openCount()).toBe(0);
  });
});

const action = (name: string, status: DeploymentAction['status']): DeploymentAction => ({
  action: 'create',
  kind: 'network',
  name,
  status,
  durationMs: null,
  error: null,
});

function deployment(
  id: string,
  actions: DeploymentAction[],
  status: Deployment['status'] = 'running',
): Deployment {
  return {
    id,
    template: 'lab',
    revision: 1,
    kind: 'apply',
    status,
    actions,
    expectations: [],
    actor: 'admin',
    startedAt: new Date().toISOString(),
    finishedAt: status === 'running' ? null : new Date().toISOString(),
    error: null,
  };
}

describe('deployment progress', () => {
  it('derives one message per changed action, in index order', () => {
    const before = [action('a', 'succeeded'), action('b', 'running'), action('c', 'pending')];
    const after = [action('a', 'succeeded'), action('b', 'succeeded'), action('c', 'running')];
    expect(changedActions(before, after).map((c) => [c.index, c.action.status])).toEqual([
      [1, 'succeeded'],
      [2, 'running'],
    ]);
    expect(changedActions(after, after)).toEqual([]);
  });

  it('streams each change then finished, resumes by message number, and answers an ended one', async () => {
    const h = hub();
    const d = deployment('d1', [action('a', 'pending'), action('b', 'pending')]);
    h.stored.set('d1', d);
    h.deployments.started(d);
    h.deployments.progress('d1', [action('a', 'running'), action('b', 'pending')]);
    h.deployments.progress('d1', [action('a', 'running'), action('b', 'pending')]);
    const live = await h.live.openDeploymentProgress(viewerA, 'd1', 'sse');
    h.deployments.progress('d1', [action('a', 'succeeded'), action('b', 'running')]);
    const done = deployment('d1', [action('a', 'succeeded'), action('b', 'rolled_back')], 'rolled_back');
    h.deployments.finished(done);
    const messages = await drain(live);
    expect(messages.map((m) => [m.id, m.data.type, m.data.index, m.data.action?.status ?? null])).toEqual([
      ['1', 'action', 0, 'running'],
      ['2', 'action', 0, 'succeeded'],
      ['3', 'action', 1, 'running'],
      ['4', 'action', 1, 'rolled_back'],
      ['5', 'finished', null, null],
    ]);
    expect(messages[4].data.deployment?.status).toBe('rolled_back');
    expect(live.endReason).toBe('the deployment finished');

    const resumed = await h.live.openDeploymentProgress(viewerA, 'd1', 'sse', '3');
    expect((await drain(resumed)).map((m) => m.id)).toEqual(['4', '5']);

    h.stored.set('old', deployment('old', [action('a', 'succeeded'), action('b', 'skipped')], 'failed'));
    const ended = await h.live.openDeploymentProgress(viewerA, 'old', 'graphql-ws');
    expect((await drain(ended)).map((m) => [m.id, m.data.type, m.data.action?.status ?? null])).toEqual([
      ['1', 'action', 'succeeded'],
      ['2', 'action', 'skipped'],
      ['3', 'finished', null],
    ]);
    expect(messagesOfStored(h.stored.get('old')!)).toHaveLength(3);
    await expect(h.live.openDeploymentProgress(viewerA, 'missing', 'sse')).rejects.toMatchObject({
      code: 'DEPLOYMENT_NOT_FOUND',
    });
    await expect(h.live.openDeploymentProgress(viewerA, 'd1', 'sse', 'x')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(h.live.openCount()).toBe(0);
  });
});
