import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { TemplateContainer, TemplateDocument } from '../../src/templates/template.types';
import { TEST_ADMIN_KEY } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { freePort, ServiceProcesses, type ServiceProcess } from '../support/service-process';
import { runTempDir } from '../support/temp';
import {
  cleanupTemplates,
  containerName,
  deploymentRow,
  expectStatus,
  finished,
  ownedBy,
  TEMPLATE_LABEL,
  templatesApi,
  type DeploymentBody,
} from '../support/templates';
import { waitFor } from '../support/wait';

// Issue #11: "a service killed mid-apply marks the deployment interrupted at its next start, and the
// next apply converges with nothing orphaned". The built service (dist/main.js, `npm run build`)
// runs as a process of its own, is killed with SIGKILL while an apply of 30 containers runs, and is
// started again on the same database. Subnets of this file: 10.183.0.0/16.
const CONTAINERS = 30;

describe('templates: kill -9 of the service mid-apply, then convergence', () => {
  const p = runPrefix('tplkill');
  const dir = runTempDir('tpl-kill-');
  const databasePath = join(dir, 'switchyard.sqlite');
  const services = new ServiceProcesses();
  const name = `${p}many`;
  const net = `${p}net`;
  const boxes = Array.from({ length: CONTAINERS }, (_, i) => `${p}box-${String(i).padStart(2, '0')}`);

  const document: TemplateDocument = {
    name,
    labels: { [TEST_LABEL]: p },
    networks: { [net]: { ipam: { config: [{ subnet: '10.183.1.0/24' }] } } },
    containers: Object.fromEntries(
      boxes.map((box): [string, TemplateContainer] => [
        box,
        { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [net]: {} } },
      ]),
    ),
  };

  async function start(): Promise<{ service: ServiceProcess; api: ReturnType<typeof templatesApi> }> {
    const port = await freePort();
    const service = services.start({
      PORT: String(port),
      DATABASE_PATH: databasePath,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '10000',
      RATE_LIMIT_BURST: '10000',
    });
    const base = `http://127.0.0.1:${port}`;
    await service.waitFor200(`${base}/health/ready`);
    return {
      service,
      api: templatesApi(request.agent(base).set('authorization', `Bearer ${TEST_ADMIN_KEY}`)),
    };
  }

  afterEach(() => services.stopAll());
  afterAll(async () => {
    await services.stopAll();
    await cleanupTemplates(p);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the deployment killed mid-way is interrupted after the restart; the next apply converges, nothing orphaned', async () => {
    const first = await start();
    expectStatus(await first.api.create(document), 201);
    const running = expectStatus(await first.api.apply(name, { wait: false }), 202).body as DeploymentBody;
    expect(running).toMatchObject({ template: name, kind: 'apply', status: 'running' });

    // Progress is readable while it runs: wait until some actions are done and some are not.
    const midway = await waitFor(
      async () => {
        const body = expectStatus(await first.api.deployment(running.id), 200).body as DeploymentBody;
        if (body.status !== 'running')
          throw new Error(`the apply ended before the kill: ${JSON.stringify(body)}`);
        const done = body.actions.filter((a) => a.status === 'succeeded').length;
        return done >= 3 && done < body.actions.length ? body : null;
      },
      { what: 'an apply half done', timeoutMs: 60_000, intervalMs: 20 },
    );
    first.service.child.kill('SIGKILL');
    expect(await first.service.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(midway.actions).toHaveLength(CONTAINERS + 1);
    // The database still says running: nobody has told it otherwise yet.
    expect(deploymentRow(databasePath, running.id)?.status).toBe('running');

    const second = await start();
    const interrupted = expectStatus(await second.api.deployment(running.id), 200).body as DeploymentBody;
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.finishedAt).toEqual(expect.any(String));
    expect(deploymentRow(databasePath, running.id)?.status).toBe('interrupted');
    // (The engine may have finished what was in flight: the status can be in sync already.)
    expectStatus(await second.api.status(name), 200);

    const again = expectStatus(await second.api.apply(name), 200).body as DeploymentBody;
    // On failure this shows what failed and why.
    expect({
      status: again.status,
      error: again.error,
      notDone: again.actions.filter((a) => a.status !== 'succeeded'),
    }).toEqual({ status: 'succeeded', error: null, notDone: [] });
    const owned = await ownedBy(name);
    const names = owned.containers.map(containerName).sort();
    expect(names).toEqual(boxes);
    expect(owned.containers.every((c) => c.State === 'running')).toBe(true);
    expect(owned.networks.map((n) => n.Name)).toEqual([net]);
    expect(owned.containers.every((c) => c.Labels[TEMPLATE_LABEL] === name)).toBe(true);
    // Nothing left aside under another name either (a container renamed or half made).
    const ofFile = (await docker.listContainers({ all: true }))
      .map(containerName)
      .filter((n) => n.startsWith(p));
    expect(ofFile.sort()).toEqual(boxes);
    expect((await docker.listNetworks()).filter((n) => n.Name.startsWith(p)).map((n) => n.Name)).toEqual([
      net,
    ]);
    expect(expectStatus(await second.api.status(name), 200).body).toMatchObject({ inSync: true, drift: [] });

    const destroyed = expectStatus(await second.api.destroy(name, { wait: false }), 202)
      .body as DeploymentBody;
    expect((await finished(second.api, destroyed.id)).status).toBe('succeeded');
    expect(await ownedBy(name)).toEqual({ containers: [], networks: [] });
  });
});
