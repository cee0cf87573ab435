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

// The recent events of this process, for Last-Event-ID: at most `capacity` entries.
export class EventRing {
  private readonly entries: RingEntry[] = [];
  private start = 0;
  // The seq of the last event seen (0 before any).
  private head = 0;

  constructor(
    readonly epoch: string,
    private readonly capacity: number,
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
    this.push({ kind: 'event', seq: event.seq, event });
  }

  addGap(reason: string): void {
    this.push({ kind: 'gap', seq: this.head, reason });
  }

  private push(entry: RingEntry): void {
    if (this.entries.length - this.start >= this.capacity) this.start += 1;
    this.entries.push(entry);
    // Compact now and then rather than shifting on every event.
    if (this.start >= this.capacity) {
      this.entries.splice(0, this.start);
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
          `The event id "${lastEventId}" is older than the ${this.capacity} recent events this service keeps: ` +
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
