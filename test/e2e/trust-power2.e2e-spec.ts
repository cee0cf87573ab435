import type request from 'supertest';
import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, execIn, inspectNetwork } from '../support/engine';
import { runPrefix } from '../support/names';
import { sleep, waitFor } from '../support/wait';

const engineHasContainer = async (name: string) =>
  (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${name}`));
const engineHasNetwork = async (name: string) => (await docker.listNetworks()).some((n) => n.Name === name);
const running = async (name: string) => (await docker.getContainer(name).inspect()).State.Running;
const networksOf = async (name: string) =>
  Object.keys((await docker.getContainer(name).inspect()).NetworkSettings.Networks).sort();

const restCode = (res: request.Response) => [res.status, res.body.code];
const restRule = (res: request.Response) => [res.status, res.body.code, res.body.context?.rule];
const gqlError = (res: request.Response) =>
  (res.body.errors ?? [])[0] as
    | { message: string; extensions: { code: string; status: number; context?: { rule?: string } } }
    | undefined;
const gqlCode = (res: request.Response) => [gqlError(res)?.extensions.status, gqlError(res)?.extensions.code];
const gqlRule = (res: request.Response) => [...gqlCode(res), gqlError(res)?.extensions.context?.rule];

// Power and bounded resources, second round: IPAM drivers and create claims, MAC addresses across
// scopes, and host-level resources that operators must not stop, remove or disconnect.
// Subnets of this file: 10.243.0.0/16.
describe('trust: power and bounded resources (2)', () => {
  const p = runPrefix('pow2');
  let t: TestApp;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    t = await startApp();
    for (const [name, role, scope] of [
      ['operator', 'operator', undefined],
      ['team-a', 'operator', { team: `a-${p}` }],
      ['team-b', 'operator', { team: `b-${p}` }],
    ] as const) {
      const res = await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}${name}`, role, ...(scope ? { scope } : {}) })
        .expect(201);
      keys[name] = (res.body as { key: string }).key;
    }
    const box = (name: string, extra: Record<string, unknown> = {}) =>
      t.http
        .post('/api/v1/containers')
        .send({
          name: `${p}${name}`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          ...extra,
          labels: { [TEST_LABEL]: p, ...((extra.labels as Record<string, string>) ?? {}) },
        })
        .expect(201);
    // Admin-made host-level resources, labelled into team a's scope.
    await t.http
      .post('/api/v1/networks')
      .send({
        name: `${p}mv`,
        driver: 'macvlan',
        options: { parent: MACVLAN_PARENTS.trustPower2 },
        ipam: { config: [{ subnet: '10.243.1.0/24' }] },
        labels: { [TEST_LABEL]: p, team: `a-${p}` },
      })
      .expect(201);
    await t.http
      .post('/api/v1/networks')
      .send({
        name: `${p}iv`,
        driver: 'ipvlan',
        options: { parent: MACVLAN_PARENTS.trustPower2 },
        ipam: { config: [{ subnet: '10.243.2.0/24' }] },
        labels: { [TEST_LABEL]: p, team: `a-${p}` },
      })
      .expect(201);
    await t.http
      .post('/api/v1/networks')
      .send({ name: `${p}a-br`, ipam: { config: [{ subnet: '10.243.3.0/24' }] }, labels: { team: `a-${p}` } })
      .expect(201);
    await box('hostbox', { networkMode: 'host' });
    await box('mvbox', { networks: [{ network: `${p}mv` }], labels: { team: `a-${p}` } });
    await box('b-box', { labels: { team: `b-${p}` } });
    await box('a-box', { networks: [{ network: `${p}a-br` }], labels: { team: `a-${p}` } });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  describe('network creates with a missing IPAM driver', () => {
    it('are refused at once with the drivers the engine has (REST and GraphQL)', async () => {
      const started = Date.now();
      const rest = await t
        .as(keys['team-a'])
        .post('/api/v1/networks')
        .send({ name: `${p}bog`, ipam: { driver: 'bogus', config: [{ subnet: '10.243.64.0/18' }] } });
      expect(restCode(rest)).toEqual([422, 'UNSUPPORTED_BY_ENGINE']);
      expect(rest.body.detail).toContain('bogus');
      expect(rest.body.detail).toContain('default');
      const gql = await t.gql(
        'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { name } }',
        { input: { name: `${p}bog2`, ipam: { driver: 'bogus', config: [{ subnet: '10.243.64.0/18' }] } } },
        keys['team-a'],
      );
      expect(gqlCode(gql)).toEqual([422, 'UNSUPPORTED_BY_ENGINE']);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await engineHasNetwork(`${p}bog`)).toBe(false);
      expect(await engineHasNetwork(`${p}bog2`)).toBe(false);
    }, 60_000);

    it("do not hold up another key's create of an overlapping subnet", async () => {
      const bad = t
        .as(keys['team-a'])
        .post('/api/v1/networks')
        .send({ name: `${p}bog3`, ipam: { driver: 'bogus', config: [{ subnet: '10.243.128.0/17' }] } })
        .then((res) => res);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      const other = await t
        .as(keys['team-b'])
        .post('/api/v1/networks')
        .send({ name: `${p}b-net`, ipam: { config: [{ subnet: '10.243.130.0/24' }] } });
      const took = Date.now() - started;
      expect(other.status).toBe(201);
      expect(took).toBeLessThan(3000);
      expect(restCode(await bad)).toEqual([422, 'UNSUPPORTED_BY_ENGINE']);
      expect((await inspectNetwork(`${p}b-net`)).IPAM?.Config?.[0]?.Subnet).toBe('10.243.130.0/24');
    }, 60_000);
  });

  describe('a chosen MAC address', () => {
    it('already used on the network is refused at run, without naming the holder (REST and GraphQL)', async () => {
      const mac = (await docker.getContainer(`${p}b-box`).inspect()).NetworkSettings.Networks.bridge
        .MacAddress;
      expect(mac).toMatch(/^[0-9a-f:]{17}$/);
      const rest = await t
        .as(keys['team-a'])
        .post('/api/v1/containers')
        .send({
          name: `${p}a-copy`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          networks: [{ network: 'bridge', macAddress: mac }],
        });
      expect(restCode(rest)).toEqual([409, 'ADDRESS_IN_USE']);
      expect(rest.body.detail).toContain('in use on this network');
      expect(JSON.stringify(rest.body)).not.toContain('b-box');
      const gql = await t.gql(
        'mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }',
        {
          i: {
            name: `${p}a-copy2`,
            image: TEST_IMAGE,
            command: ['sleep', '3600'],
            networks: [{ network: 'bridge', macAddress: mac.toUpperCase() }],
          },
        },
        keys['team-a'],
      );
      expect(gqlCode(gql)).toEqual([409, 'ADDRESS_IN_USE']);
      expect(JSON.stringify(gql.body)).not.toContain('b-box');
      expect(await engineHasContainer(`${p}a-copy`)).toBe(false);
      expect(await engineHasContainer(`${p}a-copy2`)).toBe(false);
      expect(
        (await docker.getContainer(`${p}b-box`).inspect()).NetworkSettings.Networks.bridge.MacAddress,
      ).toBe(mac);
    });

    it('already used on the network is refused at connect (REST and GraphQL)', async () => {
      const mac = (await docker.getContainer(`${p}b-box`).inspect()).NetworkSettings.Networks.bridge
        .MacAddress;
      const rest = await t
        .as(keys['team-a'])
        .post('/api/v1/networks/bridge/connections')
        .send({ container: `${p}a-box`, macAddress: mac });
      expect(restCode(rest)).toEqual([409, 'ADDRESS_IN_USE']);
      expect(JSON.stringify(rest.body)).not.toContain('b-box');
      const gql = await t.gql(
        `mutation { connectContainer(network: "bridge", input: { container: "${p}a-box", macAddress: "${mac}" }) { network } }`,
        undefined,
        keys['team-a'],
      );
      expect(gqlCode(gql)).toEqual([409, 'ADDRESS_IN_USE']);
      expect(await networksOf(`${p}a-box`)).toEqual([`${p}a-br`]);
    });
  });

  describe('an exec past its deadline', () => {
    // The processes in the container, one command line a line.
    const commandsIn = async (name: string) => (await execIn(name, ['ps', '-o', 'args'])).output;

    it('is ended in the container even when it dropped its environment (REST and GraphQL)', async () => {
      // Another client's command, started well before: it must survive.
      await execIn(`${p}a-box`, ['sh', '-c', 'sleep 313 >/dev/null 2>&1 &']);
      await sleep(2500); // older than any window the deadline kill considers
      const rest = await t
        .as(keys['team-a'])
        .post(`/api/v1/containers/${p}a-box/exec`)
        .send({ command: ['env', '-i', 'sleep', '301'], timeoutMs: 1000 })
        .expect(200);
      expect(rest.body.timedOut).toBe(true);
      const gql = await t
        .gql(
          `mutation { exec(ref: "${p}a-box", input: { command: ["env", "-i", "sleep", "302"], timeoutMs: 1000 }) { timedOut } }`,
          undefined,
          keys['team-a'],
        )
        .expect(200);
      expect(gql.body.data?.exec?.timedOut).toBe(true);
      await waitFor(async () => !/sleep 30[12]/.test(await commandsIn(`${p}a-box`)), {
        what: 'the timed-out commands to be gone from the container',
        timeoutMs: 10_000,
      });
      expect(await commandsIn(`${p}a-box`)).toContain('sleep 313');
    }, 60_000);
  });

  describe('host-level resources an admin made', () => {
    it('an operator cannot stop or remove a container on host networking or a macvlan network (REST and GraphQL)', async () => {
      const operator = t.as(keys.operator);
      const rest = [
        await operator.post(`/api/v1/containers/${p}hostbox/stop?timeout=0`),
        await operator.delete(`/api/v1/containers/${p}hostbox?force=true`),
        await operator.post(`/api/v1/containers/${p}mvbox/stop?timeout=0`),
        await operator.delete(`/api/v1/containers/${p}mvbox?force=true`),
      ];
      expect(rest.map(restRule)).toEqual([
        [403, 'POLICY_VIOLATION', 'host-network'],
        [403, 'POLICY_VIOLATION', 'host-network'],
        [403, 'POLICY_VIOLATION', 'parent-interface'],
        [403, 'POLICY_VIOLATION', 'parent-interface'],
      ]);
      const id = (await docker.getContainer(`${p}hostbox`).inspect()).Id;
      const gql = [
        await t.gql(
          `mutation { stopContainer(ref: "${id.slice(0, 12)}", timeout: 0) { state } }`,
          undefined,
          keys.operator,
        ),
        await t.gql(
          `mutation { removeContainer(ref: "${p}hostbox", force: true) }`,
          undefined,
          keys.operator,
        ),
        await t.gql(
          `mutation { stopContainer(ref: "${p}mvbox", timeout: 0) { state } }`,
          undefined,
          keys.operator,
        ),
        await t.gql(`mutation { removeContainer(ref: "${p}mvbox", force: true) }`, undefined, keys.operator),
      ];
      expect(gql.map(gqlRule)).toEqual([
        [403, 'POLICY_VIOLATION', 'host-network'],
        [403, 'POLICY_VIOLATION', 'host-network'],
        [403, 'POLICY_VIOLATION', 'parent-interface'],
        [403, 'POLICY_VIOLATION', 'parent-interface'],
      ]);
      expect(await running(`${p}hostbox`)).toBe(true);
      expect(await running(`${p}mvbox`)).toBe(true);
    });

    it('an operator cannot disconnect a container from a macvlan network (REST and GraphQL)', async () => {
      const rest = await t
        .as(keys.operator)
        .delete(`/api/v1/networks/${p}mv/connections/${p}mvbox?force=true`);
      expect(restRule(rest)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);
      const gql = await t.gql(
        `mutation { disconnectContainer(network: "${p}mv", container: "${p}mvbox", force: true) }`,
        undefined,
        keys['team-a'],
      );
      expect(gqlRule(gql)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);
      expect(await networksOf(`${p}mvbox`)).toEqual([`${p}mv`]);
    });

    it('a scoped operator cannot remove a macvlan or ipvlan network labelled into its scope (REST and GraphQL)', async () => {
      const rest = [
        await t.as(keys['team-a']).delete(`/api/v1/networks/${p}iv`),
        await t.as(keys['team-a']).delete(`/api/v1/networks/${p}mv`),
      ];
      expect(rest.map(restRule)).toEqual(rest.map(() => [403, 'POLICY_VIOLATION', 'parent-interface']));
      const id = (await inspectNetwork(`${p}iv`)).Id;
      const gql = await t.gql(
        `mutation { removeNetwork(ref: "${id.slice(0, 12)}") }`,
        undefined,
        keys['team-a'],
      );
      expect(gqlRule(gql)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);
      expect(await engineHasNetwork(`${p}iv`)).toBe(true);
      expect(await engineHasNetwork(`${p}mv`)).toBe(true);
    });

    it('pruning with an operator key skips macvlan and ipvlan networks (REST and GraphQL)', async () => {
      await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}unused`, labels: { [TEST_LABEL]: p, team: `a-${p}` } })
        .expect(201);
      const rest = await t
        .as(keys['team-a'])
        .post('/api/v1/networks/prune')
        .send({ labels: [`${TEST_LABEL}=${p}`] })
        .expect(200);
      expect(rest.body.removed).toContain(`${p}unused`);
      expect(rest.body.removed).not.toContain(`${p}iv`);
      const gql = await t
        .gql(
          `mutation { pruneNetworks(input: { labels: ["${TEST_LABEL}=${p}"] }) { removed } }`,
          undefined,
          keys.operator,
        )
        .expect(200);
      expect(gql.body.errors).toBeUndefined();
      expect(gql.body.data.pruneNetworks.removed).not.toContain(`${p}iv`);
      expect(await engineHasNetwork(`${p}unused`)).toBe(false);
      expect(await engineHasNetwork(`${p}iv`)).toBe(true);
    });
  });
});
