import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { SseClient, type SseMessage } from '../support/sse';
import { startApp, type TestApp } from '../support/app';
import { BOOT_TIMEOUT_MS } from '../support/test-app';
import { expectStatus } from '../support/templates';
import { waitFor } from '../support/wait';

// Issue #12: engine events over Server-Sent Events (GET /api/v1/events) on the real engine:
// events caused through the API and straight on the engine, filters, a scoped key's view, a
// revoked key's stream, Last-Event-ID, the limits. Other tests share the engine: every stream
// here is filtered to this file's objects, or checked only for them.
describe('engine events over SSE', () => {
  const p = runPrefix('livesse');
  // The scope of the team key: a label value of this run only.
  const team = `${p}a`;
  const mark = { 'sy-live-test': p };
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];
  const keys: Record<string, { id: string; key: string }> = {};
  const open = async (path: string, key: string | null, headers: Record<string, string> = {}) => {
    const client = await SseClient.open(port, path, key, headers);
    clients.push(client);
    return client;
  };
  const admin = () => t.config.ADMIN_API_KEY ?? '';
  const ofName = (name: string) => (m: SseMessage) => m.data.name === name;
  const is = (type: string, action: string, name: string) => (m: SseMessage) =>
    m.data.type === type && m.data.action === action && m.data.name === name;

  beforeAll(async () => {
    t = await startApp({ MAX_STREAMS_PER_KEY: 3, MAX_IN_FLIGHT_PER_KEY: 2 });
    port = await listenOnLoopback(t);
    for (const [name, role, scope] of [
      ['team', 'operator', { team }],
      ['viewer', 'viewer', undefined],
      ['limited', 'viewer', undefined],
      ['revoked', 'viewer', undefined],
    ] as const) {
      const res = await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}${name}`, role, ...(scope ? { scope } : {}) });
      keys[name] = { id: expectStatus(res, 201).body.id as string, key: res.body.key as string };
    }
    // The feed is live before the first test counts on it.
    await waitFor(async () => (await t.anon.get('/health/ready')).status === 200, {
      what: 'the service ready',
    });
  }, BOOT_TIMEOUT_MS);
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await cleanupEngine(p);
    await t?.close();
  });

  const createContainer = (name: string, labels: Record<string, string> = {}, network = 'none') =>
    docker.createContainer({
      name,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: '1', ...mark, ...labels },
      HostConfig: { NetworkMode: network },
    });

  it('streams network and container events caused through the API and straight on the engine', async () => {
    const all = await open('/api/v1/events', admin());
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(all.headers['x-accel-buffering']).toBe('no');
    const net = `${p}net`;
    const created = expectStatus(
      await t.http
        .post('/api/v1/networks')
        .send({ name: net, ipam: { config: [{ subnet: '10.114.10.0/24' }] } }),
      201,
    ).body as { id: string };
    const create = await all.waitFor(is('network', 'create', net), 'the network create');
    expect(create.data.id).toBe(created.id);
    expect(create.id).toMatch(/^[0-9a-z]+-\d+$/);
    expect(Date.parse(create.data.time)).not.toBeNaN();

    const box = `${p}box`;
    const container = await createContainer(box, {}, net);
    await container.start();
    await all.waitFor(is('container', 'create', box), 'the container create');
    await all.waitFor(is('container', 'start', box), 'the container start');
    const connect = await all.waitFor(
      (m) =>
        m.data.type === 'network' &&
        m.data.action === 'connect' &&
        m.data.attributes.container === container.id,
      'the connect',
    );
    expect(connect.data.name).toBe(net);
    const started = all.data.find(is('container', 'start', box));
    expect(started?.data.attributes).toMatchObject({ 'sy-live-test': p, image: expect.any(String) });

    await container.remove({ force: true });
    await all.waitFor(is('container', 'destroy', box), 'the container destroy');
    await docker.getNetwork(created.id).remove();
    await all.waitFor(is('network', 'destroy', net), 'the network destroy');
    // Ids increase in the order the engine reported.
    const ours = all.data.filter((m) => m.data.name === net || m.data.name === box);
    const seqs = ours.map((m) => Number(m.id?.split('-')[1]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('filters by type, action, name, id prefix and label', async () => {
    const box = `${p}filtered`;
    const other = `${p}unfiltered`;
    const byName = await open(`/api/v1/events?type=container&action=start&container=${box}`, admin());
    const byLabel = await open(`/api/v1/events?label=sy-live-test=${p}&label=pick`, keys.viewer.key);
    const all = await open(`/api/v1/events?label=sy-live-test=${p}`, keys.viewer.key);
    const picked = await createContainer(box, { pick: 'yes' });
    const unpicked = await createContainer(other);
    await picked.start();
    await unpicked.start();
    const byPrefix = await open(`/api/v1/events?container=${picked.id.slice(0, 8)}`, admin());
    await picked.remove({ force: true });
    await unpicked.remove({ force: true });
    // The unfiltered stream saw everything, so the filtered ones have had their chance too.
    await all.waitFor(is('container', 'destroy', other), 'the last event');
    await byPrefix.waitFor(is('container', 'destroy', box), 'the destroy by id prefix');
    expect(byName.data.map((m) => `${m.data.action} ${m.data.name}`)).toEqual([`start ${box}`]);
    expect(new Set(byLabel.data.map((m) => m.data.name))).toEqual(new Set([box]));
    expect(byLabel.data.map((m) => m.data.action)).toEqual(
      expect.arrayContaining(['create', 'start', 'destroy']),
    );
    expect(
      byPrefix.data.every((m) => m.data.id === picked.id || m.data.attributes.container === picked.id),
    ).toBe(true);
    expect(all.data.filter(ofName(other)).length).toBeGreaterThanOrEqual(3);

    const bad = await open('/api/v1/events?type=volume&action=Nope', admin());
    await bad.waitForEnd();
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['type', 'action']);
    // An action the engine never reports would match nothing, ever: refused with the known ones.
    const typo = await open('/api/v1/events?action=crate', admin());
    await typo.waitForEnd();
    expect([typo.status, typo.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(typo.body.errors[0].message).toContain('for networks create, connect, disconnect, destroy');
    const anonymous = await open('/api/v1/events', null);
    await anonymous.waitForEnd();
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it("gives a scoped key only its own objects' events, and no connect that names another's", async () => {
    const scoped = await open('/api/v1/events', keys.team.key);
    const witness = await open(`/api/v1/events?label=sy-live-test=${p}`, admin());
    const ownNet = `${p}own-net`;
    const otherNet = `${p}other-net`;
    const teamApi = t.as(keys.team.key);
    const own = expectStatus(
      await teamApi
        .post('/api/v1/networks')
        .send({ name: ownNet, ipam: { config: [{ subnet: '10.114.20.0/24' }] } }),
      201,
    ).body as { id: string };
    const foreign = await docker.createNetwork({
      Name: otherNet,
      Labels: { [TEST_LABEL]: '1', ...mark },
      IPAM: { Config: [{ Subnet: '10.114.21.0/24' }] },
    });
    const mine = await createContainer(`${p}mine`, { team }, 'bridge');
    const theirs = await createContainer(`${p}theirs`, { team: 'someone-else' }, 'bridge');
    await mine.start();
    await theirs.start();
    // Crossed connects: each names an object of the other side.
    await docker.getNetwork(own.id).connect({ Container: theirs.id });
    await foreign.connect({ Container: mine.id });
    await docker.getNetwork(own.id).disconnect({ Container: theirs.id });
    await foreign.disconnect({ Container: mine.id });
    await theirs.remove({ force: true });
    await mine.remove({ force: true });
    await scoped.waitFor(is('container', 'destroy', `${p}mine`), "the scoped key's last event");
    await witness.waitFor(is('container', 'destroy', `${p}theirs`), 'the witness saw the other side');

    const text = JSON.stringify(scoped.data);
    for (const secret of [theirs.id, `${p}theirs`, foreign.id, otherNet]) expect(text).not.toContain(secret);
    expect(scoped.data.find(is('network', 'create', ownNet))).toBeDefined();
    expect(scoped.data.find(is('container', 'start', `${p}mine`))).toBeDefined();
    // Every event the scoped key got is about its own objects (or Docker's own networks).
    for (const m of scoped.data) {
      if (m.data.type === 'container') expect(m.data.attributes.team).toBe(team);
      else expect([ownNet, 'bridge', 'host', 'none']).toContain(m.data.name);
    }
    await foreign.remove();
    expectStatus(await teamApi.delete(`/api/v1/networks/${ownNet}`), 204);
  });

  it('sends the destroys of what was removed through the API to a label filter and to a scoped key', async () => {
    // The service forgets what it removed before the engine's destroy events arrive: they must
    // still carry the labels (the network's are not in its events' attributes).
    const scoped = await open('/api/v1/events?action=destroy', keys.team.key);
    const labelled = await open(`/api/v1/events?label=team=${team}`, keys.viewer.key);
    const teamApi = t.as(keys.team.key);
    const net = `${p}gone-net`;
    const box = `${p}gone-box`;
    const labels = { [TEST_LABEL]: '1', ...mark };
    expectStatus(
      await teamApi
        .post('/api/v1/networks')
        .send({ name: net, labels, ipam: { config: [{ subnet: '10.114.30.0/24' }] } }),
      201,
    );
    expectStatus(
      await teamApi.post('/api/v1/containers').send({
        name: box,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels,
        networks: [{ network: net }],
      }),
      201,
    );
    await labelled.waitFor(is('container', 'start', box), 'the container start');
    expectStatus(await teamApi.delete(`/api/v1/containers/${box}`).query({ force: true }), 204);
    expectStatus(await teamApi.delete(`/api/v1/networks/${net}`), 204);
    for (const client of [scoped, labelled]) {
      await client.waitFor(is('container', 'destroy', box), 'the container destroy');
      await client.waitFor(is('network', 'destroy', net), 'the network destroy');
    }
    expect(labelled.data.find(is('network', 'create', net))).toBeDefined();
    // Only destroys; besides this test's two, a late destroy of the team's own network of the test
    // before may arrive after this stream opened.
    expect(scoped.data.map((m) => m.data.action).every((a) => a === 'destroy')).toBe(true);
    const ours = scoped.data.filter((m) => m.data.name === net || m.data.name === box);
    expect(ours.map((m) => `${m.data.type} ${m.data.action}`)).toEqual([
      'container destroy',
      'network destroy',
    ]);
  });

  it('resumes after Last-Event-ID without loss or repeats, and says so when the id is not its own', async () => {
    const filter = `/api/v1/events?type=container&label=sy-live-test=${p}&label=resume`;
    const first = await open(filter, keys.viewer.key);
    const names = [1, 2, 3, 4].map((i) => `${p}resume-${i}`);
    await createContainer(names[0], { resume: '1' });
    const seen = await first.waitFor(ofName(names[0]), 'the first create');
    first.close();
    for (const name of names.slice(1)) await createContainer(name, { resume: '1' });
    const resumed = await open(filter, keys.viewer.key, { 'last-event-id': seen.id ?? '' });
    await resumed.waitFor(ofName(names[3]), 'the last create');
    expect(resumed.data.map((m) => `${m.data.action} ${m.data.name}`)).toEqual(
      names.slice(1).map((n) => `create ${n}`),
    );
    // The same through the query parameter, for EventSource clients.
    const byQuery = await open(`${filter}&lastEventId=${encodeURIComponent(seen.id ?? '')}`, keys.viewer.key);
    await byQuery.waitFor(ofName(names[3]), 'the last create again');
    expect(byQuery.data.map((m) => m.data.name)).toEqual(names.slice(1));

    const stranger = await open(filter, keys.viewer.key, { 'last-event-id': 'lz0000abcdef-5' });
    const notice = await stranger.waitFor(() => true, 'the first message');
    expect(notice.data).toMatchObject({ type: 'stream', action: 'missed', id: '', name: null });
    expect(notice.data.attributes.reason).toBe('resume-unknown');
    expect(notice.data.attributes.message).toMatch(/may have been missed/);
    for (const name of names) await docker.getContainer(name).remove({ force: true });
  });

  it("ends a revoked key's open stream with a last message, and the response", async () => {
    const client = await open('/api/v1/events', keys.revoked.key);
    expect(client.status).toBe(200);
    await t.http.delete(`/api/v1/api-keys/${keys.revoked.id}`).expect(204);
    await client.waitForEnd(10_000);
    expect(client.end?.data.code).toBe('UNAUTHENTICATED');
    expect(client.end?.data.message).toMatch(/revoked/);
    const again = await open('/api/v1/events', keys.revoked.key);
    await again.waitForEnd();
    expect(again.status).toBe(401);
  });

  it("ends an expired key's open stream at its expiry", async () => {
    const expiresAt = new Date(Date.now() + 3000).toISOString();
    const res = await t.http
      .post('/api/v1/api-keys')
      .send({ name: `${p}expiring`, role: 'viewer', expiresAt });
    const client = await open('/api/v1/events', expectStatus(res, 201).body.key as string);
    expect(client.status).toBe(200);
    await client.waitForEnd(30_000);
    expect(client.end?.data.code).toBe('UNAUTHENTICATED');
    expect(client.end?.data.message).toContain(`expired at ${expiresAt}`);
  });

  it('lets a key hold MAX_STREAMS_PER_KEY streams (429 past it) without using up its requests in flight', async () => {
    const streams = await Promise.all([1, 2, 3].map(() => open('/api/v1/events', keys.limited.key)));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await open('/api/v1/events', keys.limited.key);
    await refused.waitForEnd();
    expect([refused.status, refused.body.code]).toEqual([429, 'TOO_MANY_STREAMS']);
    expect(refused.body.detail).toMatch(/MAX_STREAMS_PER_KEY/);
    // MAX_IN_FLIGHT_PER_KEY is 2: three open streams do not hold it.
    await t.as(keys.limited.key).get('/api/v1/networks').expect(200);
    streams[0].close();
    const reopened = await waitFor(
      async () => {
        const client = await open('/api/v1/events', keys.limited.key);
        await waitFor(() => client.status !== 0, { what: 'an answer' });
        return client.status === 200 ? client : null;
      },
      { what: 'a stream slot freed by a client that went away' },
    );
    expect(reopened.status).toBe(200);
  });
});
