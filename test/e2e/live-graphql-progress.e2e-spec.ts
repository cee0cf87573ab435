import type { AddressInfo } from 'node:net';
import type { TemplateDocument } from '../../src/templates/template.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { wsSubscribe, type WsSubscription } from '../support/graphql-ws';
import { runPrefix } from '../support/names';
import {
  cleanupTemplates,
  expectStatus,
  finished,
  templatesApi,
  type DeploymentBody,
  type TemplatesApi,
} from '../support/templates';

// Issue #12: `deploymentProgress(id)` over graphql-ws on the real engine, against what the
// deployment stored. Subnets of this file: 10.116.0.0/16.

const PROGRESS = `subscription ($id: ID!, $after: String) {
  deploymentProgress(id: $id, lastEventId: $after) {
    eventId deploymentId type index
    action { action kind name status durationMs error }
    deployment { id template kind status actions { action kind name status error } error { code message } }
  }
}`;

interface Progress {
  eventId: string;
  deploymentId: string;
  type: 'action' | 'finished';
  index: number | null;
  action: { action: string; kind: string; name: string; status: string } | null;
  deployment: DeploymentBody | null;
}

const RANK: Record<string, number> = {
  pending: 0,
  running: 1,
  succeeded: 2,
  failed: 2,
  skipped: 2,
  rolled_back: 3,
};

// The messages of a subscription that must have run without errors.
function progressOf(s: WsSubscription): Progress[] {
  for (const result of s.results)
    if (result.errors) throw new Error(`errors in the stream: ${JSON.stringify(result.errors)}`);
  return s.results.map((r: { data: { deploymentProgress: Progress } }) => r.data.deploymentProgress);
}

// In order: ids increase, each action's status only moves forward, one `finished` and it is last.
function expectInOrder(messages: Progress[], deploymentId: string): void {
  const ids = messages.map((m) => Number(m.eventId));
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(ids.length);
  const seen = new Map<number, number>();
  for (const m of messages.slice(0, -1)) {
    expect(m).toMatchObject({ deploymentId, type: 'action', deployment: null });
    const rank = RANK[m.action!.status];
    expect(rank).toBeGreaterThanOrEqual(seen.get(m.index!) ?? 0);
    seen.set(m.index!, rank);
  }
  expect(messages[messages.length - 1]).toMatchObject({
    deploymentId,
    type: 'finished',
    index: null,
    action: null,
  });
}

describe('deploymentProgress over graphql-ws', () => {
  const p = runPrefix('livegqlp');
  let t: TestApp;
  let port: number;
  let api: TemplatesApi;
  const open: WsSubscription[] = [];
  const subscribe = async (key: string, variables: Record<string, unknown>) => {
    const s = await wsSubscribe(port, key, PROGRESS, variables);
    open.push(s);
    return s;
  };
  const name = `${p}lab`;
  const net = `${p}net`;
  const document: TemplateDocument = {
    name,
    labels: { [TEST_LABEL]: p },
    networks: { [net]: { ipam: { config: [{ subnet: '10.116.1.0/24' }] } } },
    containers: {
      [`${p}a`]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [net]: {} } },
      [`${p}b`]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [net]: {} } },
    },
  };
  let applied: { id: string; messages: Progress[] };

  beforeAll(async () => {
    t = await startApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    api = templatesApi(t.http);
    expectStatus(await api.create(document), 201);
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => {
    for (const s of open.splice(0)) s.close();
    await cleanupTemplates(p);
    await t?.close();
  });

  it("sends an apply's actions as they change, in order, then the deployment as it ended, then completes", async () => {
    const started = Date.now();
    const running = expectStatus(await api.apply(name, { wait: false }), 202).body as DeploymentBody;
    const s = await subscribe(t.config.ADMIN_API_KEY!, { id: running.id });
    await s.ended('the progress to complete');
    console.log(`apply progress: ${s.results.length} messages, complete after ${Date.now() - started} ms`);
    expect(s.completed).toBe(true);
    expect(s.closed).toBeNull();
    const messages = progressOf(s);
    expectInOrder(messages, running.id);

    // What it ended with is what was stored.
    const stored = await finished(api, running.id);
    expect(stored.status).toBe('succeeded');
    const last = messages[messages.length - 1];
    expect(last.deployment).toMatchObject({
      id: running.id,
      template: name,
      kind: 'apply',
      status: 'succeeded',
      actions: stored.actions.map(({ action, kind, name: n, status }) => ({ action, kind, name: n, status })),
    });
    // Every action's last message says what was stored for it.
    for (const [index, action] of stored.actions.entries()) {
      const final = messages.filter((m) => m.index === index).pop();
      expect(final?.action).toMatchObject({ name: action.name, status: action.status });
    }
    applied = { id: running.id, messages };
  });

  it('resumes after lastEventId with the messages that followed it', async () => {
    const { id, messages } = applied;
    const cut = Math.floor(messages.length / 2);
    const s = await subscribe(t.config.ADMIN_API_KEY!, { id, after: messages[cut - 1].eventId });
    await s.ended();
    expect(s.completed).toBe(true);
    expect(progressOf(s)).toEqual(messages.slice(cut));
  });

  it('answers a viewer the same progress, and a key scoped away from the template DEPLOYMENT_NOT_FOUND', async () => {
    const viewer = await createKey(t, `${p}viewer`, 'viewer');
    const seen = await subscribe(viewer, { id: applied.id });
    await seen.ended();
    expect(progressOf(seen).pop()).toMatchObject({ type: 'finished', deployment: { status: 'succeeded' } });

    const elsewhere = await createKey(t, `${p}elsewhere`, 'viewer', { [TEST_LABEL]: `${p}other` });
    const refused = await subscribe(elsewhere, { id: applied.id });
    await refused.ended();
    expect(refused.completed).toBe(true);
    expect(refused.results).toEqual([
      // Refused when it starts: no data, the error, then complete.
      expect.objectContaining({
        errors: [
          expect.objectContaining({ extensions: expect.objectContaining({ code: 'DEPLOYMENT_NOT_FOUND' }) }),
        ],
      }),
    ]);
  });

  it("sends a destroy's progress the same way", async () => {
    const running = expectStatus(await api.destroy(name, { wait: false }), 202).body as DeploymentBody;
    const s = await subscribe(t.config.ADMIN_API_KEY!, { id: running.id });
    await s.ended();
    const messages = progressOf(s);
    expectInOrder(messages, running.id);
    const stored = await finished(api, running.id);
    expect(messages.pop()?.deployment).toMatchObject({ kind: 'destroy', status: stored.status });
    expect(stored.status).toBe('succeeded');
  });

  it('answers a deployment id nobody has with DEPLOYMENT_NOT_FOUND', async () => {
    const s = await subscribe(t.config.ADMIN_API_KEY!, { id: '00000000-0000-4000-8000-000000000000' });
    await s.ended();
    expect(s.results[0].errors[0].extensions.code).toBe('DEPLOYMENT_NOT_FOUND');
  });
});

async function createKey(
  t: TestApp,
  name: string,
  role: 'viewer' | 'operator',
  scope?: Record<string, string>,
): Promise<string> {
  const res = await t.http.post('/api/v1/api-keys').send({ name, role, ...(scope ? { scope } : {}) });
  return (expectStatus(res, 201).body as { key: string }).key;
}
