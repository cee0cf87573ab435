import { Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { engineTimeOf, LineSplitter, parseEventLine } from './event-lines';
import type { EngineEvent } from './read-model.types';

// What the feed needs from the engine (the dockerode adapter implements it; unit tests fake it).
export interface EventStreamPort {
  // Opens GET /events for network and container events, with no deadline: replayed from `since`
  // (the engine's seconds.nanoseconds, inclusive) or from now when null.
  openEvents(since: string | null, signal: AbortSignal): Promise<Readable>;
  // The events the engine still holds in its buffer that were stamped exactly at `timeNano`: a
  // request that ends by itself (since = until = that stamp).
  eventsAt(timeNano: string, signal: AbortSignal): Promise<EngineEvent[]>;
}

export interface FeedHandlers {
  // The stream is open. `resumed`: every event since the last one seen is replayed (nothing was
  // lost); otherwise the state must be read again. Events of this connection follow.
  connected(resumed: boolean, reason: string): void;
  event(event: EngineEvent): void;
  // The stream broke (or could not be opened); the feed retries by itself.
  broken(reason: string): void;
}

export interface FeedOptions {
  // Exponential backoff between attempts: base, doubling, capped, jittered (50-100% of the step).
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxLineBytes: number;
  // Events held while the resume is being proved; past it the feed gives up proving (a gap).
  maxHeldEvents: number;
  random: () => number;
}

const DEFAULTS: FeedOptions = {
  backoffBaseMs: 50,
  backoffMaxMs: 2000,
  maxLineBytes: 1024 * 1024,
  maxHeldEvents: 10_000,
  random: Math.random,
};

// The one subscription to the engine's event stream. It reconnects with backoff whenever the
// stream ends or fails, resumes from the last event's stamp, and tells whether the resume is
// complete. The engine keeps only its last 256 events, in memory: the resume is proved complete
// only when the last event seen is still in that buffer (then nothing after it was evicted and
// the engine did not restart); anything else is a gap.
export class EventFeed {
  private readonly logger = new Logger('EngineEvents');
  private readonly options: FeedOptions;
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private last: EngineEvent | null = null;
  private everConnected = false;
  reconnects = 0;

  constructor(
    private readonly port: EventStreamPort,
    private readonly handlers: FeedHandlers,
    options: Partial<FeedOptions> = {},
    private readonly onReconnect: () => void = () => {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const reason = await this.session().catch((error: unknown) => describe(error));
      if (this.stopped) break;
      if (reason === null) failures = 0;
      else failures++;
      this.handlers.broken(reason ?? 'the engine closed its event stream');
      await this.pause(this.backoff(failures));
    }
  }

  // One connection: answers null when the stream ended normally, a reason when it failed. The
  // session's events go to the handlers in the order the engine sent them.
  private async session(): Promise<string | null> {
    const controller = new AbortController();
    this.controller = controller;
    const from = this.last;
    const stream = await this.port.openEvents(from ? engineTimeOf(from.timeNano) : null, controller.signal);
    if (this.stopped) {
      stream.destroy();
      return null;
    }
    if (this.everConnected) {
      this.reconnects++;
      this.onReconnect();
    }
    this.everConnected = true;
    // Events are held until the resume is proved (or not), so that the handlers learn whether
    // to read the whole state before they see any event of this connection.
    let held: EngineEvent[] | null = [];
    let overflowed = false;
    const deliver = (event: EngineEvent) => {
      this.last = event;
      if (held === null) this.handlers.event(event);
      else if (held.length < this.options.maxHeldEvents) held.push(event);
      else overflowed = true;
    };
    const ended = this.pump(stream, controller.signal, deliver);
    let verdict: { resumed: boolean; reason: string };
    try {
      verdict = from
        ? await this.prove(from, controller.signal)
        : { resumed: false, reason: 'first connection' };
    } catch (error) {
      verdict = { resumed: false, reason: `the resume could not be checked (${describe(error)})` };
    }
    if (overflowed) verdict = { resumed: false, reason: 'too many events arrived while resuming' };
    this.handlers.connected(verdict.resumed, verdict.reason);
    const pending = held;
    held = null;
    for (const event of pending) this.handlers.event(event);
    return ended;
  }

  // The last event seen is still in the engine's buffer: nothing after it was evicted.
  private async prove(last: EngineEvent, signal: AbortSignal): Promise<{ resumed: boolean; reason: string }> {
    const buffered = await this.port.eventsAt(last.timeNano, signal);
    const found = buffered.some((e) => e.id === last.id && e.action === last.action && e.type === last.type);
    return found
      ? { resumed: true, reason: 'resumed from the last event' }
      : {
          resumed: false,
          reason:
            'the engine no longer holds the last event seen (it restarted, or more than 256 events passed)',
        };
  }

  // Reads the stream line by line until it ends (null) or fails (a reason).
  private pump(
    stream: Readable,
    signal: AbortSignal,
    deliver: (event: EngineEvent) => void,
  ): Promise<string | null> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (reason: string | null) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        stream.destroy();
        resolve(reason);
      };
      const onAbort = () => settle('stopped');
      signal.addEventListener('abort', onAbort);
      const lines = new LineSplitter(
        this.options.maxLineBytes,
        (line) => {
          const event = parseEventLine(line);
          if (event === 'unreadable') {
            this.logger.warn({ line: line.slice(0, 200) }, 'unreadable line in the engine event stream');
          } else if (event) deliver(event);
        },
        // An event too long to read: something was lost, reconnect (and prove the resume).
        () => settle(`an event longer than ${this.options.maxLineBytes} bytes`),
      );
      stream.on('data', (chunk: Buffer) => {
        if (!settled) lines.push(chunk);
      });
      stream.on('end', () => settle(null));
      stream.on('error', (error: Error) => settle(describe(error)));
      stream.on('close', () => settle('the event stream closed'));
    });
  }

  private backoff(failures: number): number {
    const { backoffBaseMs, backoffMaxMs, random } = this.options;
    const step = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(failures, 16));
    return Math.round(step * (0.5 + random() / 2));
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
