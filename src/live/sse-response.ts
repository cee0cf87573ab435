import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { BoundedStream } from './bounded-stream';
import type { LiveStream, StreamMessage } from './live.types';

// A comment line now and then keeps proxies and load balancers from closing an idle stream.
export const KEEP_ALIVE_MS = 15_000;
// After the end message, a client that does not read it within this is cut off.
const END_FLUSH_MS = 5_000;

// One message in the text/event-stream format: its id, and its data as one line of JSON (JSON
// has no raw line breaks, so one `data:` line always holds it).
export function sseMessage<T>(message: StreamMessage<T>): string {
  return `id: ${message.id}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

// The last message of every stream: why it ended (code null: it said all it had to say).
export function sseEnd(code: string | null, message: string): string {
  return `event: end\ndata: ${JSON.stringify({ code, message })}\n\n`;
}

// Waits until the socket takes more, the client has gone, or the stream ended (its queue filled
// meanwhile: the end message is written at once).
function drained(raw: ServerResponse, ended: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.once('drain', done);
    raw.once('close', done);
    void ended.then(done);
  });
}

function endOf<T>(stream: LiveStream<T>): Promise<void> {
  if (stream instanceof BoundedStream) return new Promise((resolve) => stream.onEnd(() => resolve()));
  return new Promise(() => {});
}

// Serves a stream as Server-Sent Events on a reply Fastify no longer handles. A write the socket
// does not take at once stops the reading of the stream until it drains: meanwhile messages wait
// in the stream's bounded queue, which ends the stream when it fills. The client going away
// closes the stream (and frees its slot).
export function serveSse<T>(
  reply: FastifyReply,
  stream: LiveStream<T>,
  keepAliveMs = KEEP_ALIVE_MS,
): Promise<void> {
  void reply.hijack();
  const raw = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders()))
    if (value !== undefined) headers[name] = value;
  raw.writeHead(200, {
    ...headers,
    // Fastify's onSend hooks (which set it on other answers) do not run for a hijacked reply.
    'x-request-id': String(reply.request.id),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  raw.flushHeaders();
  const ended = endOf(stream);
  let gone = false;
  raw.once('close', () => {
    gone = true;
    stream.close('the client closed the stream');
  });
  const keepAlive = setInterval(() => {
    if (!gone && !raw.writableNeedDrain) raw.write(': keep-alive\n\n');
  }, keepAliveMs);
  keepAlive.unref();

  return (async () => {
    try {
      for await (const message of stream) {
        if (gone || stream.endCode) break;
        if (!raw.write(sseMessage(message))) await drained(raw, ended);
      }
    } finally {
      clearInterval(keepAlive);
    }
    if (gone) return;
    raw.end(sseEnd(stream.endCode ?? null, stream.endReason ?? 'the stream ended'));
    // A client that does not even read the end is cut off rather than held.
    const cut = setTimeout(() => raw.destroy(), END_FLUSH_MS);
    cut.unref();
    raw.once('close', () => clearTimeout(cut));
  })();
}
