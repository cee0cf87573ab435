import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_LABEL } from '../support/constants';
import {
  cleanupEngine,
  containerEndpoint,
  docker,
  findNetworks,
  inspectNetwork,
  runContainer,
} from '../support/engine';
import { FEATURES } from '../support/engines';
import { runPrefix } from '../support/names';

const NETWORK_FIELDS = `
  id name driver scope internal attachable ingress enableIPv6 builtIn createdAt labels options
  ipam { driver options config { subnet gateway ipRange auxAddresses } }
  containers { id name ipv4Address ipv6Address macAddress aliases }
`;

// Subnets of this file: 10.202.0.0/16.
const MACVLAN_PARENT = MACVLAN_PARENTS.networksGraphql;

describe('networks over GraphQL, against the real engine', () => {
  const p = runPrefix('netgql');
  let t: TestApp;

  // A network the tests list, inspect and clash with, and never change.
  beforeAll(async () => {
    t = await startApp();
    await t.http
      .post('/api/v1/networks')
      .send({
        name: `${p}fix`,
        ipam: { config: [{ subnet: '10.202.2.0/24' }] },
        labels: { tier: `${p}fix`, [TEST_LABEL]: '1' },
      })
      .expect(201);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const createNetwork = (input: Record<string, unknown>) =>
    t.gql(`mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { ${NETWORK_FIELDS} } }`, {
      input,
    });
  const codeOf = (res: { body: { errors?: Array<{ extensions: { code: string } }> } }) =>
    res.body.errors?.[0]?.extensions.code;

  it('creates a network with the same fields as REST, verified on the engine', async () => {
    const res = await createNetwork({
      name: `${p}web`,
      ipam: {
        config: [
          { subnet: '10.202.1.0/24', gateway: '10.202.1.1', auxAddresses: { router: '10.202.1.254' } },
        ],
      },
      labels: { tier: `${p}web`, [TEST_LABEL]: '1' },
      options: { 'com.docker.network.driver.mtu': '1450' },
    }).expect(200);
    expect(res.body.errors).toBeUndefined();
    const net = res.body.data.createNetwork;
    expect(net).toMatchObject({
      name: `${p}web`,
      driver: 'bridge',
      builtIn: false,
      labels: { tier: `${p}web`, 'io.switchyard.managed': 'true' },
      ipam: {
        driver: 'default',
        config: [
          {
            subnet: '10.202.1.0/24',
            gateway: '10.202.1.1',
            ipRange: null,
            auxAddresses: { router: '10.202.1.254' },
          },
        ],
      },
      containers: [],
    });
    const engine = await inspectNetwork(`${p}web`);
    expect(engine.Id).toBe(net.id);
    expect(engine.Options).toMatchObject({ 'com.docker.network.driver.mtu': '1450' });

    // REST and GraphQL describe the network identically.
    const rest = await t.http.get(`/api/v1/networks/${net.id}`).expect(200);
    expect(rest.body).toEqual(net);
  });

  it('lists with a filter and inspects by reference', async () => {
    const list = await t
      .gql(`query($f: NetworkFilterInput) { networks(filter: $f) { name labels } }`, {
        f: { label: [`tier=${p}fix`], driver: 'bridge' },
      })
      .expect(200);
    expect(list.body.data.networks).toEqual([
      { name: `${p}fix`, labels: expect.objectContaining({ tier: `${p}fix` }) },
    ]);
    const one = await t.gql(`{ network(ref: "${p}fix") { name ipam { config { subnet } } } }`).expect(200);
    expect(one.body.data.network).toEqual({
      name: `${p}fix`,
      ipam: { config: [{ subnet: '10.202.2.0/24' }] },
    });
    const builtIns = await t.gql(`{ networks { name builtIn } }`).expect(200);
    expect(builtIns.body.data.networks).toEqual(
      expect.arrayContaining([
        { name: 'bridge', builtIn: true },
        { name: 'none', builtIn: true },
      ]),
    );
  });

  it('connects and disconnects a container', async () => {
    const net = await createNetwork({
      name: `${p}conn`,
      ipam: { config: [{ subnet: '10.202.3.0/24' }] },
    }).expect(200);
    expect(net.body.errors).toBeUndefined();
    await runContainer(`${p}c1`);
    const conn = await t
      .gql(
        `mutation($input: ConnectContainerInput!) { connectContainer(network: "${p}conn", input: $input) { network container ipv4Address aliases } }`,
        { input: { container: `${p}c1`, ipv4Address: '10.202.3.20', aliases: ['www'] } },
      )
      .expect(200);
    expect(conn.body.errors).toBeUndefined();
    expect(conn.body.data.connectContainer).toMatchObject({
      network: `${p}conn`,
      container: `${p}c1`,
      ipv4Address: '10.202.3.20',
    });
    const endpoint = await containerEndpoint(`${p}c1`, `${p}conn`);
    expect(endpoint?.IPAddress).toBe('10.202.3.20');
    expect(endpoint?.Aliases).toContain('www');

    const withContainers = await t
      .gql(`{ network(ref: "${p}conn") { containers { name ipv4Address aliases } } }`)
      .expect(200);
    expect(withContainers.body.data.network.containers).toEqual([
      { name: `${p}c1`, ipv4Address: '10.202.3.20', aliases: expect.arrayContaining(['www']) },
    ]);

    const inUse = await t.gql(`mutation { removeNetwork(ref: "${p}conn") }`).expect(200);
    expect(codeOf(inUse)).toBe('NETWORK_IN_USE');
    expect(inUse.body.errors[0].extensions.context.containers).toEqual([`${p}c1`]);
    expect(await findNetworks(`${p}conn`)).toHaveLength(1);

    const off = await t
      .gql(`mutation { disconnectContainer(network: "${p}conn", container: "${p}c1") }`)
      .expect(200);
    expect(off.body.data.disconnectContainer).toBe(true);
    expect(await containerEndpoint(`${p}c1`, `${p}conn`)).toBeNull();
    const again = await t
      .gql(`mutation { disconnectContainer(network: "${p}conn", container: "${p}c1") }`)
      .expect(200);
    expect(codeOf(again)).toBe('CONNECTION_NOT_FOUND');
  });

  it('answers every network error with the same code as REST', async () => {
    const invalid = await createNetwork({ name: 'a/../x' }).expect(200);
    expect(codeOf(invalid)).toBe('VALIDATION_FAILED');
    expect(invalid.body.errors[0].extensions.errors[0].field).toBe('name');

    const badIpam = await createNetwork({
      name: `${p}bad`,
      ipam: { config: [{ subnet: '10.202.9.0/24', gateway: '10.202.8.1' }] },
    }).expect(200);
    expect(codeOf(badIpam)).toBe('VALIDATION_FAILED');
    expect(badIpam.body.errors[0].extensions.errors[0].field).toBe('ipam.config.0.gateway');

    const wrongType = await t.gql(
      `mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { id } }`,
      { input: { name: 5 } },
    );
    expect(codeOf(wrongType)).toBe('VALIDATION_FAILED');

    const taken = await createNetwork({ name: `${p}fix` }).expect(200);
    expect(codeOf(taken)).toBe('NETWORK_NAME_TAKEN');

    const overlap = await createNetwork({
      name: `${p}ovl`,
      ipam: { config: [{ subnet: '10.202.2.128/25' }] },
    }).expect(200);
    expect(codeOf(overlap)).toBe('SUBNET_OVERLAP');
    expect(overlap.body.errors[0].message).toContain(`${p}fix`);

    const missing = await t.gql(`{ network(ref: "${p}missing") { id } }`).expect(200);
    expect(codeOf(missing)).toBe('NETWORK_NOT_FOUND');

    const builtin = await t.gql(`mutation { removeNetwork(ref: "bridge") }`).expect(200);
    expect(codeOf(builtin)).toBe('BUILTIN_NETWORK');

    const ghostParent = await createNetwork({
      name: `${p}mvx`,
      driver: 'macvlan',
      options: { parent: 'syghost1' },
      ipam: { config: [{ subnet: '10.202.5.0/24' }] },
    }).expect(200);
    expect(codeOf(ghostParent)).toBe('PARENT_INTERFACE_NOT_FOUND');

    const noDriver = await createNetwork({ name: `${p}nodrv`, driver: 'sy-missing-driver' }).expect(200);
    expect(codeOf(noDriver)).toBe('UNSUPPORTED_BY_ENGINE');

    for (const name of [`${p}bad`, `${p}ovl`, `${p}mvx`, `${p}nodrv`])
      expect(await findNetworks(name)).toEqual([]);
  });

  // A MAC address Docker never derives itself (its own are 02:42 followed by the IPv4 address).
  const mac = '02:5e:0a:ca:02:63';
  const connectWithMac = (network: string, container: string) =>
    t.gql(
      `mutation($input: ConnectContainerInput!) { connectContainer(network: "${network}", input: $input) { container macAddress } }`,
      { input: { container, macAddress: mac } },
    );
  if (FEATURES.macAddressOnConnect) {
    it('connects with a chosen MAC address, verified on the engine', async () => {
      const net = await createNetwork({
        name: `${p}mac`,
        ipam: { config: [{ subnet: '10.202.4.0/24' }] },
      }).expect(200);
      expect(net.body.errors).toBeUndefined();
      await runContainer(`${p}c3`);
      const res = await connectWithMac(`${p}mac`, `${p}c3`).expect(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.connectContainer).toEqual({ container: `${p}c3`, macAddress: mac });
      expect((await containerEndpoint(`${p}c3`, `${p}mac`))?.MacAddress).toBe(mac);
    });
  } else {
    it('answers UNSUPPORTED_BY_ENGINE for a MAC address on connect, which this engine ignores, and connects nothing', async () => {
      await runContainer(`${p}c2`);
      const res = await connectWithMac(`${p}fix`, `${p}c2`).expect(200);
      expect(codeOf(res)).toBe('UNSUPPORTED_BY_ENGINE');
      expect(await containerEndpoint(`${p}c2`, `${p}fix`)).toBeNull();
    });
  }

  it('answers AMBIGUOUS_REFERENCE', async () => {
    const first = await docker.createNetwork({ Name: `${p}dup`, Labels: { [TEST_LABEL]: '1' } });
    // A network whose name is the other one's id prefix: works on every engine version.
    await docker.createNetwork({ Name: first.id.slice(0, 12), Labels: { [TEST_LABEL]: p } });
    const res = await t.gql(`{ network(ref: "${first.id.slice(0, 12)}") { id } }`).expect(200);
    expect(codeOf(res)).toBe('AMBIGUOUS_REFERENCE');
  });

  it('creates overlay and macvlan networks', async () => {
    const overlay = await createNetwork({
      name: `${p}ovl2`,
      driver: 'overlay',
      attachable: true,
      ipam: { config: [{ subnet: '10.202.20.0/24' }] },
    }).expect(200);
    expect(overlay.body.data.createNetwork).toMatchObject({
      driver: 'overlay',
      scope: 'swarm',
      attachable: true,
    });
    const macvlan = await createNetwork({
      name: `${p}mv2`,
      driver: 'macvlan',
      options: { parent: MACVLAN_PARENT },
      ipam: { config: [{ subnet: '10.202.21.0/24' }] },
    }).expect(200);
    expect(macvlan.body.data.createNetwork).toMatchObject({
      driver: 'macvlan',
      options: expect.objectContaining({ parent: MACVLAN_PARENT }),
    });
    expect((await inspectNetwork(`${p}ovl2`)).Driver).toBe('overlay');
    expect((await inspectNetwork(`${p}mv2`)).Driver).toBe('macvlan');
  });

  it('removes and prunes', async () => {
    await createNetwork({ name: `${p}gone` }).expect(200);
    const removed = await t.gql(`mutation { removeNetwork(ref: "${p}gone") }`).expect(200);
    expect(removed.body.data.removeNetwork).toBe(true);
    expect(await findNetworks(`${p}gone`)).toEqual([]);

    await createNetwork({ name: `${p}unused`, labels: { prunegql: p } }).expect(200);
    const pruned = await t
      .gql(`mutation($i: PruneNetworksInput) { pruneNetworks(input: $i) { removed } }`, {
        i: { labels: [`prunegql=${p}`] },
      })
      .expect(200);
    expect(pruned.body.data.pruneNetworks.removed).toEqual([`${p}unused`]);
    expect(await findNetworks(`${p}unused`)).toEqual([]);
  });
});
