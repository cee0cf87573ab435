import { featuresFor } from '../../src/engine/api-version';
import { EngineRejection } from '../../src/engine/engine.errors';
import type { ContainerInfo, NetworkSpec } from '../../src/engine/engine.types';
import { HASH_LABEL, REVISION_LABEL, TEMPLATE_LABEL } from '../../src/common/labels';
import { asideName, PlanExecutor } from '../../src/templates/apply/plan-executor';
import type { LiveState } from '../../src/templates/planning/planner';
import type {
  DeploymentAction,
  DesiredContainer,
  DesiredEndpoint,
  DesiredNetwork,
  DesiredState,
  Plan,
  PlanAction,
} from '../../src/templates/template.types';
import { BUSYBOX_IMAGE, MemoryEngine } from '../support/memory-engine';

// The executor of template plans on the in-memory engine: order, labels, and above all that a
// failed step leaves the engine as it was (hand-made desired states and plans: the planner is
// tested on its own).

const T = 'lab';
const DEPLOYMENT = '1234abcd-0000-4000-8000-000000000000';
const labels = { [TEMPLATE_LABEL]: T, 'io.switchyard.managed': 'true' };

function net(name: string, subnet: string, hash = `h-${name}`): DesiredNetwork {
  const spec: NetworkSpec = {
    name,
    driver: 'bridge',
    internal: false,
    attachable: false,
    enableIPv6: false,
    ipam: { driver: 'default', config: [{ subnet }], options: {} },
    options: {},
    labels: { ...labels },
  };
  return { name, spec, hash };
}

function ctr(
  name: string,
  networks: Array<Partial<DesiredEndpoint> & { network: string }>,
  extra: { hash?: string; command?: string[]; start?: boolean } = {},
): DesiredContainer {
  return {
    name,
    hash: extra.hash ?? `h-${name}`,
    spec: {
      image: BUSYBOX_IMAGE.ref,
      command: extra.command ?? ['sleep', '3600'],
      entrypoint: null,
      env: {},
      labels: { ...labels },
      hostname: null,
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      networkMode: null,
      networks: networks.map((n) => ({
        ipv4Address: null,
        ipv6Address: null,
        macAddress: null,
        aliases: [],
        ...n,
      })),
      start: extra.start ?? true,
    },
  };
}

function state(networks: DesiredNetwork[], containers: DesiredContainer[], revision = 1): DesiredState {
  return { template: T, revision, networks, containers, expectations: [] };
}

function action(
  verb: PlanAction['action'],
  kind: PlanAction['kind'],
  name: string,
  liveId: string | null = null,
): PlanAction {
  return { action: verb, kind, name, reason: null, changes: [], liveId };
}

function plan(actions: PlanAction[]): Plan {
  return { template: T, revision: 1, actions, conflicts: [] };
}

async function live(engine: MemoryEngine): Promise<LiveState> {
  const networks = (await engine.listNetworks()).filter((n) => n.labels[TEMPLATE_LABEL] === T);
  const containers: ContainerInfo[] = [];
  for (const c of await engine.listContainers({ all: true })) {
    if (c.labels[TEMPLATE_LABEL] === T) containers.push(await engine.inspectContainer(c.id));
  }
  return { networks, containers };
}

function run(
  engine: MemoryEngine,
  desired: DesiredState | null,
  thePlan: Plan,
  liveState: LiveState,
  progress: Array<readonly DeploymentAction[]> = [],
) {
  const executor = new PlanExecutor(engine, {
    deploymentId: DEPLOYMENT,
    plan: thePlan,
    desired,
    live: liveState,
    features: featuresFor(engine['negotiated']()),
    concurrency: 4,
    onProgress: (a) => progress.push(a.map((x) => ({ ...x }))),
  });
  return desired ? executor.apply() : executor.destroy();
}

// What the engine holds: names and ids, to compare before and after.
function snapshot(engine: MemoryEngine) {
  return {
    networks: engine
      .allNetworks()
      .map((n) => `${n.name}:${n.id}`)
      .sort(),
    containers: engine
      .allContainers()
      .map((c) => `${c.name}:${c.id}:${c.state}`)
      .sort(),
  };
}

const startRefused = () => new EngineRejection('ENGINE_FAILURE', 'OCI runtime create failed: boom', 500);

describe.each(['1.41', '1.45'])('the template plan executor (API %s)', (api) => {
  let engine: MemoryEngine;
  beforeEach(() => {
    engine = new MemoryEngine({ apiVersion: api });
  });

  const desired = () =>
    state(
      [net('front', '10.163.1.0/24'), net('back', '10.163.2.0/24')],
      [
        ctr('web', [
          { network: 'front', ipv4Address: '10.163.1.10', macAddress: '02:42:0a:a3:01:0a' },
          { network: 'back' },
        ]),
        ctr('db', [{ network: 'back', ipv4Address: '10.163.2.20', aliases: ['database'] }]),
      ],
    );
  const createAll = () =>
    plan([
      action('create', 'network', 'front'),
      action('create', 'network', 'back'),
      action('create', 'container', 'web'),
      action('create', 'container', 'db'),
    ]);

  it('creates networks before the containers on them, with the revision and hash labels, addresses and MACs', async () => {
    const result = await run(engine, desired(), createAll(), { networks: [], containers: [] });
    expect(result).toMatchObject({ status: 'succeeded', error: null });
    expect(result.actions.every((a) => a.status === 'succeeded' && typeof a.durationMs === 'number')).toBe(
      true,
    );
    const web = engine.container('web')!;
    expect(web.running).toBe(true);
    expect(web.labels).toMatchObject({ [REVISION_LABEL]: '1', [HASH_LABEL]: 'h-web', [TEMPLATE_LABEL]: T });
    expect(web.endpoints.find((e) => e.networkName === 'front')).toMatchObject({
      ipv4Address: '10.163.1.10',
      macAddress: '02:42:0a:a3:01:0a',
    });
    expect(web.endpoints.map((e) => e.networkName).sort()).toEqual(['back', 'front']);
    expect(engine.container('db')!.endpoints[0]).toMatchObject({ ipv4Address: '10.163.2.20' });
    expect(engine.container('db')!.endpoints[0].aliases).toContain('database');
    expect(engine.network('front')!.labels).toMatchObject({ [HASH_LABEL]: 'h-front', [REVISION_LABEL]: '1' });
    // Each container is created after the networks it joins.
    const order = engine.calls.map((c) => c.op);
    const lastNetwork = order.lastIndexOf('createNetwork');
    expect(order.indexOf('createContainer')).toBeGreaterThan(order.indexOf('createNetwork'));
    expect(lastNetwork).toBeLessThan(order.lastIndexOf('createContainer'));
  });

  it('does no engine write for unchanged actions', async () => {
    await run(engine, desired(), createAll(), { networks: [], containers: [] });
    const now = await live(engine);
    engine.clearCalls();
    const result = await run(
      engine,
      desired(),
      plan([
        ...now.networks.map((n) => action('unchanged', 'network', n.name, n.id)),
        ...now.containers.map((c) => action('unchanged', 'container', c.name, c.id)),
      ]),
      now,
    );
    expect(result.status).toBe('succeeded');
    expect(engine.changes()).toEqual([]);
  });

  it('puts everything back when a start fails, and says which step failed', async () => {
    await engine.createNetwork({ ...net('other', '10.163.9.0/24').spec, labels: {} });
    const before = snapshot(engine);
    engine.failNext('startContainer', startRefused(), 1);
    const progress: Array<readonly DeploymentAction[]> = [];
    const result = await run(
      engine,
      state(desired().networks, [desired().containers[1]]),
      plan([
        action('create', 'network', 'front'),
        action('create', 'network', 'back'),
        action('create', 'container', 'db'),
      ]),
      { networks: [], containers: [] },
      progress,
    );
    expect(result.status).toBe('rolled_back');
    expect(result.error).toMatchObject({ code: 'CONTAINER_START_FAILED' });
    expect(result.error!.message).toMatch(/^Step create container "db" failed: .*boom.*put back/s);
    expect(result.actions.map((a) => a.status)).toEqual(['rolled_back', 'rolled_back', 'failed']);
    expect(result.actions[2].error).toMatch(/could not start/);
    expect(snapshot(engine)).toEqual(before);
    // Progress was reported while it ran (running, then done).
    expect(progress.some((p) => p.some((a) => a.status === 'running'))).toBe(true);
  });

  it('says what it could not put back when the rollback itself fails', async () => {
    engine.failNext('startContainer', startRefused());
    // The removal of the container that failed to start is refused too.
    engine.beforeNext('removeContainer', () => {
      throw new EngineRejection('ENGINE_FAILURE', 'driver failed removing container', 500);
    });
    const result = await run(
      engine,
      state(desired().networks, [desired().containers[1]]),
      plan([
        action('create', 'network', 'front'),
        action('create', 'network', 'back'),
        action('create', 'container', 'db'),
      ]),
      { networks: [], containers: [] },
    );
    expect(result.status).toBe('failed');
    expect(result.error!.code).toBe('CONTAINER_START_FAILED');
    expect(result.error!.message).toMatch(
      /did not fully work: could not remove container "db".*driver failed/s,
    );
    // What could be put back was: the network db is not on.
    expect(engine.network('front')).toBeUndefined();
    expect(engine.container('db')).toBeDefined();
  });

  it('skips what had not started when a step fails', async () => {
    engine.failNext('createNetwork', new EngineRejection('POOL_OVERLAP', 'Pool overlaps', 403));
    const result = await run(engine, desired(), createAll(), { networks: [], containers: [] });
    expect(result.status).toBe('rolled_back');
    expect(result.error!.code).toBe('SUBNET_OVERLAP');
    expect(result.actions.filter((a) => a.kind === 'container').map((a) => a.status)).toEqual([
      'skipped',
      'skipped',
    ]);
    expect(engine.allContainers()).toEqual([]);
    expect(engine.allNetworks().filter((n) => n.labels[TEMPLATE_LABEL])).toEqual([]);
  });

  it('replaces a container without deleting the old one first, and removes it after success', async () => {
    await run(engine, desired(), createAll(), { networks: [], containers: [] });
    const before = await live(engine);
    const oldDb = engine.container('db')!;
    const next = desired();
    next.containers[1] = ctr('db', [{ network: 'back', ipv4Address: '10.163.2.20', aliases: ['database'] }], {
      hash: 'h-db-2',
      command: ['sleep', '7200'],
    });
    engine.clearCalls();
    const result = await run(
      engine,
      next,
      plan([
        ...before.networks.map((n) => action('unchanged', 'network', n.name, n.id)),
        action('unchanged', 'container', 'web', engine.container('web')!.id),
        action('recreate', 'container', 'db', oldDb.id),
      ]),
      before,
    );
    expect(result.status).toBe('succeeded');
    const ops = engine.calls.map((c) => c.op);
    expect(ops.indexOf('renameContainer')).toBeLessThan(ops.indexOf('createContainer'));
    expect(ops.lastIndexOf('removeContainer')).toBeGreaterThan(ops.indexOf('startContainer'));
    const db = engine.container('db')!;
    expect(db.id).not.toBe(oldDb.id);
    expect(db.labels[HASH_LABEL]).toBe('h-db-2');
    expect(db.endpoints[0].ipv4Address).toBe('10.163.2.20');
    expect(
      engine
        .allContainers()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['db', 'web']);
  });

  it('puts a replaced container back, with its id and running, when its replacement fails', async () => {
    await run(engine, desired(), createAll(), { networks: [], containers: [] });
    const before = await live(engine);
    const oldDb = engine.container('db')!;
    const was = snapshot(engine);
    const next = desired();
    next.containers[1] = ctr('db', [{ network: 'back', ipv4Address: '10.163.2.20' }], { hash: 'h-db-2' });
    engine.failNext('startContainer', startRefused());
    const result = await run(
      engine,
      next,
      plan([
        ...before.networks.map((n) => action('unchanged', 'network', n.name, n.id)),
        action('unchanged', 'container', 'web', engine.container('web')!.id),
        action('recreate', 'container', 'db', oldDb.id),
      ]),
      before,
    );
    expect(result.status).toBe('rolled_back');
    expect(result.actions.find((a) => a.name === 'db')).toMatchObject({ status: 'failed' });
    const db = engine.container('db')!;
    expect(db).toMatchObject({ id: oldDb.id, running: true });
    expect(db.endpoints[0].ipv4Address).toBe('10.163.2.20');
    expect(snapshot(engine)).toEqual(was);
  });

  it('removes a container only after everything else worked, and keeps it on a failure', async () => {
    await run(engine, desired(), createAll(), { networks: [], containers: [] });
    const before = await live(engine);
    const web = engine.container('web')!;
    const db = engine.container('db')!;
    const was = snapshot(engine);
    // db goes, a new container "cache" fails to start: db must be back.
    const next = state(desired().networks, [desired().containers[0], ctr('cache', [{ network: 'back' }])]);
    engine.failNext('startContainer', startRefused());
    const failed = await run(
      engine,
      next,
      plan([
        ...before.networks.map((n) => action('unchanged', 'network', n.name, n.id)),
        action('unchanged', 'container', 'web', web.id),
        action('remove', 'container', 'db', db.id),
        action('create', 'container', 'cache'),
      ]),
      before,
    );
    expect(failed.status).toBe('rolled_back');
    expect(failed.actions.find((a) => a.name === 'db')!.status).toBe('rolled_back');
    expect(snapshot(engine)).toEqual(was);
    const ok = await run(
      engine,
      next,
      plan([
        ...before.networks.map((n) => action('unchanged', 'network', n.name, n.id)),
        action('unchanged', 'container', 'web', web.id),
        action('remove', 'container', 'db', db.id),
        action('create', 'container', 'cache'),
      ]),
      await live(engine),
    );
    expect(ok.status).toBe('succeeded');
    expect(
      engine
        .allContainers()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['cache', 'web']);
  });

  it('replaces a network: its containers that stay join the new one; a failure puts the old one back with them', async () => {
    await run(engine, desired(), createAll(), { networks: [], containers: [] });
    const before = await live(engine);
    const web = engine.container('web')!;
    const db = engine.container('db')!;
    const next = desired();
    next.networks[1] = {
      ...net('back', '10.163.2.0/24', 'h-back-2'),
      spec: { ...net('back', '10.163.2.0/24').spec, internal: true },
    };
    const replace = () =>
      plan([
        action('unchanged', 'network', 'front', engine.network('front')!.id),
        action('recreate', 'network', 'back', engine.network('back')!.id),
        action('unchanged', 'container', 'web', web.id),
        action('unchanged', 'container', 'db', db.id),
        action('create', 'container', 'extra'),
      ]);
    next.containers.push(ctr('extra', [{ network: 'back' }]));
    engine.failNext('startContainer', startRefused());
    const failed = await run(engine, next, replace(), before);
    expect(failed.status).toBe('rolled_back');
    const restored = engine.network('back')!;
    expect(restored.internal).toBe(false);
    expect(restored.labels[HASH_LABEL]).toBe('h-back');
    expect(engine.container('db')!.endpoints.find((e) => e.networkName === 'back')).toMatchObject({
      ipv4Address: '10.163.2.20',
    });
    expect(
      engine
        .container('web')!
        .endpoints.map((e) => e.networkName)
        .sort(),
    ).toEqual(['back', 'front']);
    expect(engine.container('extra')).toBeUndefined();

    const ok = await run(engine, next, replace(), await live(engine));
    expect(ok.error).toBeNull();
    expect(ok.status).toBe('succeeded');
    expect(engine.network('back')!).toMatchObject({ internal: true });
    expect(engine.container('db')!.endpoints.find((e) => e.networkName === 'back')).toMatchObject({
      ipv4Address: '10.163.2.20',
    });
    expect(engine.container('extra')!.running).toBe(true);
  });

  it('destroys containers before networks, and goes on past a failure', async () => {
    await run(engine, desired(), createAll(), { networks: [], containers: [] });
    const now = await live(engine);
    const destroy = plan([
      ...now.containers.map((c) => action('remove', 'container', c.name, c.id)),
      ...now.networks.map((n) => action('remove', 'network', n.name, n.id)),
    ]);
    const result = await run(engine, null, destroy, now);
    expect(result.status).toBe('succeeded');
    const ops = engine.calls.map((c) => c.op);
    expect(ops.lastIndexOf('removeContainer')).toBeLessThan(ops.indexOf('removeNetwork'));
    expect(engine.allContainers()).toEqual([]);
    expect(engine.allNetworks().filter((n) => n.labels[TEMPLATE_LABEL])).toEqual([]);
  });

  it('reports what a destroy left', async () => {
    await run(engine, desired(), createAll(), { networks: [], containers: [] });
    const now = await live(engine);
    // A container the template does not own, on its network.
    const stranger = await engine.createContainer({
      name: 'stranger',
      image: BUSYBOX_IMAGE.ref,
      command: ['sleep', '60'],
      env: {},
      labels: {},
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      networkMode: 'bridge',
      endpoints: [],
    });
    await engine.connectNetwork(engine.network('back')!.id, stranger, {});
    await engine.startContainer(stranger);
    const result = await run(
      engine,
      null,
      plan([
        ...now.containers.map((c) => action('remove', 'container', c.name, c.id)),
        ...now.networks.map((n) => action('remove', 'network', n.name, n.id)),
      ]),
      now,
    );
    expect(result.status).toBe('failed');
    expect(result.error!.message).toMatch(/network "back"/);
    expect(engine.network('front')).toBeUndefined();
  });
});

describe('asideName', () => {
  it('names a container moved aside after the deployment', () => {
    expect(asideName('web', DEPLOYMENT)).toBe('web-sy-1234abcd');
  });
});
