import type { Actor } from '../../src/auth/roles';
import { mapLimit } from '../../src/common/concurrency/map-limit';
import { CONTAINER_ENGINE, type ContainerEngine } from '../../src/engine/engine.port';
import { TemplateRuntime } from '../../src/templates/apply/template-runtime';
import { TemplateEntity, TemplateRevisionEntity } from '../../src/templates/template.entity';
import type { TemplateContainer, TemplateDocument, TemplateRecord } from '../../src/templates/template.types';
import { DataSource } from 'typeorm';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine } from '../support/engine';
import { runPrefix } from '../support/names';

// The apply of 10 networks and 40 containers (2 networks each) beside the same creates, connects
// and starts straight on the engine port in a pool of 16: the runtime adds little (the bench
// measures it precisely; this guards against a gross regression on a shared machine).
// Subnets of this file: 10.164.0.0/16 (template) and 10.165.0.0/16 (raw).

const ADMIN: Actor = { keyId: 'test-admin', name: 'test-admin', role: 'admin', scope: {} };
const NETWORKS = 10;
const CONTAINERS = 40;

describe('template apply at scale', () => {
  const p = runPrefix('tplscale');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('applies, re-applies and destroys 10 networks and 40 containers close to the raw engine', async () => {
    const engine = t.app.get<ContainerEngine>(CONTAINER_ENGINE);
    const runtime = t.app.get(TemplateRuntime);
    const data = t.app.get(DataSource);
    const features = await engine.features();

    // Raw: the same work on the port, in a pool of 16.
    const rawStarted = performance.now();
    const rawNets = await mapLimit([...Array(NETWORKS).keys()], 16, (i) =>
      engine.createNetwork({
        name: `${p}raw-n${i}`,
        driver: 'bridge',
        internal: false,
        attachable: false,
        enableIPv6: false,
        ipam: { driver: 'default', config: [{ subnet: `10.165.${i}.0/24` }], options: {} },
        options: {},
        labels: { [TEST_LABEL]: p },
      }),
    );
    await mapLimit([...Array(CONTAINERS).keys()], 16, async (i) => {
      const [a, b] = [rawNets[i % NETWORKS], rawNets[(i + 1) % NETWORKS]];
      const id = await engine.createContainer({
        name: `${p}raw-c${i}`,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        env: {},
        labels: { [TEST_LABEL]: p },
        restartPolicy: { name: 'no', maximumRetryCount: 0 },
        networkMode: a,
        endpoints: features.multipleNetworksAtCreate
          ? [{ networkId: a }, { networkId: b }]
          : [{ networkId: a }],
      });
      if (!features.multipleNetworksAtCreate) await engine.connectNetwork(b, id, {});
      await engine.startContainer(id);
    });
    const rawMs = performance.now() - rawStarted;

    const name = `${p}big`;
    const containers: Record<string, TemplateContainer> = {};
    for (let i = 0; i < CONTAINERS; i++) {
      containers[`${p}c${i}`] = {
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: { [`${p}n${i % NETWORKS}`]: {}, [`${p}n${(i + 1) % NETWORKS}`]: {} },
      };
    }
    const document: TemplateDocument = {
      name,
      labels: { [TEST_LABEL]: p },
      networks: Object.fromEntries(
        [...Array(NETWORKS).keys()].map((i) => [
          `${p}n${i}`,
          { ipam: { config: [{ subnet: `10.164.${i}.0/24` }] } },
        ]),
      ),
      containers,
    };
    const now = new Date().toISOString();
    await data.getRepository(TemplateRevisionEntity).save({
      template: name,
      revision: 1,
      documentJson: JSON.stringify(document),
      createdAt: now,
      actor: 'test-admin',
    });
    await data.getRepository(TemplateEntity).save({
      name,
      revision: 1,
      firstRevision: 1,
      description: null,
      labelsJson: JSON.stringify(document.labels),
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    const record: TemplateRecord = {
      name,
      revision: 1,
      description: null,
      labels: document.labels ?? {},
      document,
      createdAt: now,
      updatedAt: now,
    };
    const applyStarted = performance.now();
    const applied = await runtime.apply(record, ADMIN, { wait: true });
    const applyMs = performance.now() - applyStarted;
    expect(applied.error).toBeNull();
    expect(applied.status).toBe('succeeded');

    const noopStarted = performance.now();
    const again = await runtime.apply(record, ADMIN, { wait: true });
    const noopMs = performance.now() - noopStarted;
    expect(again.actions.every((a) => a.action === 'unchanged')).toBe(true);

    const destroyStarted = performance.now();
    const destroyed = await runtime.destroy(name, ADMIN, { wait: true });
    const destroyMs = performance.now() - destroyStarted;
    expect(destroyed.status).toBe('succeeded');

    console.log(
      `raw ${Math.round(rawMs)} ms, apply ${Math.round(applyMs)} ms (${(applyMs / rawMs).toFixed(2)}x), ` +
        `no-op ${Math.round(noopMs)} ms, destroy ${Math.round(destroyMs)} ms`,
    );
    // Loose bounds: the machine is shared; the bench holds the real targets.
    expect(applyMs).toBeLessThan(rawMs * 2 + 2000);
    expect(noopMs).toBeLessThan(3000);
  });
});
