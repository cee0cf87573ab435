import WebSocket from 'ws';
import { waitFor } from './wait';

// Parsed JSON, as supertest's bodies are.
type Json = ReturnType<typeof JSON.parse>;

export interface WsPayload {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface WsAnswer {
  type: 'next' | 'error';
  payload: Json;
}

// Operations over one graphql-transport-ws connection with a key, one after the other: each
// one's `next` payload (it ran) or `error` payload (it was refused). The socket is closed after.
export async function wsOperations(port: number, key: string, payloads: WsPayload[]): Promise<WsAnswer[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
  const messages: { type: string; id?: string; payload?: Json }[] = [];
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as (typeof messages)[0]));
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
    await waitFor(() => messages.some((m) => m.type === 'connection_ack'), { what: 'connection_ack' });
    const answers: WsAnswer[] = [];
    for (const [i, payload] of payloads.entries()) {
      const id = String(i + 1);
      ws.send(JSON.stringify({ id, type: 'subscribe', payload }));
      const answer = await waitFor(
        () => messages.find((m) => m.id === id && (m.type === 'next' || m.type === 'error')),
        { what: `the answer to operation ${id}` },
      );
      answers.push({ type: answer.type as WsAnswer['type'], payload: answer.payload });
    }
    return answers;
  } finally {
    ws.close();
  }
}

// One operation over graphql-transport-ws with a key.
export async function wsOperation(
  port: number,
  key: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<WsAnswer> {
  const [answer] = await wsOperations(port, key, [{ query, variables }]);
  return answer;
}

// One subscription over its own graphql-transport-ws connection, kept open: what arrived so far,
// and how it ended. Close it in afterEach/afterAll (close() is safe to call twice).
export interface WsSubscription {
  // `next` payloads in order.
  readonly results: Json[];
  // The `error` payload when the operation was refused.
  readonly error: Json;
  readonly completed: boolean;
  // Set once the socket closed.
  readonly closed: { code: number; reason: string } | null;
  // Waits for at least `count` results (with a deadline) and answers them all.
  next(count: number, what?: string): Promise<Json[]>;
  // Waits until the operation completed, was refused or the socket closed.
  ended(what?: string): Promise<void>;
  // Sends `complete` (the client ends the subscription).
  complete(): void;
  close(): void;
}

export async function wsSubscribe(
  port: number,
  key: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<WsSubscription> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
  const state = {
    results: [] as Json[],
    error: null as Json,
    completed: false,
    closed: null as { code: number; reason: string } | null,
    acked: false,
  };
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { type: string; id?: string; payload?: Json };
    if (message.type === 'connection_ack') state.acked = true;
    if (message.id !== '1') return;
    if (message.type === 'next') state.results.push(message.payload);
    if (message.type === 'error') state.error = message.payload;
    if (message.type === 'complete') state.completed = true;
  });
  ws.on('close', (code: number, reason: Buffer) => {
    state.closed = { code, reason: reason.toString() };
  });
  const close = (): void => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(
      JSON.stringify({ type: 'connection_init', payload: key ? { authorization: `Bearer ${key}` } : {} }),
    );
    await waitFor(() => state.acked || state.closed, { what: 'connection_ack or close' });
    if (state.acked) ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
  } catch (error) {
    close();
    throw error;
  }
  const subscription: WsSubscription = {
    get results() {
      return state.results;
    },
    get error() {
      return state.error;
    },
    get completed() {
      return state.completed;
    },
    get closed() {
      return state.closed;
    },
    next: async (count, what = `${count} results`) => {
      await waitFor(() => state.results.length >= count || state.error || state.closed || state.completed, {
        what,
      });
      if (state.results.length < count)
        throw new Error(
          `Wanted ${what}, the subscription ended: ${JSON.stringify({ ...state, results: state.results })}`,
        );
      return state.results;
    },
    ended: async (what = 'the end of the subscription') => {
      await waitFor(() => state.completed || state.error || state.closed, { what });
    },
    complete: () => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: '1', type: 'complete' }));
    },
    close,
  };
  return subscription;
}
