import { existsSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';

// What the stop does, step by step, each logged.
export interface ShutdownLog {
  log(message: string): void;
  warn(message: string): void;
}

// The parts of the application a stop acts on before Nest's own close (which runs the modules'
// destroy hooks - graphql-ws sockets closed with 1001, the read model's feed stopped - then the
// HTTP server's close, then the database's).
export interface ShutdownHooks {
  // Ends every client stream (SSE, subscriptions) with this reason.
  closeStreams(reason: string): void;
  // Marks this process's template applies and destroys still running `interrupted`; answers how many.
  interruptDeployments(): Promise<number>;
}

export const STOPPING_REASON = 'the service is stopping';
// Time for what follows the grace (deployments, Nest's close, the database) before the hard stop.
export const CLOSE_BUDGET_MS = 5_000;

// A stop in an order that loses nothing a client was promised:
//  1. no new connections at once (the listener closes; a request on a kept-alive connection gets
//     503 and Connection: close), idle kept-alive connections closed;
//  2. client streams end with a reason (their requests end, so they do not hold the grace);
//  3. requests in progress finish within `graceMs`; those still running then are cut;
//  4. this process's running deployments are marked interrupted (not left for the next start);
//  5. Nest's close: graphql-ws sockets closed (1001), the read model's feed stopped, the
//     database closed (SQLite checkpoints its WAL into the file and removes it on close).
// Nest's own app.close() alone would run the modules' destroy hooks while the server still takes
// requests, and wait for requests in progress without a deadline.
export class GracefulShutdown {
  private readonly inFlight = new Set<ServerResponse>();
  private readonly server: Server;

  constructor(
    private readonly app: INestApplication,
    private readonly hooks: ShutdownHooks,
    private readonly options: { graceMs: number; databasePath: string; log: ShutdownLog },
  ) {
    this.server = app.getHttpServer() as Server;
    // Counted from the first request: a stop needs to know what is in progress.
    this.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.inFlight.add(response);
      response.once('close', () => this.inFlight.delete(response));
    });
  }

  async run(signal: string): Promise<void> {
    const { log, graceMs } = this.options;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    this.stopAccepting();
    log.log(
      `${signal}: shutdown started - no new connections; ${this.inFlight.size} request(s) in progress get up to ${graceMs} ms to finish`,
    );
    this.hooks.closeStreams(STOPPING_REASON);
    const cut = await this.drain(graceMs);
    if (cut > 0) log.warn(`${cut} request(s) still running after ${graceMs} ms (SHUTDOWN_GRACE_MS): cut`);
    else log.log(`requests in progress finished (${elapsed()} ms)`);
    const interrupted = await this.hooks.interruptDeployments().catch((error: unknown) => {
      log.warn(`could not mark the running deployments interrupted: ${String(error)}`);
      return 0;
    });
    if (interrupted > 0)
      log.warn(
        `${interrupted} running deployment(s) marked interrupted: apply their templates again to converge`,
      );
    await this.app.close();
    const wal = this.options.databasePath !== ':memory:' && existsSync(`${this.options.databasePath}-wal`);
    log.log(`database closed${wal ? ' (its WAL file is still there: another process has it open?)' : ''}`);
  }

  // The listener closes now; Nest's adapter answers 503 with Connection: close to a request that
  // still arrives on a kept-alive connection (return503OnClosing).
  private stopAccepting(): void {
    this.app.getHttpAdapter().beforeClose?.();
    // The callback would wait for every connection, sockets of graphql-ws included: not awaited.
    this.server.close(() => undefined);
    this.server.closeIdleConnections();
  }

  // Resolves once no request is in progress, or after `graceMs` with the ones cut (their
  // connections destroyed); answers how many were cut.
  private async drain(graceMs: number): Promise<number> {
    const deadline = Date.now() + graceMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
      // Connections whose last request ended are closed as soon as they are idle.
      this.server.closeIdleConnections();
    }
    const left = [...this.inFlight];
    for (const response of left) response.socket?.destroy();
    return left.length;
  }
}
