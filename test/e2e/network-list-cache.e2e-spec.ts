import { ENGINE_EVENTS, type EngineEventSource } from '../../src/engine/read-model/read-model.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// Network lists are kept per read-model version, filter, role and scope (NetworkListCache): a
// scoped key and an unscoped key listing in turn each get their own answer, and every change - made
// through the API or straight on the engine - shows in the lists that follow it.
const p = runPrefix('listcache');
const team = `t-${p}`;
const other = `o-${p}`;
let t: TestApp;
let scopedKey = '';
const engineMade: string[] = [];

type Listed = { name: string; labels: Record<string, string> };

async function names(key: string | null, query = ''): Promise<string[]> {
  const agent = key ? t.as(key) : t.http;
  const res = await agent.get(`/api/v1/networks${query}`).expect(200);
  // The kept answer goes out with the same headers as any other.
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['x-request-id']).toBeTruthy();
  // JSON.stringify's own output, as Fastify serialised the answer before it was kept.
  expect(res.text).toBe(JSON.stringify(res.body));
  return (res.body.items as Listed[]).map((n) => n.name).filter((name) => name.startsWith(p));
}

async function gqlNames(key: string | null): Promise<string[]> {
  const res = await t.gql('{ networks { name } }', undefined, key ?? undefined).expect(200);
  return (res.body.data.networks as Listed[]).map((n) => n.name).filter((name) => name.startsWith(p));
}

beforeAll(async () => {
  t = await startApp();
  const source = t.app.get<EngineEventSource>(ENGINE_EVENTS);
  await waitFor(() => source.status().state === 'live', { what: 'the read model to be live' });
  scopedKey = (
    await t.http
      .post('/api/v1/api-keys')
      .send({ name: `${p}key`, role: 'operator', scope: { [TEST_LABEL]: team } })
      .expect(201)
  ).body.key as string;
  const create = (name: string, label: string, subnet: string) =>
    t.http
      .post('/api/v1/networks')
      .send({ name: `${p}${name}`, labels: { [TEST_LABEL]: label }, ipam: { config: [{ subnet }] } })
      .expect(201);
  await create('mine', team, '10.123.240.0/24');
  await create('theirs', other, '10.123.241.0/24');
});

afterAll(async () => {
  await t?.close();
  for (const id of engineMade)
    await docker
      .getNetwork(id)
      .remove()
      .catch(() => undefined);
  await cleanupEngine(p);
});

test('a scoped and an unscoped key listing in turn each get their own answer (REST and GraphQL)', async () => {
  for (let round = 0; round < 3; round++) {
    expect(await names(null)).toEqual([`${p}mine`, `${p}theirs`]);
    expect(await names(scopedKey)).toEqual([`${p}mine`]);
    expect(await gqlNames(scopedKey)).toEqual([`${p}mine`]);
    expect(await gqlNames(null)).toEqual([`${p}mine`, `${p}theirs`]);
    // Filters are kept apart too.
    expect(await names(null, `?name=${p}theirs`)).toEqual([`${p}theirs`]);
    expect(await names(scopedKey, `?name=${p}theirs`)).toEqual([]);
  }
});

test('a change through the API shows in the next list of every key', async () => {
  // Both answers are kept before the change.
  await names(null);
  await names(scopedKey);
  await t
    .as(scopedKey)
    .post('/api/v1/networks')
    .send({ name: `${p}api`, ipam: { config: [{ subnet: '10.123.242.0/24' }] } })
    .expect(201);
  expect(await names(scopedKey)).toEqual([`${p}api`, `${p}mine`]);
  expect(await names(null)).toEqual([`${p}api`, `${p}mine`, `${p}theirs`]);
  await t.as(scopedKey).delete(`/api/v1/networks/${p}api`).expect(204);
  expect(await names(null)).toEqual([`${p}mine`, `${p}theirs`]);
  expect(await names(scopedKey)).toEqual([`${p}mine`]);
});

test('a change straight on the engine shows in the lists once the model has its event', async () => {
  await names(null);
  await names(scopedKey);
  const started = Date.now();
  const created = await docker.createNetwork({
    Name: `${p}engine`,
    Labels: { [TEST_LABEL]: team },
    IPAM: { Config: [{ Subnet: '10.123.243.0/24' }] },
  });
  engineMade.push(created.id);
  await waitFor(async () => (await names(scopedKey)).includes(`${p}engine`), {
    what: 'the scoped list to show the network made on the engine',
  });
  console.log(`network made on the engine listed after ${Date.now() - started} ms`);
  // Once one key sees it, the model has it: every other key's next list shows it too.
  expect(await names(null)).toEqual([`${p}engine`, `${p}mine`, `${p}theirs`]);
  expect(await gqlNames(scopedKey)).toEqual([`${p}engine`, `${p}mine`]);

  // Out of the scope now (a label change is a new network on the engine: remove and re-create).
  await created.remove();
  await waitFor(async () => !(await names(null)).includes(`${p}engine`), {
    what: 'the list to lose the network removed on the engine',
  });
  expect(await names(scopedKey)).toEqual([`${p}mine`]);
  const theirs = await docker.createNetwork({
    Name: `${p}engine2`,
    Labels: { [TEST_LABEL]: other },
    IPAM: { Config: [{ Subnet: '10.123.243.0/24' }] },
  });
  engineMade.push(theirs.id);
  await waitFor(async () => (await names(null)).includes(`${p}engine2`), {
    what: 'the unscoped list to show the second network made on the engine',
  });
  expect(await names(scopedKey)).toEqual([`${p}mine`]);
});
