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
