import { request, type IncomingMessage, type ClientRequest } from 'node:http';
import { waitFor } from './wait';

// Parsed JSON, as supertest's bodies are.
type Json = ReturnType<typeof JSON.parse>;

// One Server-Sent Events message as the client parsed it.
export interface SseMessage {
  id: string | null;
  event: string;
  data: Json;
}

// A small SSE client over a raw HTTP response: every message parsed as it arrives, comments
// counted, the end of the response noticed; reading can be paused (the socket then stops taking
// data, as a slow browser's would). Always close() it (afterEach/afterAll).
export class SseClient {
  readonly messages: SseMessage[] = [];
  comments = 0;
  status = 0;
  headers: IncomingMessage['headers'] = {};
  // The body of an answer that is not a stream (a problem+json refusal).
  body: Json = null;
  ended = false;
  bytes = 0;
  private response: IncomingMessage | null = null;
  private buffer = '';
  private raw = '';

  private constructor(private readonly req: ClientRequest) {}

  // Opens `path` on the service; resolves once the status and headers arrived.
  static open(
    port: number,
    path: string,
    key: string | null,
    headers: Record<string, string> = {},
  ): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: {
          accept: 'text/event-stream',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...headers,
        },
      });
      const client = new SseClient(req);
      req.once('error', (error) => (client.status ? (client.ended = true) : reject(error)));
      req.once('response', (response) => {
        client.response = response;
        client.status = response.statusCode ?? 0;
        client.headers = response.headers;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => client.take(chunk));
        response.once('end', () => client.finish());
        response.once('close', () => client.finish());
        resolve(client);
      });
      req.end();
    });
  }

  private take(chunk: string): void {
    this.bytes += chunk.length;
    if (!String(this.headers['content-type']).startsWith('text/event-stream')) {
      this.raw += chunk;
      return;
    }
    this.buffer += chunk;
    let at: number;
    while ((at = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      this.parse(block);
    }
  }

  private parse(block: string): void {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments += 1;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.messages.push({ id, event, data: JSON.parse(data.join('\n')) });
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.raw) {
      try {
        this.body = JSON.parse(this.raw);
      } catch {
        this.body = this.raw;
      }
    }
  }

  // The data messages (not the end).
  get data(): SseMessage[] {
    return this.messages.filter((m) => m.event === 'message');
  }

  get end(): SseMessage | undefined {
    return this.messages.find((m) => m.event === 'end');
  }

  // Waits until a message matches, and returns it.
  waitFor(
    predicate: (message: SseMessage) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<SseMessage> {
    return waitFor(() => this.messages.find(predicate), { what, timeoutMs });
  }

  waitForEnd(timeoutMs = 30_000): Promise<void> {
    return waitFor(() => this.ended, { what: 'the end of the event stream', timeoutMs }).then(
      () => undefined,
    );
  }

  // Stops reading: the socket's buffers fill and the service's writes stop being taken.
  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  close(): void {
    this.response?.destroy();
    this.req.destroy();
  }
}
