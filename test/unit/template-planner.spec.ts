import {
  HASH_LABEL,
  INSTANCE_LABEL,
  MANAGED_LABEL,
  REVISION_LABEL,
  TEMPLATE_LABEL,
} from '../../src/common/labels';
import type { ContainerInfo, NetworkInfo } from '../../src/engine/engine.types';
import { desiredState } from '../../src/templates/planning/desired-state';
import {
  planDestroy,
  planTemplate,
  templateDrift,
  type LiveState,
  type PlanContext,
} from '../../src/templates/planning/planner';
import type { DesiredState, Plan, TemplateDocument } from '../../src/templates/template.types';
import { EngineSim } from './template-planner/engine-sim';

const INSTANCE = 'inst-1';
const context: PlanContext = { instanceId: INSTANCE };

function lab(): TemplateDocument {
  return {
    name: 'lab',
    labels: { team: 'net' },
    networks: {
      front: { ipam: { config: [{ subnet: '10.77.1.0/24' }] } },
      back: { internal: true },
    },
    containers: {
      web: {
        image: 'busybox:test',
        command: ['sleep', '3600'],
        networks: { front: { ipv4Address: '10.77.1.10', aliases: ['www'] }, back: {} },
      },
      db: { image: 'busybox:test', networks: { back: { macAddress: '02:00:00:00:00:01' } } },
    },
    expectations: [{ from: 'web', to: 'db', reachable: true }],
  };
}

function summary(plan: Plan): string[] {
  return plan.actions.map((a) => `${a.action} ${a.kind} ${a.name}`);
}

// Deploys `document` on an empty simulated engine.
function deployed(
  document: TemplateDocument,
  revision = 1,
  sim = new EngineSim(),
): { desired: DesiredState; live: LiveState } {
  const desired = desiredState(document, revision, INSTANCE);
  const empty: LiveState = { networks: [], containers: [] };
  const live = sim.apply(desired, planTemplate(desired, empty, context), empty);
  return { desired, live };
}

function foreignNetwork(name: string, labels: Record<string, string> = {}): NetworkInfo {
  return {
    id: `f${name.padEnd(63, '0')}`,
    name,
    driver: 'bridge',
    scope: 'local',
    internal: false,
    attachable: false,
    ingress: false,
    configOnly: false,
    enableIPv6: false,
    ipam: { driver: 'default', config: [{ subnet: '172.31.9.0/24', gateway: '172.31.9.1' }], options: {} },
    options: {},
    labels,
    createdAt: null,
  };
}

function containerOf(live: LiveState, name: string): ContainerInfo {
  const found = live.containers.find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

function replaceContainer(
  live: LiveState,
  name: string,
  edit: (c: ContainerInfo) => ContainerInfo,
): LiveState {
  return {
    ...live,
    containers: live.containers.map((c) => (c.name === name ? edit(structuredClone(c)) : c)),
  };
}

describe('desiredState', () => {
  it('fills defaults and labels the resources in engine terms', () => {
    const desired = desiredState(lab(), 3, INSTANCE);
    expect(desired.template).toBe('lab');
    expect(desired.revision).toBe(3);
    expect(desired.networks.map((n) => n.name)).toEqual(['front', 'back']);
    const back = desired.networks[1].spec;
    expect(back).toEqual({
      name: 'back',
      driver: 'bridge',
      internal: true,
      attachable: false,
      enableIPv6: false,
      ipam: { driver: 'default', config: [], options: {} },
      options: {},
      labels: { team: 'net', [MANAGED_LABEL]: 'true', [INSTANCE_LABEL]: INSTANCE, [TEMPLATE_LABEL]: 'lab' },
    });
    const db = desired.containers[1].spec;
    expect(db).toEqual({
      image: 'busybox:test',
      command: null,
      entrypoint: null,
      env: {},
      labels: { team: 'net', [MANAGED_LABEL]: 'true', [INSTANCE_LABEL]: INSTANCE, [TEMPLATE_LABEL]: 'lab' },
      hostname: null,
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      networkMode: null,
      networks: [
        {
          network: 'back',
          ipv4Address: null,
          ipv6Address: null,
          macAddress: '02:00:00:00:00:01',
          aliases: [],
        },
      ],
      start: true,
    });
    expect(desired.expectations).toEqual([{ from: 'web', to: 'db', reachable: true }]);
    expect(desired.networks[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes alike whatever the key order, spelled-out defaults and address spellings', () => {
    const plain = desiredState(
      {
        name: 't',
        networks: { n: { enableIPv6: true, ipam: { config: [{ subnet: 'fd00:1::/64' }] } } },
        containers: {
          c: {
            image: 'i',
            networks: {
              n: { ipv6Address: 'fd00:1::a', macAddress: '02:AB:00:00:00:01', aliases: ['b', 'a', 'a'] },
            },
          },
        },
      },
      1,
      INSTANCE,
    );
    const spelled = desiredState(
      {
        containers: {
          c: {
            start: true,
            restartPolicy: { name: 'no', maximumRetryCount: 0 },
            env: {},
            networks: {
              n: { aliases: ['a', 'b'], macAddress: '02:ab:00:00:00:01', ipv6Address: 'FD00:1:0:0:0:0:0:A' },
            },
            image: 'i',
          },
        },
        networks: {
          n: {
            options: {},
            labels: {},
            ipam: { options: {}, config: [{ subnet: 'FD00:0001:0:0::/64' }], driver: 'default' },
            attachable: false,
            internal: false,
            enableIPv6: true,
            driver: 'bridge',
          },
        },
        labels: {},
        name: 't',
      },
      7,
      INSTANCE,
    );
    expect(spelled.networks[0].hash).toBe(plain.networks[0].hash);
    expect(spelled.containers[0].hash).toBe(plain.containers[0].hash);
    expect(spelled.containers[0].spec.networks[0]).toEqual({
      network: 'n',
      ipv4Address: null,
      ipv6Address: 'fd00:1::a',
      macAddress: '02:ab:00:00:00:01',
      aliases: ['a', 'b'],
    });
  });

  it('gives containers without networks the bridge mode, or the mode they ask for', () => {
    const desired = desiredState(
      { name: 't', containers: { a: { image: 'i' }, b: { image: 'i', networkMode: 'none' } } },
      1,
      INSTANCE,
    );
    expect(desired.containers.map((c) => c.spec.networkMode)).toEqual(['bridge', 'none']);
  });
});

describe('planTemplate', () => {
  it('creates everything on an empty engine, networks before containers', () => {
    const desired = desiredState(lab(), 1, INSTANCE);
    const plan = planTemplate(desired, { networks: [], containers: [] }, context);
    expect(plan).toMatchObject({ template: 'lab', revision: 1, conflicts: [] });
    expect(summary(plan)).toEqual([
      'create network back',
      'create network front',
      'create container db',
      'create container web',
    ]);
  });

  it('answers unchanged for what it applied, whatever the engine added', () => {
    const { desired, live } = deployed(lab());
    const plan = planTemplate(desired, live, context);
    expect(plan.actions.every((a) => a.action === 'unchanged')).toBe(true);
    expect(plan.actions.every((a) => a.liveId)).toBe(true);
    expect(summary(plan)).toEqual([
      'unchanged network back',
      'unchanged network front',
      'unchanged container db',
      'unchanged container web',
    ]);
    expect(templateDrift(desired, live, context)).toEqual([]);
  });

  it('reports a declared name held by someone else as a conflict and leaves it alone', () => {
    const desired = desiredState(lab(), 1, INSTANCE);
    const live: LiveState = {
      networks: [
        foreignNetwork('front'),
        foreignNetwork('back', { [TEMPLATE_LABEL]: 'other', [INSTANCE_LABEL]: INSTANCE }),
      ],
      containers: [],
    };
    const plan = planTemplate(desired, live, context);
    expect(plan.conflicts).toEqual([
      { kind: 'network', name: 'front', reason: expect.stringContaining('created outside this template') },
      { kind: 'network', name: 'back', reason: expect.stringContaining('template "other"') },
    ]);
    expect(summary(plan)).toEqual(['create container db', 'create container web']);
    expect(templateDrift(desired, live, context).filter((d) => d.kind === 'network')).toHaveLength(2);
  });

  it('does not count resources of the same template on another instance as its own', () => {
    const { desired, live } = deployed(lab());
    const plan = planTemplate(desired, live, { instanceId: 'inst-2' });
    expect(plan.conflicts.map((c) => c.name).sort()).toEqual(['back', 'db', 'front', 'web']);
    expect(plan.conflicts[0].reason).toContain('another Switchyard instance');
    expect(plan.actions).toEqual([]);
  });

  it('recreates a container whose spec changed, with the old and new values when it knows the old spec', () => {
    const { desired: v1, live } = deployed(lab());
    const doc = lab();
    doc.containers!.web.image = 'busybox:other';
    doc.containers!.web.networks!.front.ipv4Address = '10.77.1.11';
    doc.containers!.web.labels = { tier: 'web' };
    const v2 = desiredState(doc, 2, INSTANCE);
    const specs = new Map(v1.containers.map((c) => [c.hash, c.spec]));
    const plan = planTemplate(v2, live, {
      instanceId: INSTANCE,
      specOf: (kind, hash) => (kind === 'container' ? specs.get(hash) : undefined),
    });
    const web = plan.actions.find((a) => a.name === 'web');
    expect(web).toMatchObject({ action: 'recreate', kind: 'container', liveId: containerOf(live, 'web').id });
    expect(web?.changes).toEqual([
      { path: 'image', from: 'busybox:test', to: 'busybox:other' },
      { path: 'labels.tier', from: null, to: 'web' },
      { path: 'networks.front.ipv4Address', from: '10.77.1.10', to: '10.77.1.11' },
    ]);
    expect(web?.reason).toContain('image');
    expect(summary(plan).filter((s) => !s.startsWith('unchanged'))).toEqual(['recreate container web']);
  });

  it('tells a change of the first network (the one a container is created on) as an order change', () => {
    const { desired: v1, live } = deployed(lab());
    const doc = lab();
    const { front, back } = doc.containers!.web.networks!;
    doc.containers!.web.networks = { back, front };
    const specs = new Map(v1.containers.map((c) => [c.hash, c.spec]));
    const plan = planTemplate(desiredState(doc, 2, INSTANCE), live, {
      instanceId: INSTANCE,
      specOf: (_k, hash) => specs.get(hash),
    });
    expect(plan.actions.find((a) => a.name === 'web')).toMatchObject({
      action: 'recreate',
      changes: [{ path: 'networks', from: ['front', 'back'], to: ['back', 'front'] }],
    });
  });

  it('without the old spec, tells what the engine shows, or the hashes when nothing visible differs', () => {
    const { live } = deployed(lab());
    const doc = lab();
    doc.containers!.web.image = 'busybox:other';
    doc.containers!.db.env = { A: '1' };
    const plan = planTemplate(desiredState(doc, 2, INSTANCE), live, context);
    expect(plan.actions.find((a) => a.name === 'web')?.changes).toEqual([
      { path: 'image', from: 'busybox:test', to: 'busybox:other' },
    ]);
    const db = plan.actions.find((a) => a.name === 'db');
    expect(db?.action).toBe('recreate');
    expect(db?.changes).toEqual([
      {
        path: 'hash',
        from: containerOf(live, 'db').labels[HASH_LABEL],
        to: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
  });

  it('recreates a changed network and every container on it', () => {
    const { desired: v1, live } = deployed(lab());
    const doc = lab();
    doc.networks!.front.ipam!.config![0].subnet = '10.77.2.0/24';
    doc.containers!.web.networks!.front.ipv4Address = '10.77.2.10';
    const v2 = desiredState(doc, 2, INSTANCE);
    const specs = new Map([...v1.networks.map((n) => [n.hash, n.spec] as const)]);
    const plan = planTemplate(v2, live, { instanceId: INSTANCE, specOf: (_k, hash) => specs.get(hash) });
    expect(summary(plan)).toEqual([
      'recreate network front',
      'recreate container web',
      'unchanged network back',
      'unchanged container db',
    ]);
    expect(plan.actions[0].changes).toEqual([
      { path: 'ipam.config[0].subnet', from: '10.77.1.0/24', to: '10.77.2.0/24' },
    ]);
    expect(plan.actions[1].reason).toContain('network "front" is recreated');
  });

  it('recreates containers on a network that was removed by hand', () => {
    const { desired, live } = deployed(lab());
    const without = { ...live, networks: live.networks.filter((n) => n.name !== 'back') };
    const plan = planTemplate(desired, without, context);
    expect(summary(plan).filter((s) => !s.startsWith('unchanged'))).toEqual([
      'create network back',
      'recreate container db',
      'recreate container web',
    ]);
    expect(plan.actions.find((a) => a.name === 'db')?.reason).toBe('network "back" is created');
  });

  it('recreates a container changed by hand: network left or joined, fixed address, restart policy', () => {
    const { desired, live } = deployed(lab());
    const frontId = live.networks.find((n) => n.name === 'front')!.id;
    let edited = replaceContainer(live, 'web', (c) => ({
      ...c,
      endpoints: c.endpoints.filter((e) => e.networkName !== 'back'),
    }));
    edited = replaceContainer(edited, 'db', (c) => ({
      ...c,
      restartPolicy: { name: 'always', maximumRetryCount: 0 },
      endpoints: [
        ...c.endpoints,
        { ...c.endpoints[0], networkName: 'front', networkId: frontId, aliases: [] },
      ],
    }));
    const plan = planTemplate(desired, edited, context);
    const web = plan.actions.find((a) => a.name === 'web');
    expect(web).toMatchObject({ action: 'recreate', reason: 'changed by hand: networks.back' });
    expect(web?.changes).toEqual([
      { path: 'networks.back', from: null, to: expect.objectContaining({ aliases: [] }) },
    ]);
    const db = plan.actions.find((a) => a.name === 'db');
    expect(db?.changes.map((c) => c.path)).toEqual(['networks.front', 'restartPolicy.name']);
    const drift = templateDrift(desired, edited, context);
    expect(drift).toEqual([
      {
        kind: 'container',
        name: 'web',
        reason: expect.stringContaining('changed by hand: networks.back is none'),
      },
      {
        kind: 'container',
        name: 'db',
        reason: expect.stringContaining('restartPolicy.name is always, want no'),
      },
    ]);
  });

  it('recreates a container whose fixed IP or MAC differs', () => {
    const { desired, live } = deployed(lab());
    let edited = replaceContainer(live, 'web', (c) => {
      const front = c.endpoints.find((e) => e.networkName === 'front')!;
      front.requestedIpv4Address = '10.77.1.99';
      front.ipv4Address = '10.77.1.99';
      return c;
    });
    edited = replaceContainer(edited, 'db', (c) => {
      c.endpoints[0].macAddress = '02:00:00:00:00:99';
      return c;
    });
    const plan = planTemplate(desired, edited, context);
    expect(plan.actions.find((a) => a.name === 'web')?.changes).toEqual([
      { path: 'networks.front.ipv4Address', from: '10.77.1.99', to: '10.77.1.10' },
    ]);
    expect(plan.actions.find((a) => a.name === 'db')?.changes).toEqual([
      { path: 'networks.back.macAddress', from: '02:00:00:00:00:99', to: '02:00:00:00:00:01' },
    ]);
  });

  it('wants a stopped container running again, with state as the only change', () => {
    const { desired, live } = deployed(lab());
    const edited = replaceContainer(live, 'db', (c) => ({
      ...c,
      running: false,
      state: 'exited',
      exitCode: 137,
    }));
    const plan = planTemplate(desired, edited, context);
    expect(plan.actions.find((a) => a.name === 'db')).toMatchObject({
      action: 'recreate',
      reason: 'container is exited, want running: it will be started',
      changes: [{ path: 'state', from: 'exited', to: 'running' }],
    });
    expect(templateDrift(desired, edited, context)).toEqual([
      { kind: 'container', name: 'db', reason: 'stopped (exited 137)' },
    ]);
  });

  it('leaves a container that should not run alone when it is not running', () => {
    const doc = lab();
    doc.containers!.db.start = false;
    const { desired, live } = deployed(doc);
    expect(containerOf(live, 'db').running).toBe(false);
    expect(planTemplate(desired, live, context).actions.every((a) => a.action === 'unchanged')).toBe(true);
  });

  it('removes owned resources the revision no longer declares, containers first, and renamed leftovers', () => {
    const { live } = deployed(lab());
    const doc = lab();
    delete doc.containers!.web;
    delete doc.networks!.front;
    doc.expectations = [];
    const leftover = {
      ...structuredClone(containerOf(live, 'db')),
      id: 'e'.repeat(64),
      name: 'db-old-1',
      names: ['db-old-1'],
    };
    const plan = planTemplate(
      desiredState(doc, 2, INSTANCE),
      { ...live, containers: [...live.containers, leftover] },
      context,
    );
    expect(summary(plan)).toEqual([
      'remove container db-old-1',
      'remove container web',
      'remove network front',
      'unchanged network back',
      'unchanged container db',
    ]);
    expect(plan.actions[1].reason).toBe('not in revision 2');
    expect(plan.actions[1].liveId).toBe(containerOf(live, 'web').id);
  });

  it('keeps one of two owned networks with the same name and removes the other', () => {
    const sim = new EngineSim();
    const { desired, live } = deployed(lab(), 1, sim);
    const duplicate = sim.network(desired.networks[1], 1, '2026-02-01T00:00:00Z');
    const plan = planTemplate(desired, { ...live, networks: [...live.networks, duplicate] }, context);
    expect(summary(plan)[0]).toBe('remove network back');
    expect(plan.actions[0].liveId).toBe(duplicate.id);
    expect(plan.actions.slice(1).every((a) => a.action === 'unchanged')).toBe(true);
  });

  it('reports a conflict when a network to recreate has a container of someone else attached', () => {
    const { desired: v1, live } = deployed(lab());
    const doc = lab();
    doc.networks!.back.labels = { edited: 'yes' };
    const web = containerOf(live, 'web');
    const withEndpoints: LiveState = {
      ...live,
      networks: live.networks.map((n) => ({
        ...n,
        endpoints: [
          {
            containerId: web.id,
            containerName: 'web',
            endpointId: 'e1',
            ipv4Address: null,
            ipv6Address: null,
            macAddress: null,
          },
          {
            containerId: 'c'.repeat(64),
            containerName: 'intruder',
            endpointId: 'e2',
            ipv4Address: null,
            ipv6Address: null,
            macAddress: null,
          },
        ],
      })),
    };
    const plan = planTemplate(desiredState(doc, 2, INSTANCE), withEndpoints, context);
    expect(plan.conflicts).toEqual([
      {
        kind: 'network',
        name: 'back',
        reason:
          'the network must be recreated, but container "intruder" created outside this template is attached; disconnect it first',
      },
    ]);
    expect(planTemplate(v1, withEndpoints, context).conflicts).toEqual([]);
  });

  it('never takes engine defaults for changes', () => {
    const { desired, live } = deployed(lab());
    // The engine answers with what it filled in, in its own spelling.
    const noisy: LiveState = {
      networks: live.networks.map((n) => ({
        ...n,
        options: { ...n.options, 'com.docker.network.driver.mtu': '1500' },
        ipam: { ...n.ipam, options: { extra: 'x' } },
      })),
      containers: live.containers.map((c) => ({
        ...c,
        labels: { ...c.labels, maintainer: 'someone' },
        endpoints: c.endpoints.map((e) => ({ ...e, aliases: [...e.aliases, c.name, c.id.slice(0, 12)] })),
      })),
    };
    expect(planTemplate(desired, noisy, context).actions.every((a) => a.action === 'unchanged')).toBe(true);
  });

  it('plans a thousand containers (all unchanged when deployed)', () => {
    const doc: TemplateDocument = { name: 'big', networks: {}, containers: {} };
    for (let i = 0; i < 20; i++)
      doc.networks![`n${i}`] = { ipam: { config: [{ subnet: `10.90.${i}.0/24` }] } };
    for (let i = 0; i < 1000; i++) {
      doc.containers![`c${i}`] = {
        image: 'busybox:test',
        networks: { [`n${i % 20}`]: { aliases: [`a${i}`] }, [`n${(i + 1) % 20}`]: {} },
      };
    }
    const { desired, live } = deployed(doc);
    planTemplate(desired, live, context); // warm up
    const started = performance.now();
    const plan = planTemplate(desired, live, context);
    const elapsed = performance.now() - started;
    expect(plan.actions).toHaveLength(1020);
    expect(plan.actions.every((a) => a.action === 'unchanged')).toBe(true);
    // Timing is for the bench, not a test: logged only (about 10 ms unloaded).
    console.log(`planTemplate: 1000 containers on 20 networks in ${elapsed.toFixed(1)} ms`);
  });
});

describe('templateDrift', () => {
  it('tells each kind of drift in words', () => {
    const { desired: v1, live } = deployed(lab());
    const doc = lab();
    doc.containers!.web.image = 'busybox:other';
    const v2 = desiredState(doc, 2, INSTANCE);
    const specs = new Map(v1.containers.map((c) => [c.hash, c.spec]));
    const broken: LiveState = {
      networks: [...live.networks.filter((n) => n.name !== 'back'), foreignNetwork('back')],
      containers: [
        ...live.containers.filter((c) => c.name !== 'db'),
        {
          ...structuredClone(containerOf(live, 'web')),
          id: 'e'.repeat(64),
          name: 'old-web',
          names: ['old-web'],
        },
      ],
    };
    expect(
      templateDrift(v2, broken, { instanceId: INSTANCE, specOf: (_k, hash) => specs.get(hash) }),
    ).toEqual([
      {
        kind: 'network',
        name: 'back',
        reason:
          'the name is taken: a network with this name was created outside this template; rename or remove it first',
      },
      { kind: 'container', name: 'web', reason: 'not applied yet: image changed' },
      { kind: 'container', name: 'db', reason: 'removed: not on the engine' },
      { kind: 'container', name: 'old-web', reason: 'extra owned container: not in revision 2' },
    ]);
  });

  it('tells a removed network', () => {
    const { desired, live } = deployed(lab());
    const drift = templateDrift(
      desired,
      { ...live, networks: live.networks.filter((n) => n.name !== 'front') },
      context,
    );
    expect(drift).toEqual([{ kind: 'network', name: 'front', reason: 'removed: not on the engine' }]);
  });
});

describe('planDestroy', () => {
  it('removes every owned resource, containers first, and nothing else', () => {
    const { live } = deployed(lab(), 4);
    const foreign = foreignNetwork('front');
    const plan = planDestroy('lab', { ...live, networks: [...live.networks, foreign] }, context);
    expect(plan).toMatchObject({ template: 'lab', revision: 4, conflicts: [] });
    expect(summary(plan)).toEqual([
      'remove container db',
      'remove container web',
      'remove network back',
      'remove network front',
    ]);
    expect(plan.actions.map((a) => a.liveId)).not.toContain(foreign.id);
    expect(planDestroy('lab', live, { instanceId: 'inst-2' }).actions).toEqual([]);
  });

  it('uses the revision label of what it removes, 0 when nothing is there', () => {
    expect(planDestroy('lab', { networks: [], containers: [] }, context)).toEqual({
      template: 'lab',
      revision: 0,
      actions: [],
      conflicts: [],
    });
    const { live } = deployed(lab(), 2);
    live.containers[0].labels[REVISION_LABEL] = '5';
    expect(planDestroy('lab', live, context).revision).toBe(5);
  });
});

describe('key scope (labels ⊇ scope)', () => {
  it('owns only what carries the key scope: the rest is a conflict that names nothing', () => {
    const { desired, live } = deployed(lab());
    const outside = { instanceId: INSTANCE, scope: { team: 'other' } };
    const plan = planTemplate(desired, live, outside);
    expect(plan.actions).toEqual([]);
    expect(plan.conflicts.map((c) => c.name).sort()).toEqual(['back', 'db', 'front', 'web']);
    for (const c of plan.conflicts) {
      expect(c.reason).toBe(`a ${c.kind} with this name exists that this template does not own`);
      expect(c.reason).not.toContain('lab');
    }
    for (const d of templateDrift(desired, live, outside)) expect(d.reason).not.toContain('"lab"');
    expect(planDestroy('lab', live, outside).actions).toEqual([]);
    // Within the scope: its own.
    const inside = { instanceId: INSTANCE, scope: { team: 'net' } };
    expect(planTemplate(desired, live, inside).actions.every((a) => a.action === 'unchanged')).toBe(true);
    expect(planDestroy('lab', live, inside).actions).toHaveLength(4);
  });

  it('names the owning template to a key whose scope the resource carries', () => {
    const { live } = deployed(lab());
    const other = lab();
    other.name = 'lab2';
    const plan = planTemplate(desiredState(other, 1, INSTANCE), live, {
      instanceId: INSTANCE,
      scope: { team: 'net' },
    });
    expect(plan.conflicts[0].reason).toContain('owned by template "lab"');
  });
});

describe('templateDrift: what is not the template', () => {
  it("tells a container that is not the template's attached to a template network", () => {
    const { desired, live } = deployed(lab());
    const web = containerOf(live, 'web');
    const endpoint = (containerId: string, containerName: string) => ({
      containerId,
      containerName,
      endpointId: containerName,
      ipv4Address: null,
      ipv6Address: null,
      macAddress: null,
    });
    const attached: LiveState = {
      ...live,
      networks: live.networks.map((n) =>
        n.name === 'front'
          ? { ...n, endpoints: [endpoint(web.id, 'web'), endpoint('y'.repeat(64), 'y')] }
          : n,
      ),
    };
    expect(templateDrift(desired, attached, context)).toEqual([
      {
        kind: 'network',
        name: 'front',
        reason: "container y, not the template's, is attached to network front",
      },
    ]);
  });

  it("tells a container outside the key's scope without its name", () => {
    const { desired, live } = deployed(lab());
    const stranger = 'z'.repeat(64);
    const attached: LiveState = {
      ...live,
      outOfScope: new Set([stranger]),
      networks: live.networks.map((n) =>
        n.name === 'front'
          ? {
              ...n,
              endpoints: [
                {
                  containerId: stranger,
                  containerName: 'secret-z',
                  endpointId: 'e',
                  ipv4Address: null,
                  ipv6Address: null,
                  macAddress: null,
                },
              ],
            }
          : n,
      ),
    };
    expect(templateDrift(desired, attached, context)).toEqual([
      {
        kind: 'network',
        name: 'front',
        reason: "a container outside your scope, not the template's, is attached to network front",
      },
    ]);
  });

  it('tells leftovers without a revision number when nothing is applied', () => {
    const { live } = deployed(lab());
    const none: DesiredState = {
      template: 'lab',
      revision: 0,
      networks: [],
      containers: [],
      expectations: [],
    };
    const drift = templateDrift(none, live, context);
    expect(drift).toHaveLength(4);
    for (const d of drift) {
      expect(d.reason).not.toMatch(/revision 0/);
      expect(d.reason).toContain('no applied revision');
    }
  });
});
