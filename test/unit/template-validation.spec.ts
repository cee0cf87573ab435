import { DomainError } from '../../src/common/errors/domain-error';
import { fieldPath, keyPath, templateInvalid } from '../../src/templates/validation/template-problems';
import { checkTemplateShape } from '../../src/templates/validation/template-shape';

// The checks of a template that need neither the engine nor the caller (checkTemplateShape).

const IMAGE = 'switchyard/busybox:latest';

const good = () => ({
  name: 'lab',
  description: 'two networks',
  labels: { team: 'a' },
  networks: {
    front: { ipam: { config: [{ subnet: '10.161.1.0/24', gateway: '10.161.1.1' }] } },
    back: { internal: true, ipam: { config: [{ subnet: '10.161.2.0/24' }] } },
  },
  containers: {
    web: {
      image: IMAGE,
      command: ['sleep', '3600'],
      networks: {
        front: { ipv4Address: '10.161.1.10', macAddress: '02:5e:00:00:01:0a', aliases: ['www'] },
        back: { ipv4Address: '10.161.2.10' },
      },
    },
    db: { image: IMAGE, networks: { back: { ipv4Address: '10.161.2.20' } } },
  },
  expectations: [
    { from: 'web', to: 'db', reachable: true },
    { from: 'db', to: 'web', reachable: true },
  ],
});

const paths = (raw: unknown, name?: string) =>
  checkTemplateShape(raw, { name })
    .problems.map((p) => p.path)
    .sort();
const problemAt = (raw: unknown, path: string) =>
  checkTemplateShape(raw).problems.find((p) => p.path === path)?.message;

describe('template paths', () => {
  it('writes plain keys after a dot and others in brackets', () => {
    expect(keyPath('$.networks', 'front')).toBe('$.networks.front');
    expect(keyPath('$.labels', 'com.example.team')).toBe('$.labels["com.example.team"]');
    expect(fieldPath('$.networks.a', 'ipam.config.0.gateway')).toBe('$.networks.a.ipam.config[0].gateway');
    expect(fieldPath('$.networks.a', 'ipam.config.1.auxAddresses.router.lan')).toBe(
      '$.networks.a.ipam.config[1].auxAddresses["router.lan"]',
    );
    expect(fieldPath('$.networks.a', 'options.com.docker.network.driver.mtu')).toBe(
      '$.networks.a.options["com.docker.network.driver.mtu"]',
    );
  });

  it('makes one TEMPLATE_INVALID with every problem in context.problems and errors', () => {
    const problems = [1, 2, 3, 4, 5].map((i) => ({ path: `$.p${i}`, message: `m${i}` }));
    const error = templateInvalid(problems);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('TEMPLATE_INVALID');
    expect(error.status).toBe(400);
    expect(error.context?.problems).toEqual(problems);
    expect(error.errors).toEqual(problems.map((p) => ({ field: p.path, message: p.message })));
    expect(error.message).toMatch(
      /^The template has 5 problems: \$\.p1: m1; \$\.p2: m2; \$\.p3: m3 \(and 2 more\)/,
    );
  });
});

describe('checkTemplateShape', () => {
  it('accepts a good template and gathers what the engine checks need', () => {
    const { problems, facts } = checkTemplateShape(good());
    expect(problems).toEqual([]);
    expect(facts.name).toBe('lab');
    expect([...facts.images]).toEqual([[IMAGE, ['$.containers.web.image', '$.containers.db.image']]]);
    expect(facts.networks.get('front')?.subnets.map((s) => s.path)).toEqual([
      '$.networks.front.ipam.config[0].subnet',
    ]);
    expect(facts.laterMacPaths).toEqual([]);
    expect(facts.labelMaps.map((m) => m.path)).toEqual([
      '$.labels',
      '$.networks.front.labels',
      '$.networks.back.labels',
      '$.containers.web.labels',
      '$.containers.db.labels',
    ]);
  });

  it('takes the name from the request when the document leaves it out, and wants them equal', () => {
    const { name: _name, ...unnamed } = good();
    expect(checkTemplateShape(unnamed, { name: 'lab' }).facts.name).toBe('lab');
    expect(paths(unnamed)).toEqual(['$.name']);
    expect(paths(good(), 'other')).toEqual(['$.name']);
    expect(paths({ ...good(), name: 'a b' })).toEqual(['$.name']);
  });

  it('lists every problem of a document with many, each at its exact path', () => {
    const raw = {
      name: 'bad name!',
      description: 'x'.repeat(1025),
      labels: { 'io.switchyard.template': 'x', ok: 'fine', 'bad key!': 'v' },
      extra: 1,
      networks: {
        bridge: {},
        front: {
          driver: 'bridge',
          ipam: { config: [{ subnet: '10.161.1.0/24', gateway: '10.161.2.1' }] },
          colour: 'red',
        },
        back: { ipam: { config: [{ subnet: '10.161.0.0/16' }] } },
        v6: { ipam: { config: [{ subnet: 'fd00:161::/64' }] } },
        broken: { ipam: { config: [{ subnet: 'nonsense' }] } },
      },
      containers: {
        web: {
          image: 'UPPER/case',
          name: 'web',
          networkMode: 'host',
          hostname: 'web',
          restartPolicy: { name: 'always', maximumRetryCount: 3 },
          networks: {
            front: { ipv4Address: '10.161.1.0', macAddress: '02:5e:00:00:00:01' },
            nowhere: {},
          },
        },
        db: {
          image: IMAGE,
          command: 'sleep 10',
          entrypoint: [],
          start: false,
          networks: {
            back: { ipv4Address: '10.161.255.255', macAddress: '02:5E:00:00:00:01' },
            front: { ipv4Address: '10.161.1.20', ipv6Address: 'fd00::1', macAddress: '02:5e:00:00:00:02' },
          },
        },
        cache: {
          image: IMAGE,
          networks: {
            back: { ipv4Address: '10.161.0.1', aliases: ['bad alias!'] },
            front: { ipv4Address: '10.162.0.5' },
          },
        },
        twin: { image: IMAGE, networks: { back: { ipv4Address: '10.161.0.9', mac: 'x' } } },
        clone: { image: IMAGE, networks: { back: { ipv4Address: '10.161.0.9' } } },
      },
      expectations: [
        { from: 'web', to: 'ghost', reachable: true },
        { from: 'db', to: 'web', reachable: 'yes' },
        { from: 'cache', to: 'cache', reachable: false },
        { from: 'cache', to: 'twin', reachable: true },
        { from: 'cache', to: 'twin', reachable: false, why: 1 },
        'nonsense',
      ],
    };
    const { problems } = checkTemplateShape(raw);
    const expected = [
      '$.name',
      '$.description',
      '$.labels["io.switchyard.template"]',
      '$.labels["bad key!"]',
      '$.extra',
      '$.networks.bridge',
      '$.networks.front.colour',
      '$.networks.front.ipam.config[0].gateway',
      '$.networks.v6.ipam.config[0].subnet',
      '$.networks.broken.ipam.config[0].subnet',
      '$.networks.back.ipam.config[0].subnet',
      '$.containers.web.name',
      '$.containers.web.image',
      '$.containers.web.networks.nowhere',
      '$.containers.web.networks.front.macAddress',
      '$.containers.web.networkMode',
      '$.containers.web.hostname',
      '$.containers.web.restartPolicy.maximumRetryCount',
      '$.containers.db.command',
      '$.containers.db.entrypoint',
      '$.containers.twin.networks.back.mac',
      '$.containers.web.networks.front.ipv4Address',
      '$.containers.db.networks.back.ipv4Address',
      '$.containers.db.networks.back.macAddress',
      '$.containers.db.networks.front.ipv6Address',
      '$.containers.cache.networks.back.aliases',
      '$.containers.cache.networks.back.ipv4Address',
      '$.containers.cache.networks.front.ipv4Address',
      '$.containers.clone.networks.back.ipv4Address',
      '$.expectations[0].from',
      '$.expectations[0].to',
      '$.expectations[1].reachable',
      '$.expectations[1].from',
      '$.expectations[2].to',
      '$.expectations[4].why',
      '$.expectations[4]',
      '$.expectations[5]',
    ];
    expect(problems.map((p) => p.path).sort()).toEqual([...expected].sort());
    const at = (path: string) => problems.find((p) => p.path === path)?.message;
    expect(at('$.extra')).toMatch(/^is not a field of a template; remove it/);
    expect(at('$.networks.bridge')).toMatch(/network Docker creates itself/);
    expect(at('$.networks.front.ipam.config[0].gateway')).toBe(
      '10.161.2.1 is not inside the subnet 10.161.1.0/24',
    );
    expect(at('$.networks.back.ipam.config[0].subnet')).toMatch(
      /^10\.161\.0\.0\/16 overlaps 10\.161\.1\.0\/24 of network "front"/,
    );
    expect(at('$.networks.v6.ipam.config[0].subnet')).toMatch(/set enableIPv6 to true/);
    expect(at('$.containers.web.networks.nowhere')).toBe('network "nowhere" is not declared in $.networks');
    expect(at('$.containers.web.networks.front.ipv4Address')).toMatch(
      /is the network address of 10\.161\.1\.0\/24/,
    );
    expect(at('$.containers.db.networks.back.ipv4Address')).toMatch(/broadcast address/);
    expect(at('$.containers.db.networks.back.macAddress')).toMatch(
      /is also given to \$\.containers\.web\.networks\.front\.macAddress/,
    );
    expect(at('$.expectations[0].from')).toMatch(/networkMode host/);
    expect(at('$.containers.db.networks.front.ipv6Address')).toMatch(/needs IPv6 on network "front"/);
    expect(at('$.containers.cache.networks.back.ipv4Address')).toMatch(/first address to the gateway/);
    expect(at('$.containers.cache.networks.front.ipv4Address')).toMatch(
      /outside the subnets of network "front"/,
    );
    expect(at('$.containers.clone.networks.back.ipv4Address')).toMatch(
      /is also given to \$\.containers\.twin\.networks\.back\.ipv4Address/,
    );
    expect(at('$.containers.db.command')).toMatch(/not one string/);
    expect(at('$.expectations[1].from')).toMatch(/start: false/);
    expect(at('$.expectations[2].to')).toMatch(/same container as from/);
    expect(at('$.expectations[4]')).toMatch(/^repeats \$\.expectations\[3\]/);
    expect(at('$.containers.web.name')).toMatch(/the key in the template names it/);
  });

  it('tells every reserved or bad label of a network or container on its own', () => {
    const raw = good() as ReturnType<typeof good> & Record<string, unknown>;
    Object.assign(raw.networks.front, {
      labels: { 'io.switchyard.template': 'x', 'io.switchyard.managed': 'y', ok: 'fine' },
    });
    Object.assign(raw.containers.web, {
      labels: { 'io.switchyard.hash': 'x', 'IO.Switchyard.Revision': '1', 'bad key!': 'v', n: 1 },
    });
    const { problems, facts } = checkTemplateShape(raw);
    expect(problems.map((p) => p.path)).toEqual([
      '$.networks.front.labels["io.switchyard.template"]',
      '$.networks.front.labels["io.switchyard.managed"]',
      '$.containers.web.labels["io.switchyard.hash"]',
      '$.containers.web.labels["IO.Switchyard.Revision"]',
      '$.containers.web.labels["bad key!"]',
      '$.containers.web.labels.n',
    ]);
    expect(problems[1].message).toBe(
      'key "io.switchyard.managed" is reserved: "io.switchyard.*" labels are set by Switchyard itself',
    );
    expect(problems[5].message).toBe(
      'value of "n" must be a string; YAML read this as a number (1) - quote it',
    );
    // The good entries still reach the scope checks.
    expect(facts.labelMaps.find((m) => m.path === '$.networks.front.labels')?.labels).toEqual({ ok: 'fine' });
    expect(problemAt({ ...good(), networks: { a: { labels: [] } } }, '$.networks.a.labels')).toMatch(
      /^must be an object of string keys to string values, not a list/,
    );
  });

  it('says where YAML read a number or boolean where a string is wanted', () => {
    const hint = / YAML read (this|\S+) as a (number|boolean).* - quote it$/;
    expect(problemAt({ ...good(), name: 31 }, '$.name')).toBe(
      'must be a string; YAML read this as a number (31) - quote it',
    );
    expect(problemAt({ ...good(), name: 1000 }, '$.name')).toMatch(hint);
    expect(problemAt({ ...good(), name: false }, '$.name')).toBe(
      'must be a string; YAML read this as a boolean (false) - quote it',
    );
    expect(problemAt({ ...good(), description: 1.5 }, '$.description')).toMatch(hint);
    const raw = good() as ReturnType<typeof good> & Record<string, unknown>;
    Object.assign(raw.containers.web, { image: 12, command: ['sleep', 3600], env: { A: true }, hostname: 7 });
    Object.assign(raw.containers.db.networks.back, { ipv4Address: 10 });
    Object.assign(raw.networks.back, { driver: 1 });
    raw.expectations[0].to = 5 as unknown as string;
    const { problems } = checkTemplateShape(raw);
    const at = (path: string) => problems.find((p) => p.path === path)?.message;
    for (const path of [
      '$.containers.web.image',
      '$.containers.web.command',
      '$.containers.web.env',
      '$.containers.web.hostname',
      '$.containers.db.networks.back.ipv4Address',
      '$.networks.back.driver',
      '$.expectations[0].to',
    ]) {
      expect([path, at(path)]).toEqual([path, expect.stringMatching(hint)]);
    }
    expect(at('$.containers.web.command')).toMatch(/YAML read 3600 as a number - quote it$/);
    // A string that is simply wrong gets no hint.
    expect(problemAt({ ...good(), name: 'a b' }, '$.name')).not.toMatch(/YAML/);
  });

  it('tells the MAC of a host-network container, and where from cannot probe', () => {
    const raw = good();
    Object.assign(raw.containers, {
      edge: { image: IMAGE, networkMode: 'none' },
    });
    raw.expectations.push({ from: 'edge', to: 'web', reachable: false });
    expect(problemAt(raw, '$.expectations[2].from')).toMatch(/networkMode none/);
  });

  it('refuses what is not a map or list where one belongs, without repeating it in references', () => {
    expect(paths([])).toEqual(['$']);
    expect(
      paths({ name: 'x', networks: [], containers: { a: { image: IMAGE, networks: { n: {} } } } }),
    ).toEqual(['$.networks']);
    expect(
      paths({ name: 'x', containers: 'no', expectations: [{ from: 'a', to: 'b', reachable: true }] }),
    ).toEqual(['$.containers']);
    expect(paths({ name: 'x', expectations: {} })).toEqual(['$.expectations']);
    expect(
      paths({ name: 'x', networks: { n: null }, containers: { a: { image: IMAGE, networks: { n: null } } } }),
    ).toEqual(['$.containers.a.networks.n', '$.networks.n']);
    expect(paths({ name: 'x', containers: { a: { image: IMAGE, networks: {} } } })).toEqual([
      '$.containers.a.networks',
    ]);
    expect(paths({ name: 'x', containers: { a: { image: IMAGE, networks: ['front'] } } })).toEqual([
      '$.containers.a.networks',
    ]);
  });

  it('bounds networks, containers and expectations, and says so', () => {
    const many = <T>(n: number, f: (i: number) => T) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`n${i}`, f(i)]));
    const raw = {
      name: 'big',
      networks: many(257, () => ({})),
      containers: many(1001, () => ({ image: IMAGE })),
      expectations: Array.from({ length: 1001 }, (_, i) => ({
        from: `n${i}`,
        to: `n${i + 1}`,
        reachable: true,
      })),
    };
    const { problems } = checkTemplateShape(raw);
    expect(problems.filter((p) => !p.path.startsWith('$.expectations[')).map((p) => p.message)).toEqual([
      'must have at most 256 networks (this one has 257)',
      'must have at most 1000 containers (this one has 1001)',
      'must have at most 1000 expectations (this one has 1001)',
    ]);
  });

  it('allows a fixed IP outside ipRange but inside the subnet, and IPv6 on an IPv6 network', () => {
    const raw = {
      name: 'v6',
      networks: {
        dual: {
          enableIPv6: true,
          ipam: {
            config: [
              {
                subnet: '10.161.8.0/24',
                gateway: '10.161.8.1',
                ipRange: '10.161.8.128/25',
                auxAddresses: { router: '10.161.8.254' },
              },
              { subnet: 'fd00:161:8::/64' },
            ],
          },
        },
      },
      containers: {
        a: { image: IMAGE, networks: { dual: { ipv4Address: '10.161.8.5', ipv6Address: 'fd00:161:8::5' } } },
        b: {
          image: IMAGE,
          networks: { dual: { ipv4Address: '10.161.8.254', ipv6Address: 'fd00:161:8:0::5' } },
        },
        c: { image: IMAGE, networks: { dual: { ipv4Address: '10.161.8.1', ipv6Address: 'fd00:161:8::1' } } },
      },
    };
    const { problems } = checkTemplateShape(raw);
    expect(problems).toEqual([
      {
        path: '$.containers.b.networks.dual.ipv4Address',
        message: '10.161.8.254 is reserved for "router" ($.networks.dual.ipam.config[0].auxAddresses.router)',
      },
      {
        path: '$.containers.b.networks.dual.ipv6Address',
        message:
          'fd00:161:8:0::5 is also given to $.containers.a.networks.dual.ipv6Address on network "dual"',
      },
      {
        path: '$.containers.c.networks.dual.ipv4Address',
        message: '10.161.8.1 is the gateway of 10.161.8.0/24 ($.networks.dual.ipam.config[0].gateway)',
      },
      {
        path: '$.containers.c.networks.dual.ipv6Address',
        message:
          'fd00:161:8::1 is the gateway of fd00:161:8::/64: without a gateway in $.networks.dual.ipam.config[1], the network gives its first address to the gateway',
      },
    ]);
  });

  it('notes MACs on a later network, for engines that apply only the first', () => {
    const raw = good();
    raw.containers.web.networks.back = {
      ipv4Address: '10.161.2.10',
      macAddress: '02:5e:00:00:02:0a',
    } as never;
    expect(checkTemplateShape(raw).facts.laterMacPaths).toEqual([
      '$.containers.web.networks.back.macAddress',
    ]);
  });

  it('validates 200 containers on 10 networks in milliseconds', () => {
    const networks = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `net${i}`,
        { ipam: { config: [{ subnet: `10.161.${i}.0/24` }] } },
      ]),
    );
    const containers = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [
        `c${i}`,
        {
          image: IMAGE,
          command: ['sleep', '3600'],
          labels: { role: 'worker' },
          networks: {
            [`net${i % 10}`]: {
              ipv4Address: `10.161.${i % 10}.${10 + Math.floor(i / 10)}`,
              aliases: [`c${i}x`],
            },
            [`net${(i + 1) % 10}`]: {},
          },
        },
      ]),
    );
    const expectations = Array.from({ length: 199 }, (_, i) => ({
      from: `c${i}`,
      to: `c${i + 1}`,
      reachable: true,
    }));
    const raw = { name: 'big', networks, containers, expectations };
    expect(checkTemplateShape(raw).problems).toEqual([]);
    // The best of a few runs: the machine is shared, and one run measures its neighbours too.
    const runs = Array.from({ length: 5 }, () => {
      const started = performance.now();
      checkTemplateShape(raw);
      return performance.now() - started;
    });
    console.log(
      `checkTemplateShape: 200 containers, 10 networks, 199 expectations in ${Math.min(...runs).toFixed(1)} ms (best of 5)`,
    );
  });
});
