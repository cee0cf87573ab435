import { randomBytes } from 'node:crypto';
import type { ObservedEvent } from '../engine/read-model/read-model.types';

// An entry of the ring: an event, or a gap of the engine's feed after the event `seq`.
export type RingEntry =
  { kind: 'event'; seq: number; event: ObservedEvent } | { kind: 'gap'; seq: number; reason: string };

// Where a resume starts: replay what followed, or tell the client it may have missed events.
export type ResumePoint =
  | { kind: 'replay'; entries: RingEntry[] }
  | { kind: 'missed'; reason: 'resume-unknown' | 'resume-too-old'; message: string };

// This process's event ids: `<epoch>-<seq>`, with an epoch no other process has (its start time and
// random bits), so an id from an earlier run is never taken for one of ours.
export function newEpoch(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

const ID = /^([0-9a-z]{1,32})-(\d{1,15})$/;

// About how much memory an event holds: its strings (attributes carry a container's labels, which
// may be large).
export function approximateBytes(event: ObservedEvent): number {
  let bytes = 256 + event.id.length + event.action.length;
  for (const [key, value] of Object.entries(event.attributes)) bytes += key.length + value.length;
  for (const subject of [event.network, event.container])
    if (subject)
      for (const [key, value] of Object.entries(subject.labels)) bytes += key.length + value.length;
  return bytes * 2;
}

// The recent events of this process, for Last-Event-ID: at most `capacity` entries and about
// `maxBytes` of them (the oldest go first).
export class EventRing {
  private readonly entries: RingEntry[] = [];
  private readonly sizes: number[] = [];
  private start = 0;
  private bytes = 0;
  // The seq of the last event seen (0 before any).
  private head = 0;

  constructor(
    readonly epoch: string,
    private readonly capacity: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  idOf(seq: number): string {
    return `${this.epoch}-${seq}`;
  }

  // The id that stands for "now": resuming from it replays what comes next.
  headId(): string {
    return this.idOf(this.head);
  }

  add(event: ObservedEvent): void {
    this.head = Math.max(this.head, event.seq);
    this.push({ kind: 'event', seq: event.seq, event }, approximateBytes(event));
  }

  addGap(reason: string): void {
    this.push({ kind: 'gap', seq: this.head, reason }, 256 + reason.length * 2);
  }

  private push(entry: RingEntry, size: number): void {
    this.entries.push(entry);
    this.sizes.push(size);
    this.bytes += size;
    while (
      this.entries.length - this.start > 1 &&
      (this.entries.length - this.start > this.capacity || this.bytes > this.maxBytes)
    ) {
      this.bytes -= this.sizes[this.start];
      this.start += 1;
    }
    // Compact now and then rather than shifting on every event.
    if (this.start >= 1024 || this.start >= this.entries.length / 2) {
      this.entries.splice(0, this.start);
      this.sizes.splice(0, this.start);
      this.start = 0;
    }
  }

  private live(): RingEntry[] {
    return this.entries.slice(this.start);
  }

  // What follows `lastEventId` (an id this hub gave), or why that cannot be told.
  resume(lastEventId: string): ResumePoint {
    const match = ID.exec(lastEventId.trim());
    if (!match || match[1] !== this.epoch) {
      return {
        kind: 'missed',
        reason: 'resume-unknown',
        message:
          `The event id "${lastEventId.slice(0, 64)}" is not one of this service process's (it restarted, or the id is not an event id): ` +
          'events may have been missed; read the current state, then follow this stream.',
      };
    }
    const seq = Number(match[2]);
    if (seq > this.head) {
      return {
        kind: 'missed',
        reason: 'resume-unknown',
        message: `The event id "${lastEventId}" is ahead of this stream: events may have been missed; read the current state, then follow this stream.`,
      };
    }
    const entries = this.live();
    const oldest = entries.find((e) => e.kind === 'event');
    // Every event after `seq` must still be held: the one right after it at least.
    if (seq < this.head && (!oldest || oldest.seq > seq + 1)) {
      return {
        kind: 'missed',
        reason: 'resume-too-old',
        message:
          `The event id "${lastEventId}" is older than the recent events this service keeps: ` +
          'events may have been missed; read the current state, then follow this stream.',
      };
    }
    return {
      kind: 'replay',
      // A gap after the very event the client saw last is one it may not have been told of: told
      // again rather than lost (a notice told twice is harmless).
      entries: entries.filter((e) => (e.kind === 'event' ? e.seq > seq : e.seq >= seq)),
    };
  }
}
