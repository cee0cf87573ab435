import { Redactor } from '../audit/redact';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessPolicy } from '../auth/access-policy';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { ApiKeysService } from '../auth/api-keys.service';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import {
  ENGINE_EVENTS,
  type EngineEventSource,
  type ObservedEvent,
} from '../engine/read-model/read-model.types';
import { Metrics } from '../metrics/metrics';
import { DeploymentEvents, messagesOfStored } from '../templates/apply/deployment-events';
import { TemplateRuntime } from '../templates/apply/template-runtime';
import { BoundedStream, type StreamEnd } from './bounded-stream';
import { assertValidFilter, matchesFilter } from './event-filter';
import { EventRing, newEpoch, type RingEntry } from './event-ring';
import { eventForm, type EventForm, mayReceive, publish } from './event-visibility';
import {
  type DeploymentProgressEvent,
  type EngineEventFilter,
  type LiveStream,
  MISSED_EVENTS_ACTION,
  MISSED_EVENTS_TYPE,
  type PublishedEngineEvent,
  type StreamMessage,
} from './live.types';

export type StreamTransport = 'sse' | 'graphql-ws';
type StreamKind = 'engine' | 'deployment';

// Recent engine events kept for Last-Event-ID: at most this many, and about this much memory.
export const RECENT_EVENTS = 4096;
export const RECENT_EVENTS_BYTES = 32 * 1024 * 1024;
// Timers cannot wait longer than this (about 24.8 days): a later expiry is re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

// Event ids belong to one service process: a resume in the next one gets a `missed` message (engine
// events may have been missed meanwhile), so the client is told to re-read the state.
export const STOPPING_MESSAGE =
  'The service is stopping: reconnect once it is back, and expect to have missed events ' +
  '(a resume in the new process first gets a "missed" message): read the current state again, then follow the stream.';

// One open client stream.
interface Open {
  actor: Actor;
  kind: StreamKind;
  transport: StreamTransport;
  stream: BoundedStream<unknown>;
  // Engine streams: what the key asked for.
  filter?: EngineEventFilter;
  expiry?: NodeJS.Timeout;
}

// A message that tells a client that events may have been missed (see live.types.ts).
function missed(reason: string, message: string): PublishedEngineEvent {
  return {
    type: MISSED_EVENTS_TYPE,
    action: MISSED_EVENTS_ACTION,
    id: '',
    name: null,
    attributes: { reason, message },
    time: new Date().toISOString(),
  };
}

// The hub of the client streams: one subscription to the engine's events (ENGINE_EVENTS) and to
// deployments (DeploymentEvents) fanned out to every client stream, each filtered by its key's
// role and label scope, bounded, counted against MAX_STREAMS_PER_KEY, closed when its key is
// revoked or expires or the service stops. SSE (REST) and GraphQL subscriptions both open streams here.
@Injectable()
export class LiveEvents implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveEvents.name);
  private readonly ring = new EventRing(newEpoch(), RECENT_EVENTS, RECENT_EVENTS_BYTES);
  // Open streams by key id.
  private readonly byKey = new Map<string, Set<Open>>();
  private readonly unsubscribe: (() => void)[] = [];

  private readonly redactor: Redactor;

  constructor(
    private readonly config: AppConfig,
    private readonly policy: AccessPolicy,
    private readonly keys: ApiKeysService,
    private readonly metrics: Metrics,
    private readonly deployments: DeploymentEvents,
    private readonly runtime: TemplateRuntime,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() @Inject(ENGINE_EVENTS) private readonly source?: EngineEventSource,
  ) {
    // Exec commands shown in events are redacted as the audit log redacts them.
    this.redactor = new Redactor(config.AUDIT_REDACT_PATTERN);
  }

  onModuleInit(): void {
    if (this.source) {
      this.unsubscribe.push(this.source.subscribe((event) => this.onEvent(event)));
      this.unsubscribe.push(this.source.onGap((reason) => this.onGap(reason)));
    }
    this.unsubscribe.push(this.keys.onRevoke((keyId) => this.closeKey(keyId, 'was revoked')));
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.closeAll(STOPPING_MESSAGE);
  }

  beforeApplicationShutdown(): void {
    this.closeAll(STOPPING_MESSAGE);
  }

  // Engine events the key may see that match the filter; after `lastEventId` (a message id this
  // hub gave) when resuming. Throws DomainError (VALIDATION_FAILED for a bad filter,
  // TOO_MANY_STREAMS when the key has MAX_STREAMS_PER_KEY open).
  openEngineEvents(
    actor: Actor,
    filter: EngineEventFilter,
    transport: StreamTransport,
    lastEventId?: string,
  ): LiveStream<PublishedEngineEvent> {
    assertValidFilter(filter);
    if (!this.source) {
      throw new DomainError(
        'ENGINE_UNAVAILABLE',
        "The engine's event feed is not running in this service, so no event stream can be opened; check the service's log.",
      );
    }
    const stream = this.newStream<PublishedEngineEvent>(actor, 'engine', transport, filter);
    if (lastEventId !== undefined && lastEventId !== '')
      stream.preload(this.replay(actor, filter, lastEventId));
    return stream;
  }

  // The progress of one deployment the key may read (404 DEPLOYMENT_NOT_FOUND otherwise, exactly
  // as GET /api/v1/deployments/{id}): every action change from the start (or after `lastEventId`,
  // the number of the last message received), then `finished`, then the stream ends. One this
  // process no longer holds answers its actions' final states and `finished`.
  async openDeploymentProgress(
    actor: Actor,
    deploymentId: string,
    transport: StreamTransport,
    lastEventId?: string,
  ): Promise<LiveStream<DeploymentProgressEvent>> {
    const after = progressPosition(lastEventId);
    this.assertRoom(actor);
    const stored = await this.runtime.deployment(deploymentId, actor);
    const stream = this.newStream<DeploymentProgressEvent>(actor, 'deployment', transport);
    const following = this.deployments.follow(deploymentId, (message) => {
      stream.push(message);
      if (message.data.type === 'finished') stream.finish('the deployment finished');
    });
    if (!following) {
      // Not run by this process lately: its stored state (a resume cannot be placed in it, so it
      // is told whole; each message is a state, so a repeat is harmless).
      stream.preload(messagesOfStored(stored));
      stream.finish(
        stored.status === 'running'
          ? 'the deployment is not run by this service process; read it again later'
          : 'the deployment finished',
      );
      return stream;
    }
    stream.onEnd(following.stop);
    stream.preload(following.history.filter((m) => Number(m.id) > after));
    if (following.finished) stream.finish('the deployment finished');
    return stream;
  }

  // Ends every open stream with this reason (the service is stopping).
  closeAll(reason: string): void {
    for (const streams of [...this.byKey.values()])
      for (const open of [...streams]) open.stream.close(reason, 'SERVICE_STOPPING');
  }

  // Streams open now, for tests and health.
  openCount(): number {
    let count = 0;
    for (const streams of this.byKey.values()) count += streams.size;
    return count;
  }

  // -----------------------------------------------------------------------------------------------

  private onEvent(event: ObservedEvent): void {
    this.ring.add(event);
    const id = this.ring.idOf(event.seq);
    // One message object per form (with an exec's command or without), shared by every stream that
    // gets it: a queue holds references, not copies.
    const forms = new Map<EventForm, StreamMessage<PublishedEngineEvent>>();
    for (const streams of this.byKey.values()) {
      for (const open of streams) {
        if (open.kind !== 'engine' || !open.filter) continue;
        if (!mayReceive(event, open.actor, this.policy) || !matchesFilter(event, open.filter)) continue;
        const form = eventForm(open.actor, this.policy);
        let message = forms.get(form);
        if (!message) forms.set(form, (message = { id, data: this.published(event, form) }));
        open.stream.push(message);
      }
    }
  }

  private onGap(reason: string): void {
    this.ring.addGap(reason);
    const message = {
      id: this.ring.headId(),
      data: missed('feed-gap', gapMessage(reason)),
    };
    for (const streams of this.byKey.values())
      for (const open of streams) if (open.kind === 'engine') open.stream.push(message);
  }

  private deliverable(
    event: ObservedEvent,
    actor: Actor,
    filter: EngineEventFilter,
  ): PublishedEngineEvent | null {
    if (!mayReceive(event, actor, this.policy) || !matchesFilter(event, filter)) return null;
    return this.published(event, eventForm(actor, this.policy));
  }

  private published(event: ObservedEvent, form: EventForm): PublishedEngineEvent {
    return publish(event, form, this.redactor);
  }

  // What followed `lastEventId` for this key and filter, or a notice that events may have been missed.
  private replay(
    actor: Actor,
    filter: EngineEventFilter,
    lastEventId: string,
  ): StreamMessage<PublishedEngineEvent>[] {
    const point = this.ring.resume(lastEventId);
    if (point.kind === 'missed')
      return [{ id: this.ring.headId(), data: missed(point.reason, point.message) }];
    return point.entries.flatMap((entry: RingEntry) => {
      if (entry.kind === 'gap')
        return [{ id: this.ring.idOf(entry.seq), data: missed('feed-gap', gapMessage(entry.reason)) }];
      const data = this.deliverable(entry.event, actor, filter);
      return data ? [{ id: this.ring.idOf(entry.seq), data }] : [];
    });
  }

  private assertRoom(actor: Actor): void {
    const open = this.byKey.get(actor.keyId)?.size ?? 0;
    if (open >= this.config.MAX_STREAMS_PER_KEY) {
      throw new DomainError(
        'TOO_MANY_STREAMS',
        `The key "${actor.name}" already has ${open} event streams open (MAX_STREAMS_PER_KEY is ${this.config.MAX_STREAMS_PER_KEY}): ` +
          'close one (SSE or GraphQL subscription) and retry.',
        { context: { open, limit: this.config.MAX_STREAMS_PER_KEY } },
      );
    }
  }

  private newStream<T>(
    actor: Actor,
    kind: StreamKind,
    transport: StreamTransport,
    filter?: EngineEventFilter,
  ): BoundedStream<T> {
    this.assertRoom(actor);
    const limit = this.config.STREAM_BUFFER_MESSAGES;
    const bytes = this.config.STREAM_BUFFER_BYTES;
    const stream = new BoundedStream<T>(
      limit,
      (bound) =>
        `The client fell behind by ${bound === 'bytes' ? `${bytes} bytes` : `${limit} messages`} ` +
        `(STREAM_BUFFER_${bound.toUpperCase()}), so this stream was ended: ` +
        'read faster, or reconnect with Last-Event-ID set to the id of the last message received to resume.',
      bytes,
    );
    const open: Open = { actor, kind, transport, stream: stream as BoundedStream<unknown>, filter };
    let streams = this.byKey.get(actor.keyId);
    if (!streams) this.byKey.set(actor.keyId, (streams = new Set()));
    streams.add(open);
    this.metrics.streamOpened(transport, kind);
    stream.onEnd((end) => this.release(open, end));
    void this.watchExpiry(open);
    return stream;
  }

  private release(open: Open, end: StreamEnd): void {
    clearTimeout(open.expiry);
    const streams = this.byKey.get(open.actor.keyId);
    streams?.delete(open);
    if (streams?.size === 0) this.byKey.delete(open.actor.keyId);
    this.metrics.streamClosed(open.transport, open.kind, end.code ?? 'ended');
  }

  private closeKey(keyId: string, what: string, expiresAt?: string): void {
    for (const open of [...(this.byKey.get(keyId) ?? [])]) {
      open.stream.close(
        `The API key "${open.actor.name}" ${what}${expiresAt ? ` at ${expiresAt}` : ''}, so this stream was closed; use another key.`,
        'UNAUTHENTICATED',
      );
    }
  }

  // A key with an expiry: its streams close when it expires.
  private async watchExpiry(open: Open): Promise<void> {
    try {
      const row = await this.dataSource
        .getRepository(ApiKeyEntity)
        .findOne({ select: { id: true, expiresAt: true }, where: { id: open.actor.keyId } });
      if (!row?.expiresAt || open.stream.closed) return;
      const expiresAt = row.expiresAt;
      const arm = () => {
        const left = Date.parse(expiresAt) - Date.now();
        if (left <= 0) return this.expire(open, expiresAt);
        open.expiry = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
        open.expiry.unref();
      };
      arm();
    } catch (error) {
      this.logger.error({ err: error }, "could not read an API key's expiry for its event stream");
    }
  }

  private expire(open: Open, expiresAt: string): void {
    open.stream.close(
      `The API key "${open.actor.name}" expired at ${expiresAt}, so this stream was closed; use another key.`,
      'UNAUTHENTICATED',
    );
  }
}

function gapMessage(reason: string): string {
  return `The engine's event feed had a gap (${reason}): events may have been missed; read the current state, then follow this stream.`;
}

// The last message received of a deployment stream (its id, a number), 0 for none.
function progressPosition(lastEventId: string | undefined): number {
  if (lastEventId === undefined || lastEventId === '') return 0;
  if (!/^\d{1,9}$/.test(lastEventId.trim())) {
    throw DomainError.validation([
      {
        field: 'lastEventId',
        message:
          'lastEventId of a deployment stream must be the id of a message it sent (a number such as 3)',
      },
    ]);
  }
  return Number(lastEventId.trim());
}
