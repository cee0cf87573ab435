import { ENGINE_EVENTS, type EngineEventSource } from '../../src/engine/read-model/read-model.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// Read your own writes: every change made through the API shows in the very next read, served
// by the read model (live), without waiting for the engine's event.
const prefix = runPrefix('rmwrites');
let t: TestApp;

beforeAll(async () => {
  t = await startApp();
  const source = t.app.get<EngineEventSource>(ENGINE_EVENTS);
  await waitFor(() => source.status().state === 'live', { what: 'the read model to be live' });
});

afterAll(async () => {
  await t?.close();
  await cleanupEngine(prefix);
});

const ROUNDS = 4;

test.each(Array.from({ length: ROUNDS }, (_, i) => [i]))(
  'round %d: each write is read at once',
  async (round) => {
    const net = `${prefix}n${round}`;
    const name = `${prefix}c${round}`;
    const network = (
      await t.http
        .post('/api/v1/networks')
        .send({
          name: net,
          labels: { [TEST_LABEL]: prefix },
          ipam: { config: [{ subnet: `10.112.${round}.0/24` }] },
        })
        .expect(201)
    ).body as { id: string };
    // Listed and inspected at once.
    const listed = (await t.http.get('/api/v1/networks').expect(200)).body.items as { name: string }[];
    expect(listed.map((n) => n.name)).toContain(net);
    await t.http.get(`/api/v1/networks/${network.id}`).expect(200);

    const container = (
      await t.http
        .post('/api/v1/containers')
        .send({
          name,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          labels: { [TEST_LABEL]: prefix },
          networks: [{ network: net, ipv4Address: `10.112.${round}.10`, aliases: ['svc'] }],
        })
        .expect(201)
    ).body as { id: string };
    const state = async () =>
      ((await t.http.get(`/api/v1/containers/${name}`).expect(200)).body as { state: string }).state;
    expect(await state()).toBe('running');
    const running = (await t.http.get('/api/v1/containers').expect(200)).body.items as { id: string }[];
    expect(running.map((c) => c.id)).toContain(container.id);
    const endpoints = async () =>
      JSON.stringify((await t.http.get(`/api/v1/networks/${net}`).expect(200)).body).includes(container.id);
    expect(await endpoints()).toBe(true);

    await t.http.post(`/api/v1/containers/${name}/stop`).send({}).expect(200);
    expect(await state()).toBe('exited');
    expect(await endpoints()).toBe(false);
    await t.http.post(`/api/v1/containers/${name}/start`).send({}).expect(200);
    expect(await state()).toBe('running');

    await t.http.delete(`/api/v1/networks/${net}/connections/${name}`).expect(204);
    expect(await endpoints()).toBe(false);
    await t.http.post(`/api/v1/networks/${net}/connections`).send({ container: name }).expect(201);
    expect(await endpoints()).toBe(true);

    await t.http.delete(`/api/v1/containers/${name}?force=true`).expect(204);
    await t.http.get(`/api/v1/containers/${name}`).expect(404);
    const all = (await t.http.get('/api/v1/containers?all=true').expect(200)).body.items as { id: string }[];
    expect(all.map((c) => c.id)).not.toContain(container.id);
    await t.http.delete(`/api/v1/networks/${net}`).expect(204);
    await t.http.get(`/api/v1/networks/${net}`).expect(404);
    const after = (await t.http.get('/api/v1/networks').expect(200)).body.items as { name: string }[];
    expect(after.map((n) => n.name)).not.toContain(net);
    // The engine agrees.
    expect((await docker.listNetworks()).some((n) => n.Name === net)).toBe(false);
  },
);
