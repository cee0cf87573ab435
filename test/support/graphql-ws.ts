import WebSocket from 'ws';
import { waitFor } from './wait';

// Parsed JSON, as supertest's bodies are.
type Json = ReturnType<typeof JSON.parse>;

// One operation over graphql-transport-ws with a key: its `next` payload (the operation ran) or
// its `error` payload (it was refused). The socket is closed after.
export async function wsOperation(
  port: number,
  key: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ type: 'next' | 'error'; payload: Json }> {
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
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    const answer = await waitFor(
      () => messages.find((m) => m.id === '1' && (m.type === 'next' || m.type === 'error')),
      { what: 'the answer to the operation' },
    );
    return { type: answer.type as 'next' | 'error', payload: answer.payload };
  } finally {
    ws.close();
  }
}
