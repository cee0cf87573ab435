import { rmSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { ENGINE_SOCKET } from './engines';
import { runTempDir } from './temp';

export type ProxyMode = 'pass' | 'blackhole';

// A unix socket in front of the engine under test that a test can take down, bring back, or turn into
// a black hole that accepts connections and never answers.
export class EngineProxy {
  readonly dir = runTempDir('proxy-');
  readonly socketPath = join(this.dir, 'docker.sock');
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  // Connections of the client (the service under test) that are open right now.
  private readonly clients = new Set<net.Socket>();
  mode: ProxyMode = 'pass';

  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  async up(mode: ProxyMode = 'pass'): Promise<void> {
    this.mode = mode;
    if (this.server) return;
    this.server = net.createServer((client) => {
      this.sockets.add(client);
      this.clients.add(client);
      client.on('close', () => {
        this.sockets.delete(client);
        this.clients.delete(client);
      });
      client.on('error', () => client.destroy());
      // A black hole reads what it is sent (so that it sees the client close its end) and never answers.
      if (this.mode === 'blackhole') {
        client.resume();
        return;
      }
      const upstream = net.connect(ENGINE_SOCKET);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.socketPath, resolve));
  }

  get openConnections(): number {
    return this.clients.size;
  }

  // Breaks every open connection (as a crashed or restarted engine would) and keeps listening.
  drop(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async dispose(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
