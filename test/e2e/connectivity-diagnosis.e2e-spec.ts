import { startApp, type TestApp } from '../support/app';
import { NOPING_IMAGE, SILENT_ADDRESS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';

// "Why can't A reach B": each diagnosis, in the order the checks run. Traffic stays on networks
// this file creates. Subnets of this file: 10.207.0.0/16.
describe('ping diagnoses', () => {
  const p = runPrefix('diag');
  let t: TestApp;

  const run = (body: Record<string, unknown>) =>
    t.http
      .post('/api/v1/containers')
      .send({ image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p }, ...body })
      .expect(201);
  // A ping that should be answered gets a generous deadline (it ends at the first reply anyway);
  // one that should not passes its own short deadline.
  const ping = (body: Record<string, unknown>) =>
    t.http
      .post('/api/v1/connectivity/ping')
      .send({ count: 1, timeoutMs: 20_000, ...body })
      .expect(200);

  beforeAll(async () => {
    t = await startApp();
    await t.http
      .post('/api/v1/networks')
      .send({ name: `${p}one`, ipam: { config: [{ subnet: '10.207.1.0/24' }] } })
      .expect(201);
    await t.http
      .post('/api/v1/networks')
      .send({ name: `${p}two`, ipam: { config: [{ subnet: '10.207.2.0/24' }] } })
      .expect(201);
    await t.http
      .post('/api/v1/networks')
      .send({ name: `${p}internal`, internal: true, ipam: { config: [{ subnet: '10.207.3.0/24' }] } })
      .expect(201);
    await run({ name: `${p}a`, networks: [{ network: `${p}one` }] });
    await run({ name: `${p}b`, networks: [{ network: `${p}one`, ipv4Address: '10.207.1.20' }] });
    await run({ name: `${p}c`, networks: [{ network: `${p}two` }] });
    await run({ name: `${p}off`, networks: [{ network: `${p}one` }], start: false });
    await run({ name: `${p}stopped`, networks: [{ network: `${p}one` }] });
    await t.http.post(`/api/v1/containers/${p}stopped/stop?timeout=0`).expect(200);
    await run({ name: `${p}dflt-a` });
    await run({ name: `${p}dflt-b` });
    await run({ name: `${p}sealed`, networks: [{ network: `${p}internal` }] });
    await run({ name: `${p}sealed-peer`, networks: [{ network: `${p}internal` }] });
    await run({
      name: `${p}bare`,
      image: NOPING_IMAGE,
      command: ['sleep', '3600'],
      networks: [{ network: `${p}one` }],
    });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('SOURCE_NOT_RUNNING', async () => {
    const res = await ping({ from: `${p}off`, to: `${p}a` });
    expect(res.body).toMatchObject({ reachable: false, diagnosis: { code: 'SOURCE_NOT_RUNNING' } });
    expect(res.body.diagnosis.message).toContain('created');
  });

  it('TARGET_NOT_RUNNING', async () => {
    const res = await ping({ from: `${p}a`, to: `${p}stopped` });
    expect(res.body).toMatchObject({ reachable: false, diagnosis: { code: 'TARGET_NOT_RUNNING' } });
    expect(res.body.diagnosis.message).toContain('exited');
  });

  it('NO_SHARED_NETWORK, naming the networks of each', async () => {
    const res = await ping({ from: `${p}a`, to: `${p}c` });
    expect(res.body.diagnosis.code).toBe('NO_SHARED_NETWORK');
    expect(res.body.diagnosis.message).toContain(`"${p}one"`);
    expect(res.body.diagnosis.message).toContain(`"${p}two"`);
    // By address too: the address belongs to a container on another network.
    const c = await docker.getContainer(`${p}c`).inspect();
    const byIp = await ping({ from: `${p}a`, to: c.NetworkSettings.Networks[`${p}two`].IPAddress });
    expect(byIp.body.diagnosis.code).toBe('NO_SHARED_NETWORK');
  });

  it('NAME_NOT_RESOLVED on the default bridge, which has no name resolution (by IP it works)', async () => {
    const res = await ping({ from: `${p}dflt-a`, to: `${p}dflt-b` });
    expect(res.body).toMatchObject({ reachable: false, diagnosis: { code: 'NAME_NOT_RESOLVED' } });
    expect(res.body.diagnosis.message).toContain('default bridge');
    const b = await docker.getContainer(`${p}dflt-b`).inspect();
    const byIp = await ping({ from: `${p}dflt-a`, to: b.NetworkSettings.Networks.bridge.IPAddress });
    expect(byIp.body).toMatchObject({ reachable: true, received: 1, diagnosis: null });
  });

  it('NAME_NOT_RESOLVED for a name nothing answers to', async () => {
    const res = await ping({ from: `${p}a`, to: `${p}nobody` });
    expect(res.body.diagnosis.code).toBe('NAME_NOT_RESOLVED');
    expect(res.body.diagnosis.message).toContain(`"${p}one"`);
  });

  it('NAME_NOT_RESOLVED, not packet loss, when the name server never answers (no echo request was sent)', async () => {
    // The engine API lets a container use another name server; Switchyard's run does not, so the
    // test makes this one itself.
    const deaf = await docker.createContainer({
      name: `${p}deaf-dns`,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: p },
      HostConfig: { Dns: [SILENT_ADDRESS] },
    });
    await deaf.start();
    const res = await ping({ from: `${p}deaf-dns`, to: 'db.example.internal', timeoutMs: 1000 });
    expect(res.body).toMatchObject({
      reachable: false,
      resolvedAddress: null,
      transmitted: 0,
      diagnosis: { code: 'NAME_NOT_RESOLVED' },
    });
    expect(res.body.diagnosis.message).toContain('name server');
  });

  it('NETWORK_INTERNAL for an address outside an internal network (its peers still answer)', async () => {
    const res = await ping({ from: `${p}sealed`, to: '10.207.9.9', timeoutMs: 1000 });
    expect(res.body).toMatchObject({ reachable: false, diagnosis: { code: 'NETWORK_INTERNAL' } });
    expect(res.body.diagnosis.message).toContain(`"${p}internal"`);
    const peer = await ping({ from: `${p}sealed`, to: `${p}sealed-peer` });
    expect(peer.body.reachable).toBe(true);
  });

  it('PACKET_LOSS when nothing answers at the address', async () => {
    const res = await ping({ from: `${p}a`, to: '10.207.1.99', timeoutMs: 1000 });
    expect(res.body).toMatchObject({
      reachable: false,
      resolvedAddress: '10.207.1.99',
      received: 0,
      packetLoss: 100,
      diagnosis: { code: 'PACKET_LOSS' },
    });
  });

  it('probes from a helper container when the source image has no ping, and removes the helper', async () => {
    const res = await ping({ from: `${p}bare`, to: `${p}b`, count: 2 });
    expect(res.body).toMatchObject({
      reachable: true,
      probe: 'helper',
      resolvedAddress: '10.207.1.20',
      received: 2,
    });
    // Helpers of other tests on this engine may come and go meanwhile: look only for this one's,
    // which ran in the network namespace of the source.
    const bare = await docker.getContainer(`${p}bare`).inspect();
    const helpers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: ['io.switchyard.probe=true'] }),
    });
    expect(helpers.filter((h) => h.HostConfig.NetworkMode === `container:${bare.Id}`)).toEqual([]);
  });

  it('answers 404 for an unknown source and 400 for bad input', async () => {
    const missing = await t.http
      .post('/api/v1/connectivity/ping')
      .send({ from: `${p}ghost`, to: `${p}a` })
      .expect(404);
    expect(missing.body.code).toBe('CONTAINER_NOT_FOUND');
    const bad = await t.http
      .post('/api/v1/connectivity/ping')
      .send({ from: `${p}a`, to: 'x; rm -rf /', count: 0 })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['count', 'to']);
    const noNet = await t.http
      .post('/api/v1/connectivity/matrix')
      .send({ network: `${p}nonet` })
      .expect(404);
    expect(noNet.body.code).toBe('NETWORK_NOT_FOUND');
  });
});

describe('ping without any probe', () => {
  const p = runPrefix('noprobe');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ PROBE_IMAGE: 'switchyard/never-built:1' });
    await t.http
      .post('/api/v1/containers')
      .send({
        name: `${p}bare`,
        image: NOPING_IMAGE,
        command: ['sleep', '3600'],
        labels: { [TEST_LABEL]: p },
      })
      .expect(201);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('says plainly that no probe can run', async () => {
    const res = await t.http
      .post('/api/v1/connectivity/ping')
      .send({ from: `${p}bare`, to: '127.0.0.1' })
      .expect(200);
    expect(res.body).toMatchObject({ reachable: false, probe: null, diagnosis: { code: 'NO_PROBE' } });
    expect(res.body.diagnosis.message).toContain('switchyard/never-built:1');
  });
});
