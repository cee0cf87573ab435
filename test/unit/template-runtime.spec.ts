import { storeTemplate } from '../support/template-records';
import { DataSource } from 'typeorm';
import type { Actor } from '../../src/auth/roles';
import { ProgressWriter } from '../../src/templates/apply/deployment-store';
import { TemplateRuntime } from '../../src/templates/apply/template-runtime';
import type { DeploymentAction, TemplateDocument, TemplateRecord } from '../../src/templates/template.types';
import { startAppOn, type TestApp } from '../support/test-app';
import { BUSYBOX_IMAGE, MemoryEngine } from '../support/memory-engine';
import { waitFor } from '../support/wait';

// The runtime through the real app on the in-memory engine: the engine calls of an apply and of
// a no-op re-apply, a background apply, and the coalescing of progress writes.

const ADMIN: Actor = { keyId: 'admin', name: 'admin', role: 'admin', scope: {} };

describe('template runtime (in-memory engine)', () => {
  let engine: MemoryEngine;
  let t: TestApp;
  let runtime: TemplateRuntime;
  let record: TemplateRecord;

  beforeAll(async () => {
    engine = new MemoryEngine();
    t = await startAppOn(engine);
    runtime = t.app.get(TemplateRuntime);
    const document: TemplateDocument = {
      name: 'lab',
      networks: Object.fromEntries(
        [0, 1, 2].map((i) => [`n${i}`, { ipam: { config: [{ subnet: `10.165.${i}.0/24` }] } }]),
      ),
      containers: Object.fromEntries(
        [...Array(12).keys()].map((i) => [
          `c${i}`,
          {
            image: BUSYBOX_IMAGE.ref,
            command: ['sleep', '3600'],
            networks: { [`n${i % 3}`]: {}, [`n${(i + 1) % 3}`]: {} },
          },
        ]),
      ),
    };
    record = await storeTemplate(t.app.get(DataSource), document, { actor: 'admin' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('applies in the background and answers the running deployment at once', async () => {
    const running = await runtime.apply(record, ADMIN, { wait: false });
    expect(running.status).toBe('running');
    expect(running.actions.every((a) => a.status === 'pending')).toBe(true);
    await expect(runtime.apply(record, ADMIN, { wait: true })).rejects.toMatchObject({
      code: 'TEMPLATE_BUSY',
    });
    const done = await waitFor(
      async () => {
        const d = await runtime.deployment(running.id, ADMIN);
        return d.status === 'running' ? null : d;
      },
      { what: 'the apply to finish' },
    );
    expect(done.status).toBe('succeeded');
    expect(engine.allContainers().filter((c) => c.running)).toHaveLength(12);
  });

  it('re-applies with one list of networks, one of containers, one inspect each, and no write', async () => {
    engine.clearCalls();
    const again = await runtime.apply(record, ADMIN, { wait: true });
    expect(again.status).toBe('succeeded');
    expect(engine.changes()).toEqual([]);
    const reads = engine.calls.map((c) => c.op);
    // One more list of networks: the policy check of the document for the calling key.
    expect(reads.filter((op) => op === 'listNetworks')).toHaveLength(2);
    expect(reads.filter((op) => op === 'listContainers')).toHaveLength(1);
    expect(reads.filter((op) => op === 'inspectContainer')).toHaveLength(12);
  });
});

describe('ProgressWriter', () => {
  it('writes at most once per interval, the latest state, and nothing after close', async () => {
    const writes: Array<readonly DeploymentAction[]> = [];
    const writer = new ProgressWriter((actions) => {
      writes.push(actions);
      return Promise.resolve();
    });
    const action = (status: DeploymentAction['status']): DeploymentAction[] => [
      { action: 'create', kind: 'network', name: 'n', status, durationMs: null, error: null },
    ];
    for (let i = 0; i < 100; i++) writer.touch(action('running'));
    writer.touch(action('succeeded'));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(writes).toHaveLength(1);
    expect(writes[0][0].status).toBe('succeeded');
    writer.touch(action('failed'));
    await writer.close();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(writes).toHaveLength(1);
  });
});
