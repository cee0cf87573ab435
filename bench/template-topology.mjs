// One topology, three ways to put it on the engine: a Switchyard template document, the equivalent
// compose file, and the raw engine calls (the ceiling), plus the sweep that removes all of it.
import './templates-engine.mjs';
import http from 'node:http';
import { stringify } from 'yaml';
import { engineRequest } from './lib.mjs';

export const IMAGE = process.env.TEST_IMAGE ?? 'switchyard/busybox:latest';
// Every engine name of the benchmark starts with this, and everything carries BENCH_LABEL: the sweep
// removes exactly that and nothing else.
export const PREFIX = 'sybt-';
export const BENCH_LABEL = { 'switchyard-bench': 'templates' };
// The raw ceiling's pool size (the "pool of 16").
export const RAW_POOL = 16;

// `containers` containers on two networks each; one network per 4 containers (at least 2), so each
// network has about 8 endpoints at every size and /24 subnets inside 10.168.0.0/16 always suffice.
// Container i joins networks i and i+1 (mod the count), like a chain of segments.
export function topology(containers) {
  const networkCount = Math.max(2, Math.ceil(containers / 4));
  if (networkCount > 256)
    throw new Error('at most 1024 containers: the subnets are /24s inside 10.168.0.0/16');
  const pad = (i) => String(i).padStart(3, '0');
  const networks = Array.from({ length: networkCount }, (_, i) => ({
    name: `${PREFIX}n${pad(i)}`,
    subnet: `10.168.${i}.0/24`,
  }));
  return {
    size: containers,
    networks,
    containers: Array.from({ length: containers }, (_, i) => ({
      name: `${PREFIX}c${pad(i)}`,
      networks: [networks[i % networkCount].name, networks[(i + 1) % networkCount].name],
    })),
  };
}

// The Switchyard template (the document of src/templates/template.types.ts). The template's labels
// go on every network and container it creates.
export function templateDocument(name, topo) {
  return {
    name,
    description: `benchmark: ${topo.containers.length} containers on ${topo.networks.length} networks`,
    labels: BENCH_LABEL,
    networks: Object.fromEntries(
      topo.networks.map((n) => [n.name, { ipam: { config: [{ subnet: n.subnet }] } }]),
    ),
    containers: Object.fromEntries(
      topo.containers.map((c) => [
        c.name,
        {
          image: IMAGE,
          command: ['sleep', '3600'],
          networks: Object.fromEntries(c.networks.map((n) => [n, {}])),
        },
      ]),
    ),
  };
}

// The same topology as a compose file for docker-compose 1.29: container_name and the networks' `name`
// keep the engine names identical to the template's (no project prefix).
export function composeFile(topo) {
  return stringify({
    version: '2.4',
    services: Object.fromEntries(
      topo.containers.map((c) => [
        c.name,
        {
          image: IMAGE,
          container_name: c.name,
          command: ['sleep', '3600'],
          labels: BENCH_LABEL,
          networks: c.networks,
        },
      ]),
    ),
    networks: Object.fromEntries(
      topo.networks.map((n) => [
        n.name,
        { name: n.name, labels: BENCH_LABEL, ipam: { config: [{ subnet: n.subnet }] } },
      ]),
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// Raw engine calls.

function parse(res, what) {
  if (res.status >= 300) throw new Error(`${what}: engine answered ${res.status} ${res.body.slice(0, 300)}`);
  return res.body ? JSON.parse(res.body) : null;
}

// Set on Ctrl-C / SIGTERM: the raw calls take no further item, so that the sweep that follows does
// not race creates still being issued.
let interrupted = false;
export function interrupt() {
  interrupted = true;
}
export function throwIfInterrupted() {
  if (interrupted) throw new Error('interrupted');
}

// Runs fn over items with at most `limit` in flight (bounded: each worker takes the next item);
// `interruptible` pools stop taking items once interrupt() was called.
export async function pool(items, limit, fn, { interruptible = true } = {}) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (interruptible) throwIfInterrupted();
      await fn(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// The engine's API version; from 1.44 a container can join all its networks at create.
export async function engineApi() {
  const version = parse(await engineRequest('GET', '/version'), 'version');
  const [major, minor] = version.ApiVersion.split('.').map(Number);
  return {
    engine: version.Version,
    api: version.ApiVersion,
    multiNetworkCreate: major > 1 || minor >= 44,
  };
}

// A keep-alive agent sized to the pool, so that the ceiling does not pay for connection setup.
export function rawAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: RAW_POOL });
}

// The ceiling of an apply: the network creates, then per container its create (with every network on
// API >= 1.44, else the first one plus connects) and start, each stage in a pool of 16.
export async function rawApply(topo, api, agent) {
  const v = `/v${api.api}`;
  await pool(topo.networks, RAW_POOL, async (n) => {
    parse(
      await engineRequest(
        'POST',
        `${v}/networks/create`,
        { Name: n.name, Driver: 'bridge', Labels: BENCH_LABEL, IPAM: { Config: [{ Subnet: n.subnet }] } },
        agent,
      ),
      `create network ${n.name}`,
    );
  });
  await pool(topo.containers, RAW_POOL, async (c) => {
    const atCreate = api.multiNetworkCreate ? c.networks : c.networks.slice(0, 1);
    const created = parse(
      await engineRequest(
        'POST',
        `${v}/containers/create?name=${c.name}`,
        {
          Image: IMAGE,
          Cmd: ['sleep', '3600'],
          Labels: BENCH_LABEL,
          HostConfig: { NetworkMode: c.networks[0] },
          NetworkingConfig: { EndpointsConfig: Object.fromEntries(atCreate.map((n) => [n, {}])) },
        },
        agent,
      ),
      `create container ${c.name}`,
    );
    for (const network of c.networks.slice(atCreate.length)) {
      parse(
        await engineRequest('POST', `${v}/networks/${network}/connect`, { Container: created.Id }, agent),
        `connect ${c.name} to ${network}`,
      );
    }
    parse(
      await engineRequest('POST', `${v}/containers/${created.Id}/start`, undefined, agent),
      `start ${c.name}`,
    );
  });
}

// The ceiling of a destroy: the container removes (force: kill and remove in one call), then the
// network removes, each in a pool of 16.
export async function rawDestroy(topo, api, agent) {
  const v = `/v${api.api}`;
  await pool(topo.containers, RAW_POOL, async (c) => {
    parse(
      await engineRequest('DELETE', `${v}/containers/${c.name}?force=1`, undefined, agent),
      `remove ${c.name}`,
    );
  });
  await pool(topo.networks, RAW_POOL, async (n) => {
    parse(
      await engineRequest('DELETE', `${v}/networks/${n.name}`, undefined, agent),
      `remove network ${n.name}`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// State checks and the sweep.

async function benchContainers() {
  const all = parse(await engineRequest('GET', '/containers/json?all=1'), 'list containers');
  return all.filter(
    (c) => c.Names.some((n) => n.startsWith(`/${PREFIX}`)) || c.Labels?.['switchyard-bench'] === 'templates',
  );
}

async function benchNetworks() {
  const all = parse(await engineRequest('GET', '/networks'), 'list networks');
  return all.filter((n) => n.Name.startsWith(PREFIX) || n.Labels?.['switchyard-bench'] === 'templates');
}

// After an apply: every container of the topology runs, on exactly its two networks. Answers the
// container ids by name (to tell whether a re-apply replaced any).
export async function checkApplied(topo) {
  const live = new Map((await benchContainers()).map((c) => [c.Names[0].slice(1), c]));
  const problems = [];
  for (const c of topo.containers) {
    const found = live.get(c.name);
    if (!found) problems.push(`${c.name} missing`);
    else if (found.State !== 'running') problems.push(`${c.name} is ${found.State}`);
    else {
      const joined = Object.keys(found.NetworkSettings?.Networks ?? {}).sort();
      if (joined.join(',') !== [...c.networks].sort().join(','))
        problems.push(`${c.name} on ${joined.join(',')} instead of ${c.networks.join(',')}`);
    }
  }
  if (live.size !== topo.containers.length) problems.push(`${live.size} bench containers on the engine`);
  if (problems.length > 0)
    throw new Error(`the topology is not as declared: ${problems.slice(0, 5).join('; ')}`);
  return new Map([...live].map(([name, c]) => [name, c.Id]));
}

// After a destroy: nothing of the benchmark is left.
export async function checkGone() {
  const containers = await benchContainers();
  const networks = await benchNetworks();
  if (containers.length + networks.length > 0)
    throw new Error(`left behind: ${containers.length} containers, ${networks.length} networks`);
}

// Removes every container and network of the benchmark (by name prefix or label), whatever made it.
// A few passes, in case a create still in flight lands after the first listing.
export async function sweep() {
  let removed = 0;
  for (let pass = 0; pass < 5; pass++) {
    const containers = await benchContainers();
    await pool(containers, RAW_POOL, (c) => engineRequest('DELETE', `/containers/${c.Id}?force=1`), {
      interruptible: false,
    });
    const networks = await benchNetworks();
    await pool(networks, RAW_POOL, (n) => engineRequest('DELETE', `/networks/${n.Id}`), {
      interruptible: false,
    });
    removed += containers.length + networks.length;
    if (containers.length + networks.length === 0) return removed;
    await new Promise((r) => setTimeout(r, 500));
  }
  await checkGone();
  return removed;
}
