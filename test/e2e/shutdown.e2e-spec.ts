import { existsSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import WebSocket from 'ws';
import type { TemplateContainer, TemplateDocument } from '../../src/templates/template.types';
import { TEST_ADMIN_KEY } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { SseClient } from '../support/sse';
import { freePort, ServiceProcesses, type ServiceProcess } from '../support/service-process';
import { runTempDir } from '../support/temp';
import {
  cleanupTemplates,
  deploymentRow,
  expectStatus,
  templatesApi,
  type DeploymentBody,
} from '../support/templates';
import { waitFor } from '../support/wait';

// Issue #12, graceful shutdown: the built service (dist/main.js, `npm run build`) as a process of
// its own, stopped with SIGTERM while work is in progress. Subnets of this file: 10.119.0.0/16.
describe('graceful shutdown of the built service', () => {
  const p = runPrefix('stop');
  const dir = runTempDir('stop-');
  const services = new ServiceProcesses();
  const sockets = new Set<WebSocket>();
  const streams = new Set<SseClient>();

  async function start(
    databasePath: string,
    env: Record<string, string> = {},
  ): Promise<{ service: ServiceProcess; port: number; base: string }> {
    // A port taken by another test's service between freePort and the start (the service exits
    // at once, EADDRINUSE) is given up for another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const service = services.start({
        PORT: String(port),
        DATABASE_PATH: databasePath,
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        LOG_LEVEL: 'info',
        ...env,
      });
      const base = `http://127.0.0.1:${port}`;
      try {
        await service.waitFor200(`${base}/health/ready`);
        // The 200 may have come from that other service: this one must say it listens (LOG_LEVEL
        // info) or have exited.
        await waitFor(() => service.exited !== null || service.output().includes('listening on '), {
          what: 'the service to say it listens',
        });
        if (service.exited) throw new Error(`the service exited: ${service.output()}`);
        return { service, port, base };
      } catch (error) {
        if (attempt >= 3 || !service.exited || !service.output().includes('EADDRINUSE')) throw error;
      }
    }
  }

  const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };

  // Whether a new TCP connection to the port is refused (nothing listens any more).
  function connectionRefused(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
  }

  afterEach(async () => {
    for (const ws of sockets) ws.terminate();
    sockets.clear();
    for (const stream of streams) stream.close();
    streams.clear();
    await services.stopAll();
  });
  afterAll(async () => {
    await services.stopAll();
    await cleanupTemplates(p);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets an exec `sleep 2` in progress finish with 200, refuses new connections at once, exits 0 and says so', async () => {
    const databasePath = join(dir, 'exec', 'switchyard.sqlite');
    const { service, port, base } = await start(databasePath);
    const name = `${p}sleeper`;
    const created = await fetch(`${base}/api/v1/containers`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels: { [TEST_LABEL]: p },
      }),
    });
    expect(created.status).toBe(201);

    const execStarted = Date.now();
    const exec = fetch(`${base}/api/v1/containers/${name}/exec`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ command: ['sleep', '2'] }),
    });
    // The exec runs in the container (the engine shows it) before the stop begins.
    await waitFor(async () => ((await docker.getContainer(name).inspect()).ExecIDs ?? []).length > 0, {
      what: 'the exec running in the container',
    });
    service.child.kill('SIGTERM');
    await waitFor(() => service.output().includes('SIGTERM: shutdown started'), {
      what: 'the stop to begin',
    });
    expect(await connectionRefused(port)).toBe(true);

    const answer = await exec;
    const body = (await answer.json()) as { exitCode?: number };
    console.log(`exec sleep 2 answered ${answer.status} after ${Date.now() - execStarted} ms`);
    expect(answer.status).toBe(200);
    expect(body.exitCode).toBe(0);
    expect(await service.exit).toEqual({ code: 0, signal: null });
    const output = service.output();
    expect(output).toContain('1 request(s) in progress get up to 10000 ms to finish');
    expect(output).toContain('requests in progress finished');
    expect(output).toContain('database closed');
    expect(output).toContain('"msg":"stopped: shutdown finished in ');
    expect(output).not.toMatch(/"level":(50|60)/);
    // Closed cleanly: SQLite folded its write-ahead log into the file and removed it.
    expect(existsSync(`${databasePath}-wal`)).toBe(false);
  });

  it('cuts a request still running after SHUTDOWN_GRACE_MS and still exits 0', async () => {
    const databasePath = join(dir, 'grace', 'switchyard.sqlite');
    const { service, base } = await start(databasePath, { SHUTDOWN_GRACE_MS: '300' });
    const name = `${p}longer`;
    const created = await fetch(`${base}/api/v1/containers`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels: { [TEST_LABEL]: p },
      }),
    });
    expect(created.status).toBe(201);
    const exec = fetch(`${base}/api/v1/containers/${name}/exec`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ command: ['sleep', '30'] }),
    }).then(
      (res) => `answered ${res.status}`,
      (error: Error) => `failed: ${String((error.cause as Error | undefined)?.message ?? error.message)}`,
    );
    await waitFor(async () => ((await docker.getContainer(name).inspect()).ExecIDs ?? []).length > 0, {
      what: 'the exec running in the container',
    });
    service.child.kill('SIGTERM');
    expect(await service.exit).toEqual({ code: 0, signal: null });
    expect(await exec).toMatch(/^failed/);
    expect(service.output()).toContain('1 request(s) still running after 300 ms (SHUTDOWN_GRACE_MS): cut');
    expect(existsSync(`${databasePath}-wal`)).toBe(false);
  });

  it('marks a template apply still running interrupted in the database before it exits', async () => {
    const databasePath = join(dir, 'apply', 'switchyard.sqlite');
    const { service, base } = await start(databasePath, {
      RATE_LIMIT_PER_SECOND: '10000',
      RATE_LIMIT_BURST: '10000',
    });
    const api = templatesApi(request.agent(base).set('authorization', `Bearer ${TEST_ADMIN_KEY}`));
    const name = `${p}tpl`;
    const net = `${p}net`;
    const boxes = Array.from({ length: 8 }, (_, i) => `${p}box-${i}`);
    const document: TemplateDocument = {
      name,
      labels: { [TEST_LABEL]: p },
      networks: { [net]: { ipam: { config: [{ subnet: '10.119.1.0/24' }] } } },
      containers: Object.fromEntries(
        boxes.map((box): [string, TemplateContainer] => [
          box,
          { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [net]: {} } },
        ]),
      ),
    };
    expectStatus(await api.create(document), 201);
    const running = expectStatus(await api.apply(name, { wait: false }), 202).body as DeploymentBody;
    expect(running.status).toBe('running');
    service.child.kill('SIGTERM');
    expect(await service.exit).toEqual({ code: 0, signal: null });
    expect(service.output()).toContain('1 running deployment(s) marked interrupted');
    // Checked before the test reads the file (a reader in WAL mode makes the WAL file again).
    expect(existsSync(`${databasePath}-wal`)).toBe(false);

    const row = deploymentRow(databasePath, running.id);
    expect(row?.status).toBe('interrupted');
    expect(row?.finished_at).not.toBeNull();
    expect(JSON.parse(row?.error_json ?? '{}')).toMatchObject({ code: 'INTERRUPTED' });
    const actions = JSON.parse(row?.actions_json ?? '[]') as Array<{ status: string }>;
    expect(actions.length).toBeGreaterThanOrEqual(9);
    // Nothing is left looking as if it still ran or were still to come.
    for (const action of actions) expect(['succeeded', 'failed', 'skipped']).toContain(action.status);

    // The next start finds nothing left to mark.
    const again = await start(databasePath);
    expect(again.service.output()).not.toContain('interrupted by the last stop');
    again.service.child.kill('SIGTERM');
    expect(await again.service.exit).toEqual({ code: 0, signal: null });
  });

  it('closes graphql-ws sockets with 1001 (going away) when it stops', async () => {
    const databasePath = join(dir, 'ws', 'switchyard.sqlite');
    const { service, port } = await start(databasePath);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    sockets.add(ws);
    const messages: Array<{ type: string }> = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${TEST_ADMIN_KEY}` } }),
    );
    await waitFor(() => messages.some((m) => m.type === 'connection_ack'), { what: 'connection_ack' });

    service.child.kill('SIGTERM');
    const close = await closed;
    console.log(`graphql-ws socket closed with ${close.code} "${close.reason}"`);
    expect(close.code).toBe(1001);
    expect(await service.exit).toEqual({ code: 0, signal: null });
  });

  it('ends an open SSE stream with an end message that says the service is stopping', async () => {
    const databasePath = join(dir, 'sse', 'switchyard.sqlite');
    const { service, port } = await start(databasePath);
    const stream = await SseClient.open(port, '/api/v1/events', TEST_ADMIN_KEY);
    streams.add(stream);
    expect(stream.status).toBe(200);

    service.child.kill('SIGTERM');
    await stream.waitForEnd();
    expect(stream.end?.data).toMatchObject({ code: 'SERVICE_STOPPING' });
    expect(String(stream.end?.data.message)).toContain('stopping');
    expect(await service.exit).toEqual({ code: 0, signal: null });
    // The stream was a request in progress: ended by the stop, it did not hold the grace.
    expect(service.output()).toContain('1 request(s) in progress get up to 10000 ms to finish');
    expect(service.output()).toContain('requests in progress finished');
  });
});
