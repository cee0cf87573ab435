import { Redactor } from '../../src/audit/redact';
import type { DataSource } from 'typeorm';
import { AccessPolicy } from '../../src/auth/access-policy';
import type { ApiKeysService } from '../../src/auth/api-keys.service';
import type { Actor } from '../../src/auth/roles';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import type {
  EngineEventSource,
  EventSubject,
  ObservedEvent,
  ReadModelStatus,
} from '../../src/engine/read-model/read-model.types';
import { BoundedStream, messageBytes, type StreamBound } from '../../src/live/bounded-stream';
import { eventForm, publish } from '../../src/live/event-visibility';
import { LiveEvents } from '../../src/live/live-events';
import type { LiveStream, StreamMessage } from '../../src/live/live.types';
import { Metrics } from '../../src/metrics/metrics';
import { DeploymentEvents } from '../../src/templates/apply/deployment-events';
import type { TemplateRuntime } from '../../src/templates/apply/template-runtime';

// Exec commands in event streams (only an unscoped admin key gets them, redacted as in the audit
// log) and the byte bound of a stream's queue (STREAM_BUFFER_BYTES).

const policy = new AccessPolicy();
const admin: Actor = { keyId: 'k-admin', name: 'admin', role: 'admin', scope: {} };
const scopedAdmin: Actor = { keyId: 'k-sa', name: 'scoped-admin', role: 'admin', scope: { team: 'a' } };
const operator: Actor = { keyId: 'k-op', name: 'operator', role: 'operator', scope: {} };
const viewer: Actor = { keyId: 'k-v', name: 'viewer', role: 'viewer', scope: {} };

const BOX: EventSubject = { id: 'dddd4444'.padEnd(64, '0'), name: 'box', labels: { team: 'a' } };

let seq = 0;
function containerEvent(action: string, attributes: Record<string, string> = {}): ObservedEvent {
  seq += 1;
  return {
    type: 'container',
    action,
    id: BOX.id,
    name: BOX.name,
    attributes: { ...BOX.labels, name: BOX.name, ...attributes },
    time: new Date().toISOString(),
    timeNano: '0',
    seq,
    network: null,
    container: BOX,
  };
}

const secret = 'exec_create: sh -c PASSWORD=hunter2 true';

describe('exec commands in event streams', () => {
  it('only an unscoped admin key gets the full form', () => {
    expect(eventForm(admin, policy)).toBe('full');
    expect(eventForm(scopedAdmin, policy)).toBe('bare');
    expect(eventForm(operator, policy)).toBe('bare');
    expect(eventForm(viewer, policy)).toBe('bare');
  });

  it('gives the bare action to every other key, and the command redacted as in the audit to an unscoped admin', () => {
    const event = containerEvent(secret, { execID: 'e1' });
    expect(publish(event, 'bare').action).toBe('exec_create');
    expect(publish(event, 'full').action).toBe('exec_create: sh -c PASSWORD=[redacted] true');
    expect(publish(event, 'full', new Redactor('pass|secret|token|key')).action).not.toContain('hunter2');
    for (const action of [
      'exec_start: /bin/sh -c "export API_KEY=abc; run --token=xyz"',
      "exec_start: env 'DB_SECRET=s3 cr3t' app",
    ]) {
      const full = publish(containerEvent(action), 'full').action;
      expect(full).toMatch(/^exec_start: /);
      expect(full).not.toMatch(/abc|xyz|s3 cr3t/);
      expect(publish(containerEvent(action), 'bare').action).toBe('exec_start');
    }
    // The pattern is AUDIT_REDACT_PATTERN: another pattern, other names.
    expect(
      publish(containerEvent('exec_start: run DBPW=x OTHER=y'), 'full', new Redactor('dbpw')).action,
    ).toBe('exec_start: run DBPW=[redacted] OTHER=y');
    // execID and the container's labels stay; an exec without a command is left as it is.
    expect(publish(event, 'bare').attributes).toEqual({ team: 'a', name: 'box', execID: 'e1' });
    expect(publish(containerEvent('exec_die', { exitCode: '0' }), 'bare').action).toBe('exec_die');
  });

  it('drops command-like attributes of an exec event for other keys, and redacts them for an unscoped admin', () => {
    const event = containerEvent(secret, { execID: 'e1', cmd: 'sh -c TOKEN=abc true', Args: 'x' });
    expect(publish(event, 'bare').attributes).toEqual({ team: 'a', name: 'box', execID: 'e1' });
    expect(publish(event, 'full').attributes).toEqual({
      team: 'a',
      name: 'box',
      execID: 'e1',
      cmd: 'sh -c TOKEN=[redacted] true',
      Args: 'x',
    });
  });

  it('leaves events that are not execs alone', () => {
    const health = containerEvent('health_status: healthy', { cmd: 'kept' });
    expect(publish(health, 'bare')).toMatchObject({
      action: 'health_status: healthy',
      attributes: { cmd: 'kept' },
    });
    expect(publish(containerEvent('start'), 'bare').action).toBe('start');
  });
});

// A hub on a fake feed (as in live-events.spec.ts).
class FakeFeed implements EngineEventSource {
  private listeners = new Set<(event: ObservedEvent) => void>();
  subscribe(listener: (event: ObservedEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onGap() {
    return () => undefined;
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
}

function hub(settings: Partial<ReturnType<typeof loadConfig>> = {}): { live: LiveEvents; feed: FakeFeed } {
  const config = loadConfig({}, { STREAM_BUFFER_MESSAGES: 1000, MAX_STREAMS_PER_KEY: 4, ...settings });
  const feed = new FakeFeed();
  const keys = { onRevoke: () => () => undefined } as unknown as ApiKeysService;
  const dataSource = {
    getRepository: () => ({ findOne: () => Promise.resolve(null) }),
  } as unknown as DataSource;
  const live = new LiveEvents(
    config,
    policy,
    keys,
    new Metrics(),
    new DeploymentEvents(),
    {} as TemplateRuntime,
    dataSource,
    feed,
  );
  live.onModuleInit();
  return { live, feed };
}

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

describe('the hub and exec commands', () => {
  it('sends each key its form, live and on a resume (Last-Event-ID)', async () => {
    const h = hub({ AUDIT_REDACT_PATTERN: 'pass' });
    const streams = [admin, scopedAdmin, operator, viewer].map((a) => h.live.openEngineEvents(a, {}, 'sse'));
    h.feed.emit(containerEvent('create'));
    h.feed.emit(containerEvent(secret, { execID: 'e1' }));
    const live = await Promise.all(streams.map((s) => drain(s)));
    expect(live.map((messages) => messages.map((m) => m.data.action))).toEqual([
      ['create', 'exec_create: sh -c PASSWORD=[redacted] true'],
      ['create', 'exec_create'],
      ['create', 'exec_create'],
      ['create', 'exec_create'],
    ]);
    const from = live[0][0].id;
    for (const s of streams) await s[Symbol.asyncIterator]().return?.();
    const replays = [admin, scopedAdmin, operator, viewer].map((a) =>
      h.live.openEngineEvents(a, {}, 'graphql-ws', from),
    );
    const replayed = await Promise.all(replays.map((s) => drain(s)));
    expect(replayed.map((messages) => messages.map((m) => m.data.action))).toEqual([
      ['exec_create: sh -c PASSWORD=[redacted] true'],
      ['exec_create'],
      ['exec_create'],
      ['exec_create'],
    ]);
    expect(JSON.stringify(replayed)).not.toContain('hunter2');
    h.live.closeAll('done');
  });
});

const KIB = 1024;

function big(id: number, bytes: number): StreamMessage<{ blob: string }> {
  return { id: String(id), data: { blob: 'x'.repeat(bytes) } };
}

describe('the byte bound of a stream', () => {
  function stream(maxBytes: number) {
    const bounds: StreamBound[] = [];
    const s = new BoundedStream<{ blob: string }>(
      1000,
      (bound) => {
        bounds.push(bound);
        return `fell behind by ${bound}`;
      },
      maxBytes,
    );
    return { s, bounds };
  }

  it('measures a message as its JSON', () => {
    const message = big(1, 10);
    expect(messageBytes(message)).toBe(Buffer.byteLength(JSON.stringify(message)));
    expect(messageBytes(message)).toBe(messageBytes(message));
  });

  it('ends a stream whose unread messages pass the byte bound, long before the message bound', async () => {
    const { s, bounds } = stream(1024 * KIB);
    for (let i = 1; i <= 3; i++) s.push(big(i, 300 * KIB));
    expect(s.closed).toBe(false);
    expect(s.pending).toBe(3);
    s.push(big(4, 300 * KIB));
    expect(s.closed).toBe(true);
    expect(s.endCode).toBe('STREAM_OVERFLOW');
    expect(s.endReason).toBe('fell behind by bytes');
    expect(bounds).toEqual(['bytes']);
    expect(s.pending).toBe(0);
    expect(await drain(s)).toEqual([]);
  });

  it('frees bytes as the reader takes messages, and lets one message bigger than the bound through', async () => {
    const { s } = stream(1024 * KIB);
    for (let round = 0; round < 5; round++) {
      for (let i = 1; i <= 3; i++) s.push(big(i, 300 * KIB));
      expect((await drain(s)).length).toBe(3);
    }
    s.push(big(9, 2048 * KIB));
    expect(s.closed).toBe(false);
    expect((await drain(s)).map((m) => m.id)).toEqual(['9']);
    s.push(big(10, 2048 * KIB));
    s.push(big(11, 1));
    expect(s.endCode).toBe('STREAM_OVERFLOW');
  });

  it('does not count a replay against the byte bound', async () => {
    const { s } = stream(1024 * KIB);
    s.preload([big(1, 600 * KIB), big(2, 600 * KIB)]);
    s.push(big(3, 600 * KIB));
    expect(s.closed).toBe(false);
    expect((await drain(s)).map((m) => m.id)).toEqual(['1', '2', '3']);
  });

  it('the hub ends a stream past STREAM_BUFFER_BYTES with a message naming it', () => {
    const h = hub({ STREAM_BUFFER_BYTES: 64 * KIB });
    const slow = h.live.openEngineEvents(admin, {}, 'sse') as BoundedStream<unknown>;
    const label = 'l'.repeat(20 * KIB);
    for (let i = 0; i < 4 && !slow.closed; i++) h.feed.emit(containerEvent('start', { big: label }));
    expect(slow.endCode).toBe('STREAM_OVERFLOW');
    expect(slow.endReason).toMatch(/65536 bytes \(STREAM_BUFFER_BYTES\)/);
    expect(h.live.openCount()).toBe(0);
  });

  it('the message bound still names STREAM_BUFFER_MESSAGES', () => {
    const h = hub({ STREAM_BUFFER_MESSAGES: 10 });
    const slow = h.live.openEngineEvents(admin, {}, 'sse') as BoundedStream<unknown>;
    for (let i = 0; i < 11; i++) h.feed.emit(containerEvent('start'));
    expect(slow.endReason).toMatch(/10 messages \(STREAM_BUFFER_MESSAGES\)/);
  });

  it('STREAM_BUFFER_BYTES: 8 MiB by default, validated', () => {
    expect(loadConfig({}).STREAM_BUFFER_BYTES).toBe(8 * 1024 * KIB);
    expect(loadConfig({ STREAM_BUFFER_BYTES: '1048576' }).STREAM_BUFFER_BYTES).toBe(1024 * KIB);
    for (const bad of ['100', 'lots', '2000000000']) {
      expect(() => loadConfig({ STREAM_BUFFER_BYTES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ STREAM_BUFFER_BYTES: bad })).toThrow(
        /STREAM_BUFFER_BYTES must be an integer/,
      );
    }
  });
});
