import type { EngineEvent } from './read-model.types';

// The engine's /events answer: one JSON object per line, as far as we read it.
export interface RawEngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
  time?: number;
  timeNano?: number | string;
  // Swarm-scope events say so (scope=swarm); local ones say local.
  scope?: string;
}

// Splits a byte stream into lines. A line longer than `maxBytes` is dropped whole and reported
// (an event that big is not one the model can trust; the caller treats it as a gap).
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private overflowing = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
  ) {}

  push(chunk: Buffer): void {
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl >= 0; nl = chunk.indexOf(10, from)) {
      this.take(chunk.subarray(from, nl));
      this.flush();
      from = nl + 1;
    }
    if (from < chunk.length) this.take(chunk.subarray(from));
  }

  private take(piece: Buffer): void {
    if (this.overflowing || piece.length === 0) return;
    if (this.size + piece.length > this.maxBytes) {
      this.overflowing = true;
      this.parts = [];
      this.size = 0;
      this.onOverflow();
      return;
    }
    // Copied: the chunk's buffer may be reused by the stream.
    this.parts.push(Buffer.from(piece));
    this.size += piece.length;
  }

  private flush(): void {
    const wasOverflowing = this.overflowing;
    this.overflowing = false;
    if (wasOverflowing || this.size === 0) return;
    const line = (this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)).toString('utf8');
    this.parts = [];
    this.size = 0;
    const trimmed = line.trim();
    if (trimmed) this.onLine(trimmed);
  }
}

// One line of /events in our words; null for what is not a network or container event.
export function toEngineEvent(raw: RawEngineEvent): EngineEvent | null {
  const type = raw.Type;
  if (type !== 'network' && type !== 'container') return null;
  const id = raw.Actor?.ID;
  if (!id || !raw.Action) return null;
  const timeNano = stampOf(raw);
  const attributes = { ...(raw.Actor?.Attributes ?? {}) };
  return {
    type,
    action: raw.Action,
    id,
    name: attributes.name ?? null,
    attributes,
    time: new Date(Number(BigInt(timeNano) / 1_000_000n)).toISOString(),
    timeNano,
  };
}

function stampOf(raw: RawEngineEvent): string {
  if (typeof raw.timeNano === 'string' && /^\d+$/.test(raw.timeNano)) return raw.timeNano;
  if (typeof raw.timeNano === 'number' && Number.isFinite(raw.timeNano)) {
    // JSON numbers past 2^53 lose their last digits; they still order correctly to the microsecond.
    return BigInt(Math.round(raw.timeNano)).toString();
  }
  return (BigInt(Math.round(raw.time ?? 0)) * 1_000_000_000n).toString();
}

// Parses one line; null for what cannot be read (logged by the caller) or is not ours.
export function parseEventLine(line: string): EngineEvent | null | 'unreadable' {
  try {
    const raw = JSON.parse(line) as RawEngineEvent;
    // A JSON number loses the stamp's last digits (it is past 2^53): the exact one is in the text.
    const exact = /"timeNano":\s*(\d+)/.exec(line);
    if (exact) raw.timeNano = exact[1];
    return toEngineEvent(raw);
  } catch {
    return 'unreadable';
  }
}

// The engine's `since`/`until` form of a stamp: seconds.nanoseconds.
export function engineTimeOf(timeNano: string): string {
  const ns = BigInt(timeNano);
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}
