import type Docker from 'dockerode';
import { ENGINE_DIRECT } from '../../src/engine/engine.module';
import { CONTAINER_ENGINE, type ContainerEngine } from '../../src/engine/engine.port';
import type { ContainerListFilter, NetworkFilter } from '../../src/engine/engine.types';
import { ENGINE_EVENTS, type EngineEventSource } from '../../src/engine/read-model/read-model.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// The read model answers exactly as the engine does: for a varied estate (running, stopped,
// never started and paused containers, several networks, aliases, MAC addresses, IPv6), every
// list and inspect of the port gives the same answer from the model as from the engine.
const prefix = runPrefix('rmeq');
let t: TestApp;
let model: ContainerEngine;
let engine: ContainerEngine;
const ids: { networks: string[]; containers: string[] } = { networks: [], containers: [] };
const label = { [TEST_LABEL]: prefix };

async function network(suffix: string, octet: number, extra: Partial<Docker.NetworkCreateOptions> = {}) {
  const n = await docker.createNetwork({
    Name: `${prefix}${suffix}`,
    Labels: { ...label, tier: suffix },
    IPAM: { Driver: 'default', Config: [{ Subnet: `10.${octet}.0.0/24`, Gateway: `10.${octet}.0.1` }] },
    ...extra,
  });
  ids.networks.push(n.id);
  return n.id;
}

async function container(suffix: string, options: Partial<Docker.ContainerCreateOptions>) {
  const c = await docker.createContainer({
    name: `${prefix}${suffix}`,
    Image: TEST_IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: { ...label, role: suffix },
    ...options,
  });
  ids.containers.push(c.id);
  return c;
}

beforeAll(async () => {
  t = await startApp();
  model = t.app.get(CONTAINER_ENGINE);
  engine = t.app.get(ENGINE_DIRECT);
  const front = await network('front', 110);
  const back = await network('back', 111, {
    EnableIPv6: true,
    IPAM: {
      Driver: 'default',
      Config: [{ Subnet: '10.111.0.0/24' }, { Subnet: 'fd00:111::/64' }],
    },
  });
  await network('internal', 112, {
    Internal: true,
    Options: { 'com.docker.network.bridge.enable_icc': 'true' },
  });
  const web = await container('web', {
    MacAddress: '02:42:0a:6e:00:99',
    HostConfig: { NetworkMode: front },
    NetworkingConfig: {
      EndpointsConfig: { [front]: { IPAMConfig: { IPv4Address: '10.110.0.10' }, Aliases: ['www', 'site'] } },
    },
  });
  await web.start();
  await docker.getNetwork(back).connect({ Container: web.id, EndpointConfig: { Aliases: ['api'] } });
  const db = await container('db', { HostConfig: { NetworkMode: back } });
  await db.start();
  const stopped = await container('stopped', { HostConfig: { NetworkMode: front } });
  await stopped.start();
  await stopped.stop({ t: 0 });
  await container('fresh', { HostConfig: { NetworkMode: back } });
  const paused = await container('paused', { HostConfig: { NetworkMode: 'bridge' } });
  await paused.start();
  await paused.pause();
  const hosted = await container('none', { HostConfig: { NetworkMode: 'none' } });
  await hosted.start();
  const source = t.app.get<EngineEventSource>(ENGINE_EVENTS);
  // Everything created is in the model (its events applied).
  await waitFor(
    async () =>
      source.status().state === 'live' &&
      (await model.listContainers({ all: true, label: [`${TEST_LABEL}=${prefix}`] })).length === 6 &&
      (await model.inspectContainer(paused.id)).state === 'paused',
    { what: 'the model to hold the estate' },
  );
}, 120_000);

afterAll(async () => {
  await t?.close();
  for (const id of ids.containers) {
    await docker
      .getContainer(id)
      .unpause()
      .catch(() => undefined);
  }
  await cleanupEngine(prefix);
});

// Order-free form of an answer: arrays of objects with ids sorted by them.
function normal(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normal);
    const key = (v: unknown): string => {
      if (!v || typeof v !== 'object') return String(v);
      const o = v as Record<string, string | undefined>;
      return o.id ?? o.containerId ?? o.networkName ?? JSON.stringify(v);
    };
    return items.every((v) => v && typeof v === 'object')
      ? items.sort((a, b) => (key(a) < key(b) ? -1 : 1))
      : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, normal(v)]),
    );
  }
  return value;
}

// The two answers are equal; status sentences may tick between the two calls, so a difference
// is asked again until the deadline.
async function same(what: string, ask: (port: ContainerEngine) => Promise<unknown>): Promise<void> {
  let last: { fromModel: unknown; fromEngine: unknown } | null = null;
  await waitFor(
    async () => {
      const [fromModel, fromEngine] = [normal(await ask(model)), normal(await ask(engine))];
      last = { fromModel, fromEngine };
      return JSON.stringify(fromModel) === JSON.stringify(fromEngine);
    },
    { what: `the same answer for ${what}`, timeoutMs: 5000 },
  ).catch(() => undefined);
  if (JSON.stringify(last!.fromModel) !== JSON.stringify(last!.fromEngine)) console.log(what);
  expect(last!.fromModel).toEqual(last!.fromEngine);
}

const networkFilters: NetworkFilter[] = [
  {},
  { label: [TEST_LABEL] },
  { label: [`${TEST_LABEL}=${prefix}`] },
  { label: [`${TEST_LABEL}=${prefix}`, 'tier=back'] },
  { label: ['tier=nothing'] },
  { driver: ['bridge'] },
  { driver: ['overlay', 'null'] },
  { scope: ['local'] },
  { scope: ['swarm'] },
];

test.each(networkFilters.map((f) => [JSON.stringify(f), f]))('listNetworks(%s)', async (_, filter) => {
  await same(`listNetworks ${JSON.stringify(filter)}`, (port) => port.listNetworks(filter));
});

test('inspectNetwork by id, name and id prefix', async () => {
  const all = await engine.listNetworks();
  for (const n of all) {
    await same(`inspectNetwork ${n.name}`, (port) => port.inspectNetwork(n.id));
  }
  for (const id of ids.networks) {
    const n = all.find((x) => x.id === id)!;
    await same(`inspectNetwork ${n.name} by name`, (port) => port.inspectNetwork(n.name));
    await same(`inspectNetwork ${n.name} by prefix`, (port) => port.inspectNetwork(id.slice(0, 12)));
  }
});

test('container lists with every filter', async () => {
  const [front, back] = ids.networks;
  const filters: ContainerListFilter[] = [
    {},
    { all: true },
    { all: true, label: [`${TEST_LABEL}=${prefix}`] },
    { label: [`${TEST_LABEL}=${prefix}`] },
    { all: true, label: [`${TEST_LABEL}=${prefix}`, 'role=db'] },
    { all: true, network: [`${prefix}front`] },
    { all: true, network: [back] },
    { all: true, network: [front.slice(0, 10), `${prefix}back`] },
    { network: [`${prefix}front`] },
    { status: ['exited'] },
    { status: ['paused', 'created'] },
    { all: false, status: ['running'], label: [`${TEST_LABEL}=${prefix}`] },
  ];
  for (const filter of filters) {
    await same(`listContainers ${JSON.stringify(filter)}`, (port) => port.listContainers(filter));
  }
});

test('inspectContainer by id, name and id prefix', async () => {
  for (const id of ids.containers) {
    const name = (await engine.inspectContainer(id)).name;
    await same(`inspectContainer ${name}`, (port) => port.inspectContainer(id));
    await same(`inspectContainer ${name} by name`, (port) => port.inspectContainer(name));
    await same(`inspectContainer ${name} by prefix`, (port) => port.inspectContainer(id.slice(0, 12)));
  }
});

test('what neither has is the same NOT_FOUND', async () => {
  const fail = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: { constructor: { name: string }; code?: string; reason?: string }) => ({
        type: e.constructor.name,
        code: e.code,
        reason: e.reason,
      }),
    );
  expect(await fail(model.inspectNetwork(`${prefix}missing`))).toEqual(
    await fail(engine.inspectNetwork(`${prefix}missing`)),
  );
  expect(await fail(model.inspectContainer(`${prefix}missing`))).toEqual(
    await fail(engine.inspectContainer(`${prefix}missing`)),
  );
  expect((await fail(model.inspectContainer(`${prefix}missing`)))?.reason).toBe('NOT_FOUND');
});

test("the model's answers cannot be changed by a caller", async () => {
  // On a loaded machine a read may fall back to the engine (the model not caught up within its
  // wait): the model's own answer comes once it is.
  let listed: unknown;
  await waitFor(
    async () => {
      [listed] = await model.listNetworks();
      return Object.isFrozen(listed);
    },
    { what: 'a network list answered by the model', timeoutMs: 30_000 },
  );
  expect(() => {
    (listed as { name: string }).name = 'changed';
  }).toThrow();
  let c = (await model.listContainers({ all: true }))[0];
  await waitFor(
    async () => {
      c = (await model.listContainers({ all: true }))[0];
      return Object.isFrozen(c.labels);
    },
    { what: 'a container list answered by the model', timeoutMs: 30_000 },
  );
  expect(() => {
    (c.labels as Record<string, string>).x = 'y';
  }).toThrow();
  const list = await model.listNetworks();
  list.sort(() => 0);
  list.pop();
  expect((await model.listNetworks()).length).toBe(list.length + 1);
});
