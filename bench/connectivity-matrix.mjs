// The connectivity matrix of 20 containers on one network: Switchyard's matrix (one exec per
// source container, probing all its targets at once) against a naive loop of one ping exec per
// ordered pair straight on the engine, in one run. Cleans up after itself.
// Usage: npm run build && npm run bench:matrix   (needs a running engine and the switchyard/busybox image)
import { AUTH_HEADERS, engineRequest, startService } from './lib.mjs';

const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 20);
const IMAGE = process.env.TEST_IMAGE ?? 'switchyard/busybox:latest';
const PREFIX = 'sybench-mx-';
const NETWORK = `${PREFIX}net`;

async function cleanup() {
  const containers = JSON.parse((await engineRequest('GET', '/containers/json?all=1')).body);
  for (const c of containers.filter((x) => x.Names.some((n) => n.startsWith(`/${PREFIX}`)))) {
    await engineRequest('DELETE', `/containers/${c.Id}?force=1`);
  }
  const networks = JSON.parse((await engineRequest('GET', '/networks')).body);
  for (const n of networks.filter((x) => x.Name === NETWORK))
    await engineRequest('DELETE', `/networks/${n.Id}`);
}

async function check(res, what) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${res.body}`);
  return res.body ? JSON.parse(res.body) : null;
}

// One `ping -c 1` exec on the engine, waiting for its end and exit code, as a naive client would.
async function naivePing(containerId, address) {
  const exec = await check(
    await engineRequest('POST', `/containers/${containerId}/exec`, {
      Cmd: ['ping', '-c', '1', '-w', '1', '-W', '1', address],
      AttachStdout: true,
      AttachStderr: true,
    }),
    'exec create',
  );
  await engineRequest('POST', `/exec/${exec.Id}/start`, { Detach: false, Tty: false });
  const state = await check(await engineRequest('GET', `/exec/${exec.Id}/json`), 'exec inspect');
  return state.ExitCode === 0;
}

async function main() {
  await cleanup();
  await check(
    await engineRequest('POST', '/networks/create', {
      Name: NETWORK,
      IPAM: { Config: [{ Subnet: '10.241.0.0/24' }] },
      Labels: { 'switchyard-bench': '1' },
    }),
    'network create',
  );
  const members = [];
  for (let i = 0; i < CONTAINERS; i++) {
    const name = `${PREFIX}${String(i).padStart(2, '0')}`;
    const created = await check(
      await engineRequest('POST', `/containers/create?name=${name}`, {
        Image: IMAGE,
        Cmd: ['sleep', '3600'],
        HostConfig: { NetworkMode: NETWORK },
      }),
      'container create',
    );
    await engineRequest('POST', `/containers/${created.Id}/start`);
    const info = await check(await engineRequest('GET', `/containers/${created.Id}/json`), 'inspect');
    members.push({ id: created.Id, address: info.NetworkSettings.Networks[NETWORK].IPAddress });
  }
  const service = await startService();
  try {
    const naiveStarted = performance.now();
    let reachable = 0;
    for (const source of members) {
      for (const target of members)
        if (target !== source && (await naivePing(source.id, target.address))) reachable++;
    }
    const naiveMs = performance.now() - naiveStarted;

    const runs = [];
    let matrix;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${service.port}/api/v1/connectivity/matrix`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTH_HEADERS },
        body: JSON.stringify({ network: NETWORK, count: 1 }),
      });
      matrix = await res.json();
      if (res.status !== 200) throw new Error(`matrix: ${res.status} ${JSON.stringify(matrix)}`);
      runs.push(performance.now() - started);
    }
    const pairs = CONTAINERS * (CONTAINERS - 1);
    const matrixMs = Math.min(...runs);
    console.log(`connectivity matrix, ${CONTAINERS} containers, ${pairs} ordered pairs`);
    console.log(
      `  naive loop, one ping exec per pair:  ${naiveMs.toFixed(0)} ms (${reachable}/${pairs} reachable)`,
    );
    console.log(
      `  switchyard matrix (best of 3):       ${matrixMs.toFixed(0)} ms (${matrix.results.filter((r) => r.reachable).length}/${matrix.results.length} reachable; runs ${runs.map((r) => r.toFixed(0)).join(', ')} ms)`,
    );
    console.log(`  ratio matrix/naive: ${(matrixMs / naiveMs).toFixed(3)}`);
  } finally {
    await service.stop();
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
