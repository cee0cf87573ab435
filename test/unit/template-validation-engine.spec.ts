import { AccessPolicy } from '../../src/auth/access-policy';
import type { ApiKeysService } from '../../src/auth/api-keys.service';
import type { Actor } from '../../src/auth/roles';
import { DomainError } from '../../src/common/errors/domain-error';
import { INSTANCE_LABEL, MANAGED_LABEL, TEMPLATE_LABEL } from '../../src/common/labels';
import { loadConfig } from '../../src/config/app-config';
import type { NetworkSpec } from '../../src/engine/engine.types';
import { InstanceIdentity } from '../../src/instance/instance-identity';
import type { TemplateProblem } from '../../src/templates/template.types';
import { TemplateValidator } from '../../src/templates/validation/template-validator';
import { BUSYBOX_IMAGE, hostNetworkOf, MemoryEngine } from '../support/memory-engine';

const BRIDGE_NAME = 'com.docker.network.bridge.name';

// The checks that need the engine and the caller's key, on the in-memory engine.

const IMAGE = BUSYBOX_IMAGE.ref;
const INSTANCE = 'instance-1';

const actor = (role: Actor['role'], scope: Record<string, string> = {}): Actor => ({
  keyId: `${role}-id`,
  name: `${role}-key`,
  role,
  scope,
});
const admin = actor('admin');
const operator = actor('operator');
const scoped = actor('operator', { team: 'a' });

function networkSpec(name: string, subnet: string, labels: Record<string, string> = {}): NetworkSpec {
  return {
    name,
    driver: 'bridge',
    internal: false,
    attachable: false,
    enableIPv6: false,
    ipam: { driver: 'default', config: [{ subnet }], options: {} },
    options: {},
    labels: { [MANAGED_LABEL]: 'true', ...labels },
  };
}

async function problemsOf(promise: Promise<unknown>): Promise<TemplateProblem[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('TEMPLATE_INVALID');
    return (error as DomainError).context?.problems as TemplateProblem[];
  }
  throw new Error('expected TEMPLATE_INVALID');
}

describe('TemplateValidator', () => {
  const engine = new MemoryEngine({ host: hostNetworkOf({ eth1: '10.162.250.2/24', 'sy-mv9': null }) });
  const keys = {
    scopeLabelKeys: () => Promise.resolve(new Set(['team', 'tenant'])),
  } as unknown as ApiKeysService;
  const validator = (overrides: Record<string, string> = {}) =>
    new TemplateValidator(
      engine,
      new AccessPolicy(),
      keys,
      loadConfig({}, overrides),
      new InstanceIdentity(INSTANCE),
    );

  const template = () => ({
    name: 'lab',
    networks: { front: { ipam: { config: [{ subnet: '10.162.1.0/24' }] } } },
    containers: {
      web: { image: IMAGE, networks: { front: { ipv4Address: '10.162.1.10' } } },
      db: { image: IMAGE, networks: { front: {} } },
    },
    expectations: [{ from: 'web', to: 'db', reachable: true }],
  });

  beforeAll(async () => {
    await engine.createNetwork(networkSpec('theirs', '10.162.10.0/24', { team: 'b' }));
    await engine.createNetwork(networkSpec('ours', '10.162.11.0/24', { team: 'a' }));
    await engine.createNetwork(
      networkSpec('lab_front', '10.162.12.0/24', { [TEMPLATE_LABEL]: 'lab', [INSTANCE_LABEL]: INSTANCE }),
    );
    await engine.createNetwork(
      networkSpec('other_front', '10.162.13.0/24', { [TEMPLATE_LABEL]: 'lab', [INSTANCE_LABEL]: 'another' }),
    );
  });

  it('answers the document to store, named, with one engine list and one image inspect', async () => {
    engine.clearCalls();
    const { name: _name, ...unnamed } = template();
    const stored = await validator().validate(unnamed, admin, { name: 'lab' });
    expect(stored).toEqual({ name: 'lab', ...unnamed });
    expect(engine.callsOf('listNetworks')).toHaveLength(1);
    expect(engine.callsOf('inspectImage')).toEqual([[IMAGE]]);
  });

  it("merges a scoped key's scope into the top-level labels", async () => {
    expect((await validator().validate(template(), scoped)).labels).toEqual({ team: 'a' });
    const labelled = { ...template(), labels: { team: 'a', role: 'lab' } };
    expect((await validator().validate(labelled, scoped)).labels).toEqual({ team: 'a', role: 'lab' });
    // Unscoped keys store the labels as given.
    expect((await validator().validate(template(), operator)).labels).toBeUndefined();
  });

  it('refuses labels a scoped key may not set, wherever they are', async () => {
    const raw = {
      ...template(),
      labels: { team: 'b' },
      networks: { front: { labels: { tenant: 'x' }, ipam: { config: [{ subnet: '10.162.1.0/24' }] } } },
    };
    (raw.containers.db as Record<string, unknown>).labels = { team: 'a', fine: 'yes' };
    const problems = await problemsOf(validator().validate(raw, scoped));
    expect(problems.map((p) => p.path)).toEqual(['$.labels.team', '$.networks.front.labels.tenant']);
    expect(problems[0].message).toMatch(/The label team must be "a" for the key "operator-key"/);
    expect(problems[1].message).toMatch(/The label tenant scopes other API keys/);
  });

  it('tells images missing on the engine and off the allowlist, at every container using them', async () => {
    const raw = template();
    raw.containers.web.image = 'missing/image:1';
    (raw.containers as Record<string, unknown>).cache = { image: 'missing/image:1' };
    const problems = await problemsOf(validator({ IMAGE_ALLOWLIST: 'switchyard/**' }).validate(raw, admin));
    expect(problems.map((p) => p.path)).toEqual([
      '$.containers.web.image',
      '$.containers.cache.image',
      '$.containers.web.image',
      '$.containers.cache.image',
    ]);
    expect(problems[0].message).toMatch(/policy rule "image-allowlist"/);
    expect(problems[2].message).toMatch(/is not on the engine, and Switchyard never pulls images/);
  });

  it('tells overlaps with live networks it does not own, naming only those the key may see', async () => {
    const raw = {
      name: 'lab',
      networks: {
        a: { ipam: { config: [{ subnet: '10.162.10.0/25' }] } },
        b: { ipam: { config: [{ subnet: '10.162.11.0/24' }] } },
        c: { ipam: { config: [{ subnet: '10.162.12.0/24' }] } },
        d: { ipam: { config: [{ subnet: '10.162.13.0/24' }] } },
        e: { ipam: { config: [{ subnet: '10.162.250.0/24' }] } },
        f: {
          driver: 'macvlan',
          options: { parent: 'sy-mv9' },
          ipam: { config: [{ subnet: '10.162.250.0/25' }] },
        },
      },
    };
    const forScoped = await problemsOf(validator().validate(raw, scoped));
    expect(forScoped.filter((p) => /overlaps/.test(p.message) && !/network-pools/.test(p.message))).toEqual([
      // Between the template's own networks (checked before the engine).
      {
        path: '$.networks.f.ipam.config[0].subnet',
        message:
          '10.162.250.0/25 overlaps 10.162.250.0/24 of network "e" ($.networks.e.ipam.config[0].subnet)',
      },
      {
        path: '$.networks.a.ipam.config[0].subnet',
        message:
          '10.162.10.0/25 overlaps the subnet of a network outside your scope on the engine; choose a free subnet',
      },
      {
        path: '$.networks.b.ipam.config[0].subnet',
        message:
          '10.162.11.0/24 overlaps 10.162.11.0/24 of the network "ours" on the engine; choose a free subnet',
      },
      // c overlaps the network this template owns (apply replaces it): no problem. d overlaps one
      // of a template of that name made by another instance: not this template's.
      {
        path: '$.networks.d.ipam.config[0].subnet',
        message:
          '10.162.13.0/24 overlaps the subnet of a network outside your scope on the engine; choose a free subnet',
      },
      {
        path: '$.networks.e.ipam.config[0].subnet',
        message:
          '10.162.250.0/24 overlaps 10.162.250.0/24 of the host interface eth1; a bridge there would shadow the host network. Choose another subnet',
      },
    ]);
    // The operator key may not make the macvlan network, nor take a range on the host's LAN.
    expect(forScoped.filter((p) => !/overlaps/.test(p.message) || /network-pools/.test(p.message))).toEqual([
      {
        path: '$.networks.f.driver',
        message:
          'A macvlan network (it attaches to a host interface) needs an admin key (policy rule "parent-interface"); the key "operator-key" is an operator key',
      },
      {
        path: '$.networks.f.ipam.config[0].subnet',
        message: expect.stringMatching(
          /host interface eth1: only an admin key may .*"network-pools"/,
        ) as string,
      },
    ]);
    const forAdmin = await problemsOf(validator().validate(raw, admin));
    expect(forAdmin.find((p) => p.path === '$.networks.a.ipam.config[0].subnet')?.message).toMatch(
      /of the network "theirs"/,
    );
    expect(forAdmin.find((p) => p.path === '$.networks.d.ipam.config[0].subnet')?.message).toMatch(
      /of the network "other_front"/,
    );
    expect(forAdmin.some((p) => p.path === '$.networks.f.driver')).toBe(false);
  });

  it('tells bridge names and parents taken by live networks, naming only those the key may see, and each overlap once', async () => {
    // A host whose interfaces include the bridges of live networks (a chosen name and Docker's
    // br-<id>), as a real host's do.
    const bridged = new MemoryEngine({ host: hostNetworkOf({ eth1: '10.162.250.2/24', 'sy-mv9': null }) });
    const withOptions = (spec: NetworkSpec, options: Record<string, string>, driver = 'bridge') => ({
      ...spec,
      driver,
      options,
    });
    await bridged.createNetwork(
      withOptions(networkSpec('theirs', '10.162.20.0/24', { team: 'b' }), { [BRIDGE_NAME]: 'sy-theirs' }),
    );
    await bridged.createNetwork(
      withOptions(networkSpec('ours', '10.162.21.0/24', { team: 'a' }), { [BRIDGE_NAME]: 'sy-ours' }),
    );
    const plainId = await bridged.createNetwork(networkSpec('plain', '10.162.22.0/24', { team: 'a' }));
    await bridged.createNetwork(
      withOptions(networkSpec('mv', '10.162.23.0/24', { team: 'b' }), { parent: 'sy-mv9' }, 'macvlan'),
    );
    const plainBridge = `br-${plainId.slice(0, 12)}`;
    const host = hostNetworkOf({
      eth1: '10.162.250.2/24',
      'sy-mv9': null,
      'sy-theirs': '10.162.20.1/24',
      'sy-ours': '10.162.21.1/24',
      [plainBridge]: '10.162.22.1/24',
      'sy-free': null,
    });
    jest.spyOn(bridged, 'hostNetwork').mockReturnValue(host);
    const validate = (raw: unknown, who: Actor) =>
      new TemplateValidator(
        bridged,
        new AccessPolicy(),
        keys,
        loadConfig({}, {}),
        new InstanceIdentity(INSTANCE),
      ).validate(raw, who);
    const raw = {
      name: 'lab',
      networks: {
        a: { options: { [BRIDGE_NAME]: 'sy-theirs' } },
        b: { options: { [BRIDGE_NAME]: 'sy-ours' }, ipam: { config: [{ subnet: '10.162.21.0/24' }] } },
        c: { options: { [BRIDGE_NAME]: plainBridge } },
        d: { options: { [BRIDGE_NAME]: 'sy-free' } },
        e: { options: { [BRIDGE_NAME]: 'sy-free' } },
        f: { driver: 'macvlan', options: { parent: 'sy-mv9' } },
        g: { driver: 'macvlan', options: { parent: 'sy-mv9' } },
      },
    };
    const forScoped = (await problemsOf(validate(raw, { ...admin, scope: { team: 'a' } }))).filter(
      (p) => !/io\.switchyard|label/.test(p.message),
    );
    expect(forScoped).toEqual([
      {
        path: '$.networks.e.options["com.docker.network.bridge.name"]',
        message: 'the bridge interface "sy-free" is also network "d"\'s; choose another name',
      },
      {
        path: '$.networks.g.options.parent',
        message: expect.stringMatching(
          /^the interface "sy-mv9" is already the parent of the macvlan network "f"; Docker allows one macvlan network per parent/,
        ) as string,
      },
      // Once, against the network (its bridge is a host interface too, and not told again).
      {
        path: '$.networks.b.ipam.config[0].subnet',
        message:
          '10.162.21.0/24 overlaps 10.162.21.0/24 of the network "ours" on the engine; choose a free subnet',
      },
      {
        path: '$.networks.a.options["com.docker.network.bridge.name"]',
        message:
          'the bridge interface "sy-theirs" belongs to a network outside your scope; choose another name',
      },
      {
        path: '$.networks.b.options["com.docker.network.bridge.name"]',
        message: 'the bridge interface "sy-ours" belongs to the network "ours"; choose another name',
      },
      {
        path: '$.networks.c.options["com.docker.network.bridge.name"]',
        message: `the bridge interface "${plainBridge}" belongs to the network "plain"; choose another name`,
      },
      {
        path: '$.networks.d.options["com.docker.network.bridge.name"]',
        message: 'an interface named "sy-free" already exists on the host; choose another bridge name',
      },
      {
        path: '$.networks.e.options["com.docker.network.bridge.name"]',
        message: 'an interface named "sy-free" already exists on the host; choose another bridge name',
      },
      {
        path: '$.networks.f.options.parent',
        message: expect.stringMatching(
          /^the interface "sy-mv9" is already the parent of a network outside your scope \(macvlan\); Docker allows one macvlan network per parent/,
        ) as string,
      },
      {
        path: '$.networks.g.options.parent',
        message: expect.stringMatching(
          /^the interface "sy-mv9" is already the parent of a network outside your scope/,
        ) as string,
      },
    ]);
    // An unscoped key sees the names.
    const forAdmin = await problemsOf(validate(raw, admin));
    expect(
      forAdmin.find((p) => p.path === '$.networks.a.options["com.docker.network.bridge.name"]')?.message,
    ).toBe('the bridge interface "sy-theirs" belongs to the network "theirs"; choose another name');
  });

  it('keeps the host network and ranges outside the pools for admin keys', async () => {
    const raw = {
      name: 'lab',
      networks: { wide: { ipam: { config: [{ subnet: '100.64.0.0/16' }] } } },
      containers: { probe: { image: IMAGE, networkMode: 'host' } },
    };
    const problems = await problemsOf(validator().validate(raw, operator));
    expect(problems).toEqual([
      {
        path: '$.networks.wide.ipam.config[0].subnet',
        message: expect.stringMatching(
          /^100\.64\.0\.0\/16 is outside NETWORK_POOLS .*policy rule "network-pools"/,
        ) as string,
      },
      {
        path: '$.containers.probe.networkMode',
        message:
          'A container on the host network (it shares the host\'s network stack) needs an admin key (policy rule "host-network"); the key "operator-key" is an operator key',
      },
    ]);
    await expect(validator().validate(raw, admin)).resolves.toMatchObject({ name: 'lab' });
  });

  it('tells a MAC on a later network to an engine before API 1.44', async () => {
    const raw = template();
    raw.networks = {
      front: { ipam: { config: [{ subnet: '10.162.1.0/24' }] } },
      back: { ipam: { config: [{ subnet: '10.162.2.0/24' }] } },
    } as never;
    raw.containers.web.networks = { front: {}, back: { macAddress: '02:5e:00:00:00:01' } } as never;
    await expect(validator().validate(raw, admin)).resolves.toBeDefined();
    engine.setApiVersion('1.41');
    try {
      const problems = await problemsOf(validator().validate(raw, admin));
      expect(problems).toEqual([
        {
          path: '$.containers.web.networks.back.macAddress',
          message: expect.stringMatching(
            /^this engine \(API 1\.41\) applies a chosen MAC address only on a container's first network/,
          ) as string,
        },
      ]);
    } finally {
      engine.setApiVersion('1.45');
    }
  });

  it('tells shape, engine and policy problems together', async () => {
    const raw = {
      ...template(),
      colour: 'red',
      networks: { front: { driver: 'ipvlan', ipam: { config: [{ subnet: '10.162.10.0/24' }] } } },
    };
    raw.containers.web.image = 'missing/image:1';
    const problems = await problemsOf(validator().validate(raw, operator));
    expect(problems.map((p) => p.path)).toEqual([
      '$.colour',
      '$.containers.web.networks.front.ipv4Address',
      '$.containers.web.image',
      '$.networks.front.ipam.config[0].subnet',
      '$.networks.front.driver',
    ]);
  });
});
