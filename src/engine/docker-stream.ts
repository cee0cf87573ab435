import type { LogLine } from './engine.types';

export type StreamName = 'stdout' | 'stderr';

// Splits the engine's multiplexed stdout/stderr stream (Tty false): frames of an 8-byte header
// (stream type, 3 zero bytes, big-endian payload size) and the payload. Payloads are handed on
// piece by piece as they arrive: a frame is never gathered whole, so a large frame costs no more
// memory than the chunks it comes in.
export class FrameReader {
  private header: Buffer = Buffer.alloc(0);
  private stream: StreamName = 'stdout';
  private remaining = 0;

  constructor(private readonly onPayload: (stream: StreamName, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const piece = chunk.subarray(offset, offset + this.remaining);
        offset += piece.length;
        this.remaining -= piece.length;
        this.onPayload(this.stream, piece);
        continue;
      }
      const needed = 8 - this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + needed)]);
      offset += Math.min(needed, chunk.length - offset);
      if (this.header.length < 8) return;
      // 0 is stdin (never sent back), 1 stdout, 2 stderr, 3 a system error message of the engine.
      this.stream = this.header[0] === 1 ? 'stdout' : 'stderr';
      this.remaining = this.header.readUInt32BE(4);
      this.header = Buffer.alloc(0);
    }
  }
}

// Collects an exec's output: at most `limit` bytes per stream are kept, the rest is dropped and
// reported as truncated.
export class StreamDemuxer {
  private readonly frames = new FrameReader((stream, payload) => this.keep(stream, payload));
  private readonly out: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly sizes = { stdout: 0, stderr: 0 };
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.frames.push(chunk);
  }

  private keep(stream: StreamName, payload: Buffer): void {
    const room = this.limit - this.sizes[stream];
    if (room <= 0) {
      this.truncated ||= payload.length > 0;
      return;
    }
    const kept = payload.length > room ? payload.subarray(0, room) : payload;
    if (kept.length < payload.length) this.truncated = true;
    this.out[stream].push(Buffer.from(kept));
    this.sizes[stream] += kept.length;
  }

  text(stream: StreamName): string {
    return Buffer.concat(this.out[stream]).toString('utf8');
  }
}

// Reads a log answer into lines as it arrives, in order, each with its stream and timestamp (the
// engine prefixes each line with an RFC 3339 time when asked to). At most `limit` bytes of log
// are taken in (timestamps included); past that `full` is set, and the caller stops reading.
// A container with a TTY has one raw stream, without frames: the first bytes tell.
export class LogCollector {
  readonly lines: LogLine[] = [];
  full = false;
  private taken = 0;
  private framed: boolean | null = null;
  private readonly partial: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly frames = new FrameReader((stream, payload) => this.take(stream, payload));
  private start: Buffer = Buffer.alloc(0);

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.full) return;
    if (this.framed === null) {
      this.start = Buffer.concat([this.start, chunk]);
      if (this.start.length < 4) return;
      const b = this.start;
      this.framed = b[0] <= 2 && b[1] === 0 && b[2] === 0 && b[3] === 0;
      chunk = b;
      this.start = Buffer.alloc(0);
    }
    if (this.framed) this.frames.push(chunk);
    else this.take('stdout', chunk);
  }

  // The answer ended: what is left of a line without its newline is a line too.
  end(): LogLine[] {
    if (this.framed === null && this.start.length) this.take('stdout', this.start);
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream].length) this.emit(stream, Buffer.concat(this.partial[stream]));
      this.partial[stream] = [];
    }
    return this.lines;
  }

  private take(stream: StreamName, payload: Buffer): void {
    if (this.full) return;
    const room = this.limit - this.taken;
    if (payload.length > room) {
      payload = payload.subarray(0, room);
      this.full = true;
    }
    this.taken += payload.length;
    let from = 0;
    for (let nl = payload.indexOf(10); nl >= 0; nl = payload.indexOf(10, from)) {
      const parts = this.partial[stream];
      parts.push(payload.subarray(from, nl));
      this.emit(stream, Buffer.concat(parts));
      this.partial[stream] = [];
      from = nl + 1;
    }
    if (from < payload.length) this.partial[stream].push(Buffer.from(payload.subarray(from)));
  }

  private emit(stream: StreamName, line: Buffer): void {
    const raw = line.toString('utf8');
    const match = /^(\d{4}-\d{2}-\d{2}T\S+Z) ?(.*)$/s.exec(raw);
    this.lines.push({ stream, timestamp: match ? match[1] : null, text: match ? match[2] : raw });
  }
}

// Reads a whole multiplexed (or TTY) log answer into lines.
export function parseLogFrames(buffer: Buffer): LogLine[] {
  const collector = new LogCollector(Number.MAX_SAFE_INTEGER);
  collector.push(buffer);
  return collector.end();
}
