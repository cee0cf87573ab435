import { parseLogFrames, StreamDemuxer } from '../../src/engine/docker-stream';

const frame = (stream: 1 | 2, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('StreamDemuxer', () => {
  it('splits stdout and stderr, across chunk boundaries', () => {
    const demux = new StreamDemuxer(1024);
    const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world')]);
    for (let i = 0; i < all.length; i += 3) demux.push(all.subarray(i, i + 3));
    expect(demux.text('stdout')).toBe('hello world');
    expect(demux.text('stderr')).toBe('oops');
    expect(demux.truncated).toBe(false);
  });

  it('keeps at most the limit per stream and says so', () => {
    const demux = new StreamDemuxer(5);
    demux.push(Buffer.concat([frame(1, 'abcdefgh'), frame(1, 'ij'), frame(2, 'xy')]));
    expect(demux.text('stdout')).toBe('abcde');
    expect(demux.text('stderr')).toBe('xy');
    expect(demux.truncated).toBe(true);
  });
});

describe('parseLogFrames', () => {
  it('reads lines with their stream and timestamp, joining lines split over frames', () => {
    const buffer = Buffer.concat([
      frame(1, '2026-11-29T10:00:00.000000001Z first line\n2026-11-29T10:00:01.5Z sec'),
      frame(2, '2026-11-29T10:00:01.7Z an error\n'),
      frame(1, 'ond line\n'),
    ]);
    expect(parseLogFrames(buffer)).toEqual([
      { stream: 'stdout', timestamp: '2026-11-29T10:00:00.000000001Z', text: 'first line' },
      { stream: 'stderr', timestamp: '2026-11-29T10:00:01.7Z', text: 'an error' },
      { stream: 'stdout', timestamp: '2026-11-29T10:00:01.5Z', text: 'second line' },
    ]);
  });

  it('reads the unframed log of a TTY container as stdout', () => {
    expect(parseLogFrames(Buffer.from('2026-11-29T10:00:00Z one\ntwo\n'))).toEqual([
      { stream: 'stdout', timestamp: '2026-11-29T10:00:00Z', text: 'one' },
      { stream: 'stdout', timestamp: null, text: 'two' },
    ]);
    expect(parseLogFrames(Buffer.alloc(0))).toEqual([]);
  });
});
