import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor } from '../../src/auth/roles';
import { GracefulShutdown, STOPPING_REASON } from '../../src/common/lifecycle/graceful-shutdown';
import { DeploymentEntity } from '../../src/templates/template.entity';
import { DeploymentEvents } from '../../src/templates/apply/deployment-events';
import { TemplateRuntime } from '../../src/templates/apply/template-runtime';
import type { DeploymentAction, TemplateDocument } from '../../src/templates/template.types';
import { BUSYBOX_IMAGE, MemoryEngine } from '../support/memory-engine';
import { storeTemplate } from '../support/template-records';
import { startAppOn, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

// The order of a graceful stop on a plain HTTP server and a stand-in for the application, and the
// runtime's marking of its running deployments on the in-memory engine.

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('GracefulShutdown', () => {
  let server: Server;
  let port: number;
  let received: string[];
  const servers: Server[] = [];

  beforeEach(async () => {
    received = [];
    // /fast answers after 150 ms; /slow never does.
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      received.push(request.url ?? '');
      if (request.url === '/fast') setTimeout(() => response.end('done'), 150);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  function stand(graceMs: number) {
    const steps: string[] = [];
    const lines: string[] = [];
    const app = {
      getHttpServer: () => server,
      getHttpAdapter: () => ({ beforeClose: () => steps.push('503 on kept-alive connections') }),
      close: () => {
        steps.push('app.close');
        return Promise.resolve();
      },
    } as unknown as INestApplication;
    const shutdown = new GracefulShutdown(
      app,
      {
        closeStreams: (reason) => {
          steps.push(`streams: ${reason}`);
        },
        interruptDeployments: () => {
          steps.push('deployments');
          return Promise.resolve(2);
        },
      },
      {
        graceMs,
        databasePath: ':memory:',
        log: { log: (m) => lines.push(m), warn: (m) => lines.push(`warn: ${m}`) },
      },
    );
    return { shutdown, steps, lines };
  }

  it('stops accepting at once, lets a request in progress finish, then marks deployments and closes', async () => {
    const { shutdown, steps, lines } = stand(5_000);
    const answer = fetch(`http://127.0.0.1:${port}/fast`).then(async (r) => `${r.status} ${await r.text()}`);
    await waitFor(() => received.includes('/fast'), { what: 'the request to arrive' });
    const stopping = shutdown.run('SIGTERM');
    expect(await refused(port)).toBe(true);
    await stopping;
    expect(await answer).toBe('200 done');
    expect(steps).toEqual([
      '503 on kept-alive connections',
      `streams: ${STOPPING_REASON}`,
      'deployments',
      'app.close',
    ]);
    expect(lines[0]).toBe(
      'SIGTERM: shutdown started - no new connections; 1 request(s) in progress get up to 5000 ms to finish',
    );
    expect(lines).toContainEqual(expect.stringMatching(/^requests in progress finished/));
    expect(lines).toContain(
      'warn: 2 running deployment(s) marked interrupted: apply their templates again to converge',
    );
    expect(lines.at(-1)).toBe('database closed');
  });

  it('cuts a request still running after the grace', async () => {
    const { shutdown, steps, lines } = stand(100);
    const answer = fetch(`http://127.0.0.1:${port}/slow`).then(
      (r) => `answered ${r.status}`,
      () => 'cut',
    );
    await waitFor(() => received.includes('/slow'), { what: 'the request to arrive' });
    await shutdown.run('SIGINT');
    expect(await answer).toBe('cut');
    expect(lines).toContain('warn: 1 request(s) still running after 100 ms (SHUTDOWN_GRACE_MS): cut');
    expect(steps.at(-1)).toBe('app.close');
  });
});

// The start of a container waits until the test lets it go: an apply stays in progress.
class HeldEngine extends MemoryEngine {
  held = false;
  private release: (() => void) | null = null;

  override async startContainer(id: string): Promise<void> {
    if (!this.held) {
      this.held = true;
      await new Promise<void>((resolve) => (this.release = resolve));
    }
    return super.startContainer(id);
  }

  letGo(): void {
    this.release?.();
  }
}

describe('TemplateRuntime.interruptRunning', () => {
  const ADMIN: Actor = { keyId: 'admin', name: 'admin', role: 'admin', scope: {} };
  let engine: HeldEngine;
  let t: TestApp;

  beforeAll(async () => {
    engine = new HeldEngine();
    t = await startAppOn(engine);
  });
  afterAll(async () => {
    engine.letGo();
    await t?.close();
  });

  it('marks the apply in progress interrupted with its actions as they stand, and keeps it so', async () => {
    const document: TemplateDocument = {
      name: 'held',
      networks: { n0: { ipam: { config: [{ subnet: '10.119.200.0/24' }] } } },
      containers: Object.fromEntries(
        [0, 1, 2].map((i) => [
          `c${i}`,
          { image: BUSYBOX_IMAGE.ref, command: ['sleep', '3600'], networks: { n0: {} } },
        ]),
      ),
    };
    const record = await storeTemplate(t.app.get(DataSource), document, { actor: 'admin' });
    const runtime = t.app.get(TemplateRuntime);
    const finished = jest.spyOn(t.app.get(DeploymentEvents), 'finished');
    const running = await runtime.apply(record, ADMIN, { wait: false });
    await waitFor(() => engine.held, { what: 'a container start in progress' });

    expect(await runtime.interruptRunning()).toBe(1);
    const row = () =>
      t.app.get(DataSource).getRepository(DeploymentEntity).findOneByOrFail({ id: running.id });
    const marked = await row();
    expect(marked.status).toBe('interrupted');
    expect(JSON.parse(marked.errorJson ?? '{}')).toMatchObject({ code: 'INTERRUPTED' });
    const actions = JSON.parse(marked.actionsJson) as DeploymentAction[];
    expect(actions.filter((a) => a.status === 'running')).toEqual([]);
    expect(actions.filter((a) => a.status === 'pending')).toEqual([]);
    expect(actions.some((a) => a.status === 'succeeded')).toBe(true);
    // The held start (and whatever ran beside it) failed with the stop as the reason.
    const failed = actions.filter((a) => a.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const a of failed) expect(a.error).toBe('the service stopped during this action');

    // The engine calls in flight go on; what they would write afterwards is dropped.
    engine.letGo();
    await waitFor(() => finished.mock.calls.some(([d]) => d.id === running.id), {
      what: 'the executor to finish',
    });
    expect((await row()).status).toBe('interrupted');
    expect(await runtime.interruptRunning()).toBe(0);
  });
});
