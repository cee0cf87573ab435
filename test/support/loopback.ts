import type { AddressInfo } from 'node:net';
import type { TestApp } from './test-app';

// Makes the app listen on loopback IPv4 (so that the client address is exactly 127.0.0.1) and
// returns its port, for tests that speak raw HTTP or WebSocket to it.
export async function listenOnLoopback(t: TestApp): Promise<number> {
  await t.app.listen(0, '127.0.0.1');
  return (t.app.getHttpServer().address() as AddressInfo).port;
}

// A JSON text of `levels` nested arrays.
export const nestedArrays = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;
