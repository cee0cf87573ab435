import type { ErrorCode } from '../common/errors/error-codes';
import type { LiveStream, StreamMessage } from './live.types';

// The end of a stream: why, and the catalogue code a client is told (null for a normal end).
export interface StreamEnd {
  reason: string;
  code: ErrorCode | null;
}

// Which bound a reader fell behind by: the count of messages waiting, or their size.
export type StreamBound = 'messages' | 'bytes';

// A message's size as JSON, measured once however many streams queue it (the hub shares one
// message object between the streams that get it).
const sizes = new WeakMap<object, number>();

export function messageBytes(message: StreamMessage<unknown>): number {
  let size = sizes.get(message);
  if (size === undefined) {
    size = Buffer.byteLength(JSON.stringify(message) ?? '');
    sizes.set(message, size);
  }
  return size;
}

// A client stream with a bounded queue. The hub pushes; the transport iterates. A reader that
// lets `limit` messages, or `maxBytes` bytes of messages (as JSON), pile up ends the stream
// (STREAM_OVERFLOW): the queue is dropped rather than grown, and the client resumes from the last
// id it received. The byte bound matters because a container event carries the container's
// labels, which may be large: a count alone would let one stalled stream hold far too much.
export class BoundedStream<T> implements LiveStream<T> {
  private readonly queue: StreamMessage<T>[] = [];
  // Bytes of the queued messages that count against maxBytes (not the replay's).
  private queuedBytes = 0;
  private waiting: ((result: IteratorResult<StreamMessage<T>>) => void) | null = null;
  private end: StreamEnd | null = null;
  // The end is told to the reader after what was queued before it (a deployment's `finished`).
  private draining = false;
  // Messages queued by `preload` still waiting at the front: a replay, not counted against the limit.
  private backlog = 0;
  private readonly endListeners: ((end: StreamEnd) => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly overflowMessage: (bound: StreamBound) => string,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  get endReason(): string | null {
    return this.end?.reason ?? null;
  }

  get endCode(): ErrorCode | null {
    return this.end?.code ?? null;
  }

  get closed(): boolean {
    return this.end !== null;
  }

  // Messages waiting for the reader.
  get pending(): number {
    return this.queue.length;
  }

  // Called once when the stream ends, however it ends.
  onEnd(listener: (end: StreamEnd) => void): void {
    if (this.end) listener(this.end);
    else this.endListeners.push(listener);
  }

  push(message: StreamMessage<T>): void {
    if (this.end) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: message, done: false });
      return;
    }
    if (this.queue.length - this.backlog >= this.limit) {
      this.close(this.overflowMessage('messages'), 'STREAM_OVERFLOW');
      return;
    }
    const size = messageBytes(message);
    // One message alone never overflows (an event bigger than the bound still reaches a reader
    // that keeps up); what piles up behind it does.
    if (this.queuedBytes > 0 && this.queuedBytes + size > this.maxBytes) {
      this.close(this.overflowMessage('bytes'), 'STREAM_OVERFLOW');
      return;
    }
    this.queue.push(message);
    this.queuedBytes += size;
  }

  // Queues a replay (what followed a Last-Event-ID): bounded by what it replays from, not by the
  // limit, which applies to what comes live after it.
  preload(messages: readonly StreamMessage<T>[]): void {
    if (this.end) return;
    this.queue.push(...messages);
    this.backlog += messages.length;
  }

  // Ends the stream after the reader has taken what is queued (the normal end of a stream that
  // has said all it had to say).
  finish(reason: string): void {
    if (this.end) return;
    this.draining = true;
    this.settle({ reason, code: null });
  }

  // Ends the stream now: what is queued is dropped.
  close(reason: string, code: ErrorCode | null = null): void {
    if (this.end) return;
    this.queue.length = 0;
    this.backlog = 0;
    this.queuedBytes = 0;
    this.settle({ reason, code });
  }

  private settle(end: StreamEnd): void {
    this.end = end;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
    for (const listener of this.endListeners.splice(0)) listener(end);
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamMessage<T>> {
    return {
      next: () => {
        const next = this.queue.shift();
        if (next && this.backlog > 0) this.backlog -= 1;
        else if (next) this.queuedBytes -= messageBytes(next);
        if (next && (!this.end || this.draining)) return Promise.resolve({ value: next, done: false });
        if (this.end) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.close('the client closed the stream');
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
