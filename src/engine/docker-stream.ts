import type { LogLine } from './engine.types';

// Splits the engine's multiplexed stdout/stderr stream (Tty false): frames of an 8-byte header
// (stream type, 3 zero bytes, big-endian payload size) and the payload. Output past `limit`
// bytes per stream is dropped and reported as truncated.
export class StreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  private readonly sizes = { stdout: 0, stderr: 0 };
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      // 0 is stdin (never sent back), 1 stdout, 2 stderr, 3 a system error message of the engine.
      this.keep(type === 1 ? 'stdout' : 'stderr', payload);
    }
  }

  private keep(stream: 'stdout' | 'stderr', payload: Buffer): void {
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

  text(stream: 'stdout' | 'stderr'): string {
    return Buffer.concat(this.out[stream]).toString('utf8');
  }
}

// Reads a multiplexed log answer into lines, in order, each with its stream and timestamp
// (the engine prefixes each line with an RFC 3339 time when asked to).
export function parseLogFrames(buffer: Buffer): LogLine[] {
  const lines: LogLine[] = [];
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const emit = (stream: 'stdout' | 'stderr', raw: string) => {
    const match = /^(\d{4}-\d{2}-\d{2}T\S+Z) ?(.*)$/s.exec(raw);
    lines.push({ stream, timestamp: match ? match[1] : null, text: match ? match[2] : raw });
  };
  // A container with a TTY has one raw stream, without frames.
  const framed =
    buffer.length >= 8 && buffer[0] <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!framed) {
    const parts = buffer.toString('utf8').split('\n');
    if (parts[parts.length - 1] === '') parts.pop();
    for (const part of parts) emit('stdout', part);
    return lines;
  }
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset] === 2 ? 'stderr' : 'stdout';
    const size = buffer.readUInt32BE(offset + 4);
    const text = partial[stream] + buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
    const parts = text.split('\n');
    partial[stream] = parts.pop() ?? '';
    for (const part of parts) emit(stream, part);
  }
  for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) emit(stream, partial[stream]);
  return lines;
}
