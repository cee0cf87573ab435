import type { Readable } from 'node:stream';
import type { NetworkInfo } from '../../src/engine/engine.types';
import type { ModelContainer, ModelEnginePort } from '../../src/engine/read-model/model-port';
import { ReadModel } from '../../src/engine/read-model/read-model';
import type { EngineEvent } from '../../src/engine/read-model/read-model.types';

// The model's version (what keeps network list answers: src/networks/network-list-cache.ts) and
// its index of the containers a list without `all` answers.

const network = (id: string): NetworkInfo => ({
  id,
  name: id,
  driver: 'bridge',
  scope: 'local',
  internal: false,
  attachable: false,
  ingress: false,
  configOnly: false,
  enableIPv6: false,
  ipam: { driver: 'default', config: [], options: {} },
  options: {},
  labels: {},
  createdAt: null,
});

const container = (id: string, state: string, createdMs: number): ModelContainer => ({
  info: {
    id,
    name: id,
    names: [id],
    image: 'img',
    state,
    status: state,
    running: state === 'running',
    createdAt: null,
    labels: {},
    networkMode: 'bridge',
    configMacAddress: null,
    endpoints: [],
    command: [],
    hostname: '',
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    exitCode: null,
    startedAt: null,
    finishedAt: null,
  },
  words: { state, health: null, exitCode: 0, startedAtMs: createdMs, finishedAtMs: null },
  createdMs,
});

class Port implements ModelEnginePort {
  networksNow = new Map<string, NetworkInfo>();
  containersNow = new Map<string, ModelContainer>();
  network(id: string) {
    return Promise.resolve(this.networksNow.get(id) ?? null);
  }
  container(id: string) {
    return Promise.resolve(this.containersNow.get(id) ?? null);
  }
  networks() {
    return Promise.resolve([...this.networksNow.values()]);
  }
  containerIds() {
    return Promise.resolve([...this.containersNow.keys()]);
  }
  openEvents(): Promise<Readable> {
    throw new Error('not used');
  }
  eventsAt(): Promise<EngineEvent[]> {
    throw new Error('not used');
  }
}

async function liveModel(port: Port): Promise<ReadModel> {
  const model = new ReadModel(port);
  model.connected(false, 'first connection');
  await model.settled();
  return model;
}

describe('ReadModel version', () => {
  test('grows with every change to networks or containers, and only then', async () => {
    const port = new Port();
    const model = await liveModel(port);
    const start = model.version();
    model.listNetworks();
    model.listContainers();
    expect(model.version()).toBe(start);

    port.networksNow.set('n1', network('n1'));
    await model.syncNetwork('n1');
    const afterNetwork = model.version();
    expect(afterNetwork).toBeGreaterThan(start);

    port.containersNow.set('c1', container('c1', 'running', 1000));
    await model.syncContainer('c1');
    const afterContainer = model.version();
    expect(afterContainer).toBeGreaterThan(afterNetwork);

    model.forgetContainer('c1');
    expect(model.version()).toBeGreaterThan(afterContainer);
    const afterForget = model.version();
    // Forgetting what it does not hold changes nothing.
    model.forgetNetwork('nope');
    expect(model.version()).toBe(afterForget);
  });
});

describe('ReadModel listContainers', () => {
  test('without `all`: the running ones, newest first; with it or a status: every state', async () => {
    const port = new Port();
    port.containersNow.set('old', container('old', 'running', 1000));
    port.containersNow.set('new', container('new', 'running', 3000));
    port.containersNow.set('made', container('made', 'created', 2000));
    port.containersNow.set('done', container('done', 'exited', 4000));
    port.containersNow.set('held', container('held', 'paused', 2500));
    const model = await liveModel(port);
    const ids = (filter?: Parameters<ReadModel['listContainers']>[0]) =>
      model.listContainers(filter).map((c) => c.id);
    expect(ids()).toEqual(['new', 'held', 'old']);
    expect(ids({ all: true })).toEqual(['done', 'new', 'held', 'made', 'old']);
    expect(ids({ status: ['created'] })).toEqual(['made']);

    // A state change moves a container in and out of the list without `all`.
    port.containersNow.set('made', container('made', 'running', 2000));
    await model.syncContainer('made');
    port.containersNow.set('new', container('new', 'exited', 3000));
    await model.syncContainer('new');
    expect(ids()).toEqual(['held', 'made', 'old']);
    model.forgetContainer('old');
    expect(ids()).toEqual(['held', 'made']);
  });
});
