import {
  ENGINE_EVENTS,
  type EngineEventSource,
  type ObservedEvent,
} from '../../src/engine/read-model/read-model.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// Changes made straight on the engine (not through the service) reach the read model by its
// event feed: the API's reads show them, and ENGINE_EVENTS publishes them after applying them.
const prefix = runPrefix('rmfeed');
let t: TestApp;
let source: EngineEventSource;
const seen: ObservedEvent[] = [];
let unsubscribe: (() => void) | undefined;

beforeAll(async () => {
  t = await startApp();
  source = t.app.get<EngineEventSource>(ENGINE_EVENTS);
  unsubscribe = source.subscribe((event) => seen.push(event));
  await waitFor(() => source.status().state === 'live', { what: 'the read model to be live' });
});

afterAll(async () => {
  unsubscribe?.();
  await t?.close();
  await cleanupEngine(prefix);
});

// Waits for the API to show what the engine has, logging how long after the change it did.
async function untilShown<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const started = Date.now();
  const value = await waitFor(probe, { what, timeoutMs: 10_000, intervalMs: 5 });
  console.log(`read model lag: ${what} shown after ${Date.now() - started} ms`);
  return value;
}

const networkNames = async () =>
  ((await t.http.get('/api/v1/networks').expect(200)).body.items as { name: string }[]).map((n) => n.name);
const containerState = async (name: string) => {
  const items = (await t.http.get('/api/v1/containers?all=true').expect(200)).body.items as {
    name: string;
    state: string;
  }[];
  return items.find((c) => c.name === name)?.state ?? null;
};

test('a network created and removed on the engine shows in the API, with its events', async () => {
  const name = `${prefix}net`;
  const { id } = await docker.createNetwork({ Name: name, Labels: { [TEST_LABEL]: prefix } });
  await untilShown('a network created on the engine', async () => (await networkNames()).includes(name));
  const created = seen.find((e) => e.type === 'network' && e.action === 'create' && e.id === id);
  expect(created?.network).toEqual({ id, name, labels: { [TEST_LABEL]: prefix } });
  await docker.getNetwork(id).remove();
  await untilShown('a network removed on the engine', async () => !(await networkNames()).includes(name));
  await waitFor(() => seen.find((e) => e.type === 'network' && e.action === 'destroy' && e.id === id), {
    what: 'the destroy event',
  });
  const destroyed = seen.find((e) => e.type === 'network' && e.action === 'destroy' && e.id === id)!;
  // The subject as it was before the destroy.
  expect(destroyed.network?.name).toBe(name);
});

test('a container run, connected, stopped and removed on the engine shows in the API', async () => {
  const net = `${prefix}c-net`;
  const name = `${prefix}c`;
  const network = await docker.createNetwork({ Name: net, Labels: { [TEST_LABEL]: prefix } });
  const container = await docker.createContainer({
    name,
    Image: TEST_IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: { [TEST_LABEL]: prefix },
  });
  await container.start();
  await untilShown(
    'a container started on the engine',
    async () => (await containerState(name)) === 'running',
  );
  await network.connect({ Container: container.id });
  await untilShown('a connect made on the engine', async () => {
    const body = (await t.http.get(`/api/v1/networks/${net}`).expect(200)).body as object;
    return JSON.stringify(body).includes(container.id);
  });
  await network.disconnect({ Container: container.id });
  await untilShown('a disconnect made on the engine', async () => {
    const body = (await t.http.get(`/api/v1/networks/${net}`).expect(200)).body as object;
    return !JSON.stringify(body).includes(container.id);
  });
  await container.stop({ t: 0 });
  await untilShown(
    'a container stopped on the engine',
    async () => (await containerState(name)) === 'exited',
  );
  await container.remove();
  await untilShown('a container removed on the engine', async () => (await containerState(name)) === null);
  const forIt = seen.filter((e) => e.type === 'container' && e.id === container.id).map((e) => e.action);
  expect(forIt).toEqual(expect.arrayContaining(['create', 'start', 'die', 'destroy']));
  // In order: seq increases by one.
  for (let i = 1; i < seen.length; i++) expect(seen[i].seq).toBe(seen[i - 1].seq + 1);
});
