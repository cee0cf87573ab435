import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, execIn } from '../support/engine';
import { FEATURES } from '../support/engines';
import { runPrefix } from '../support/names';

// The walkthrough's promise, exactly: a chosen IPv4 address and MAC address on the first network
// at create, on a bridge and on a macvlan network, however the network is named (name, id, id
// prefix, a name that looks like an id), over REST and GraphQL, on every engine. The MACs are ones
// Docker never derives itself (its own are 02:42 followed by the IPv4 address), so finding one on
// the engine proves the chosen value was applied. Subnets of this file: 10.231.0.0/16.
const MACVLAN_PARENT = MACVLAN_PARENTS.seedMac;

type Ref = 'name' | 'id' | 'id prefix';
type Transport = 'REST' | 'GraphQL';

interface Case {
  transport: Transport;
  ref: Ref;
  mac: string;
  host: number;
}

// Each network gets the same shapes of case; the host part of the address and the MAC's last byte
// keep every case apart.
const CASES: Case[] = [
  { transport: 'REST', ref: 'name', mac: '02:aa:bb:cc:dd:01', host: 11 },
  { transport: 'GraphQL', ref: 'name', mac: '12:34:56:78:9a:bc', host: 12 },
  { transport: 'REST', ref: 'id', mac: '12:34:56:78:9a:03', host: 13 },
  { transport: 'GraphQL', ref: 'id', mac: '02:aa:bb:cc:dd:04', host: 14 },
  { transport: 'REST', ref: 'id prefix', mac: '0a:00:27:00:00:05', host: 15 },
  { transport: 'GraphQL', ref: 'id prefix', mac: '02:aa:bb:cc:dd:06', host: 16 },
];

describe('seed: chosen IP and MAC addresses at create', () => {
  const p = runPrefix('seedmac');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const createNetwork = async (body: Record<string, unknown>): Promise<string> =>
    (
      (
        await t.http
          .post('/api/v1/networks')
          .send({ labels: { [TEST_LABEL]: p }, ...body })
          .expect(201)
      ).body as { id: string }
    ).id;

  const run = async (transport: Transport, input: Record<string, unknown>) => {
    const full = { image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p }, ...input };
    if (transport === 'REST') {
      const res = await t.http.post('/api/v1/containers').send(full);
      const body = res.body as Record<string, unknown>;
      return { status: res.status, body: res.status >= 400 ? { ...body, message: body.detail } : body };
    }
    const res = await t.gql(
      `mutation($i: RunContainerInput!) { runContainer(input: $i) {
         name state networks { network ipv4Address macAddress } } }`,
      { i: full },
    );
    const error = res.body.errors?.[0];
    return error
      ? { status: 422, body: { code: error.extensions?.code, message: error.message } }
      : { status: 201, body: res.body.data.runContainer as Record<string, unknown> };
  };

  const engineHasContainer = async (name: string) =>
    (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${name}`));

  // What the engine and the container itself say about eth0 and the endpoint on `network`.
  const applied = async (container: string, network: string) => {
    const info = await docker.getContainer(container).inspect();
    const endpoint = info.NetworkSettings.Networks[network];
    const inside = await execIn(container, ['cat', '/sys/class/net/eth0/address']);
    const link = await execIn(container, ['ip', '-4', 'addr', 'show', 'eth0']);
    return {
      endpointMac: endpoint?.MacAddress,
      endpointIp: endpoint?.IPAddress,
      insideMac: inside.output.trim(),
      insideIp: /inet (\d+\.\d+\.\d+\.\d+)\//.exec(link.output)?.[1],
    };
  };

  describe.each([
    { kind: 'bridge', subnet: 3 },
    { kind: 'macvlan', subnet: 4 },
  ])('on a $kind network', ({ kind, subnet }) => {
    const network = `${p}${kind}`;
    let id = '';

    beforeAll(async () => {
      id = await createNetwork({
        name: network,
        ...(kind === 'macvlan' ? { driver: 'macvlan', options: { parent: MACVLAN_PARENT } } : {}),
        ipam: { config: [{ subnet: `10.231.${subnet}.0/24` }] },
      });
    });

    it.each(CASES)(
      '$transport, network given by $ref: exactly IP .$host and MAC $mac are applied',
      async ({ transport, ref, mac, host }) => {
        const reference = ref === 'name' ? network : ref === 'id' ? id : id.slice(0, 12);
        const name = `${p}${kind}-${host}`;
        const ip = `10.231.${subnet}.${host}`;
        const res = await run(transport, {
          name,
          networks: [{ network: reference, ipv4Address: ip, macAddress: mac }],
        });
        expect(res).toMatchObject({
          status: 201,
          body: { name, state: 'running', networks: [{ network, ipv4Address: ip, macAddress: mac }] },
        });
        expect(await applied(name, network)).toEqual({
          endpointMac: mac,
          endpointIp: ip,
          insideMac: mac,
          insideIp: ip,
        });
      },
    );
  });

  describe('a network whose name looks like an id', () => {
    // Hex only, like an id prefix; it carries the test label so a crashed run's copy is found.
    const hexName = `${Date.now().toString(16)}${process.pid.toString(16)}`.slice(0, 16);

    beforeAll(async () => {
      await createNetwork({ name: hexName, ipam: { config: [{ subnet: '10.231.5.0/24' }] } });
    });
    afterAll(async () => {
      await docker
        .getNetwork(hexName)
        .remove()
        .catch(() => undefined);
    });

    it.each<Transport>(['REST', 'GraphQL'])('%s: the MAC is applied on that network', async (transport) => {
      const name = `${p}hex-${transport}`;
      const mac = transport === 'REST' ? '02:aa:bb:cc:dd:21' : '02:aa:bb:cc:dd:22';
      const ip = transport === 'REST' ? '10.231.5.21' : '10.231.5.22';
      const res = await run(transport, {
        name,
        networks: [{ network: hexName, ipv4Address: ip, macAddress: mac }],
      });
      expect(res).toMatchObject({ status: 201, body: { networks: [{ network: hexName, macAddress: mac }] } });
      expect(await applied(name, hexName)).toEqual({
        endpointMac: mac,
        endpointIp: ip,
        insideMac: mac,
        insideIp: ip,
      });
    });
  });

  describe('a network named as another network id', () => {
    // Docker looks a reference up by full id before name, and before API 1.44 the name is the only
    // way to apply a MAC address at create: the chosen network must still be the one joined.
    let shadowName = '';
    let shadowId = '';

    beforeAll(async () => {
      shadowName = await createNetwork({
        name: `${p}target`,
        ipam: { config: [{ subnet: '10.231.7.0/24' }] },
      });
      // Straight on the engine: the name is an id, which the service itself may refuse.
      shadowId = (
        await docker.createNetwork({
          Name: shadowName,
          Labels: { [TEST_LABEL]: p, 'io.switchyard.managed': 'true' },
          IPAM: { Config: [{ Subnet: '10.231.8.0/24' }] },
        })
      ).id;
    });

    it.each<Transport>(['REST', 'GraphQL'])(
      '%s: lands on the chosen network with its MAC',
      async (transport) => {
        const name = `${p}shadow-${transport}`;
        const mac = transport === 'REST' ? '02:aa:bb:cc:dd:31' : '02:aa:bb:cc:dd:32';
        const ip = transport === 'REST' ? '10.231.8.31' : '10.231.8.32';
        const res = await run(transport, {
          name,
          networks: [{ network: shadowId, ipv4Address: ip, macAddress: mac }],
        });
        expect(res).toMatchObject({
          status: 201,
          body: { networks: [{ network: shadowName, macAddress: mac }] },
        });
        const info = await docker.getContainer(name).inspect();
        expect(
          Object.values(info.NetworkSettings.Networks).map((e) => [e.NetworkID, e.IPAddress, e.MacAddress]),
        ).toEqual([[shadowId, ip, mac]]);
      },
    );
  });

  describe('one of two networks with the same name (made straight on an engine before API 1.44)', () => {
    const shared = `${p}twin`;
    let ids: string[] = [];

    beforeAll(async () => {
      if (FEATURES.uniqueNetworkNames) return;
      for (const subnet of ['10.231.11.0/24', '10.231.12.0/24']) {
        const n = await docker.createNetwork({
          Name: shared,
          CheckDuplicate: false,
          Labels: { [TEST_LABEL]: p, 'io.switchyard.managed': 'true' },
          IPAM: { Config: [{ Subnet: subnet }] },
        });
        ids.push(n.id);
      }
    });

    it.each<{ transport: Transport; twin: number }>([
      { transport: 'REST', twin: 0 },
      { transport: 'GraphQL', twin: 1 },
    ])('$transport: the MAC lands on the twin chosen by id (#$twin)', async ({ transport, twin }) => {
      if (FEATURES.uniqueNetworkNames) return; // the engine itself never makes twins
      const name = `${p}twin-${transport}`;
      const mac = `02:aa:bb:cc:dd:6${twin}`;
      const res = await run(transport, { name, networks: [{ network: ids[twin], macAddress: mac }] });
      expect(res).toMatchObject({ status: 201, body: { networks: [{ network: shared, macAddress: mac }] } });
      const info = await docker.getContainer(name).inspect();
      expect(Object.values(info.NetworkSettings.Networks).map((e) => [e.NetworkID, e.MacAddress])).toEqual([
        [ids[twin], mac],
      ]);
    });
    afterAll(() => {
      ids = [];
    });
  });

  describe('where the engine cannot apply a MAC address', () => {
    beforeAll(async () => {
      await createNetwork({ name: `${p}one`, ipam: { config: [{ subnet: '10.231.9.0/24' }] } });
      await createNetwork({ name: `${p}two`, ipam: { config: [{ subnet: '10.231.10.0/24' }] } });
    });

    it.each<Transport>(['REST', 'GraphQL'])(
      '%s: a MAC on a later network at create is applied from API 1.44, refused before',
      async (transport) => {
        const name = `${p}later-${transport}`;
        const mac = transport === 'REST' ? '02:aa:bb:cc:dd:41' : '02:aa:bb:cc:dd:42';
        const ip = transport === 'REST' ? '10.231.10.41' : '10.231.10.42';
        const res = await run(transport, {
          name,
          networks: [{ network: `${p}one` }, { network: `${p}two`, ipv4Address: ip, macAddress: mac }],
        });
        if (FEATURES.perEndpointMacAtCreate) {
          expect(res.status).toBe(201);
          const info = await docker.getContainer(name).inspect();
          expect(info.NetworkSettings.Networks[`${p}two`]).toMatchObject({
            MacAddress: mac,
            IPAddress: ip,
          });
        } else {
          expect(res).toMatchObject({ status: 422, body: { code: 'UNSUPPORTED_BY_ENGINE' } });
          expect(res.body.message).toContain(`API ${FEATURES.apiVersion}`);
          expect(res.body.message).toMatch(/first/);
          expect(await engineHasContainer(name)).toBe(false);
        }
      },
    );

    it('a MAC on connect is applied from API 1.54, refused before (REST and GraphQL)', async () => {
      const name = `${p}conn`;
      expect((await run('REST', { name, networks: [{ network: `${p}one` }] })).status).toBe(201);
      const rest = await t.http
        .post(`/api/v1/networks/${p}two/connections`)
        .send({ container: name, macAddress: '02:aa:bb:cc:dd:51' });
      const gql = await t.gql(
        `mutation { connectContainer(network: "${p}two", input: { container: "${name}", macAddress: "02:aa:bb:cc:dd:52" }) { network } }`,
      );
      if (FEATURES.macAddressOnConnect) {
        expect(rest.status).toBe(200);
      } else {
        expect(rest.status).toBe(422);
        expect(rest.body).toMatchObject({ code: 'UNSUPPORTED_BY_ENGINE' });
        expect(rest.body.detail).toContain(`API ${FEATURES.apiVersion}`);
        expect(gql.body.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_BY_ENGINE');
        const info = await docker.getContainer(name).inspect();
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`${p}one`]);
      }
    });
  });
});
