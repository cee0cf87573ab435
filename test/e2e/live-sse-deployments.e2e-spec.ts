import { TEST_IMAGE } from '../support/constants';
import { cleanupEngine } from '../support/engine';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { SseClient } from '../support/sse';
import { startApp, type TestApp } from '../support/app';
import { BOOT_TIMEOUT_MS } from '../support/test-app';
import { cleanupTemplates, expectStatus, finished, templatesApi } from '../support/templates';
import type { Deployment } from '../../src/templates/template.types';

// Issue #12: a deployment's progress over Server-Sent Events (GET /api/v1/deployments/{id}/events),
// on the real engine: a template applied through the API without waiting, its actions' changes in
// order, then finished, then the end; the same after it ended; resume; access as the REST read.
describe('deployment progress over SSE', () => {
  const p = runPrefix('livedep');
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];
  const open = async (path: string, key: string | null, headers: Record<string, string> = {}) => {
    const client = await SseClient.open(port, path, key, headers);
    clients.push(client);
    return client;
  };
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    t = await startApp();
    port = await listenOnLoopback(t);
    for (const [name, role, scope] of [
      ['viewer', 'viewer', undefined],
      ['other', 'operator', { team: 'b' }],
    ] as const) {
      const res = await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}${name}`, role, ...(scope ? { scope } : {}) });
      keys[name] = expectStatus(res, 201).body.key as string;
    }
  }, BOOT_TIMEOUT_MS);
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await cleanupTemplates(p);
    await cleanupEngine(p);
    await t?.close();
  });

  const template = (name: string, subnet: string) => ({
    name: `${p}${name}`,
    labels: { team: 'a' },
    networks: { [`${p}${name}-net`]: { ipam: { config: [{ subnet }] } } },
    containers: {
      [`${p}${name}-web`]: {
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: { [`${p}${name}-net`]: {} },
      },
      [`${p}${name}-db`]: {
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: { [`${p}${name}-net`]: {} },
      },
    },
  });

  // The messages a stream sent: ids 1..n, each action's statuses in the order they changed, and
  // a last `finished` with the deployment as the REST read answers it.
  const expectProgress = (client: SseClient, deployment: Deployment) => {
    const data = client.data;
    expect(data.map((m) => m.id)).toEqual(data.map((_, i) => String(i + 1)));
    const last = data[data.length - 1].data;
    expect(last).toMatchObject({ type: 'finished', deploymentId: deployment.id, index: null, action: null });
    expect(last.deployment).toEqual(deployment);
    const actions = data.slice(0, -1).map((m) => m.data);
    expect(actions.every((a) => a.type === 'action' && a.deploymentId === deployment.id)).toBe(true);
    deployment.actions.forEach((final, index) => {
      const statuses = actions.filter((a) => a.index === index).map((a) => a.action.status);
      expect([index, statuses]).toEqual([index, ['running', final.status]]);
      expect(actions.filter((a) => a.index === index).pop().action).toEqual(final);
    });
    expect(client.end?.data).toEqual({ code: null, message: 'the deployment finished' });
  };

  it('streams an apply not waited for: each action change in order, then finished, then ends', async () => {
    const api = templatesApi(t.http);
    expectStatus(await api.create(template('app', '10.114.1.0/24')), 201);
    const started = expectStatus(await api.apply(`${p}app`, { wait: false }), 202).body as Deployment;
    const client = await open(`/api/v1/deployments/${started.id}/events`, keys.viewer);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toContain('no-cache');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers['x-request-id']).toBeDefined();
    await client.waitForEnd(90_000);
    const deployment = await finished(api, started.id);
    expect(deployment.status).toBe('succeeded');
    expect(deployment.actions).toHaveLength(3);
    expectProgress(client, deployment);

    // After it ended: the same messages, then the end.
    const after = await open(`/api/v1/deployments/${started.id}/events`, null, {
      authorization: `Bearer ${t.config.ADMIN_API_KEY}`,
    });
    await after.waitForEnd();
    expect(after.data).toEqual(client.data);

    // Resumed after message 2 (header or query parameter): what followed it, nothing twice.
    const resumed = await open(`/api/v1/deployments/${started.id}/events`, keys.viewer, {
      'last-event-id': '2',
    });
    await resumed.waitForEnd();
    expect(resumed.data).toEqual(client.data.slice(2));
    const byQuery = await open(`/api/v1/deployments/${started.id}/events?lastEventId=4`, keys.viewer);
    await byQuery.waitForEnd();
    expect(byQuery.data).toEqual(client.data.slice(4));

    // A destroy is a deployment too.
    const destroy = expectStatus(await api.destroy(`${p}app`, { wait: false }), 202).body as Deployment;
    const destroying = await open(`/api/v1/deployments/${destroy.id}/events`, keys.viewer);
    await destroying.waitForEnd(90_000);
    expectProgress(destroying, await finished(api, destroy.id));
  });

  it('is read as GET /api/v1/deployments/{id}: 404 out of scope or missing, 401 without a key, 400 for a bad id', async () => {
    const api = templatesApi(t.http);
    expectStatus(await api.create(template('scoped', '10.114.2.0/24')), 201);
    const done = expectStatus(await api.apply(`${p}scoped`), 200).body as Deployment;
    const hidden = await open(`/api/v1/deployments/${done.id}/events`, keys.other);
    await hidden.waitForEnd();
    expect([hidden.status, hidden.body.code]).toEqual([404, 'DEPLOYMENT_NOT_FOUND']);
    expect(hidden.headers['content-type']).toContain('application/problem+json');
    const missing = await open('/api/v1/deployments/no-such-deployment/events', keys.viewer);
    await missing.waitForEnd();
    expect([missing.status, missing.body.code]).toEqual([404, 'DEPLOYMENT_NOT_FOUND']);
    const anonymous = await open(`/api/v1/deployments/${done.id}/events`, null);
    await anonymous.waitForEnd();
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    const badId = await open(`/api/v1/deployments/${done.id}/events`, keys.viewer, { 'last-event-id': 'x' });
    await badId.waitForEnd();
    expect([badId.status, badId.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const unknown = await open(`/api/v1/deployments/${done.id}/events?since=1`, keys.viewer);
    await unknown.waitForEnd();
    expect([unknown.status, unknown.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expectStatus(await api.destroy(`${p}scoped`), 200);
  });
});
