import { parse } from 'yaml';
import { composeToTemplate, templateToCompose } from '../../src/templates/compose/compose';
import { richTemplate } from '../support/template-compose';

const load = (text: string) => composeToTemplate(parse(text), 'lab');
const paths = (text: string) => load(text).unmapped.map((u) => u.path);

describe('compose import: services', () => {
  it('maps image, command, entrypoint, environment, hostname, labels, restart and container_name', () => {
    const { document, unmapped } = load(`
services:
  web:
    image: busybox:1
    container_name: web-1
    command: ["sleep", 3600]
    entrypoint: /bin/sh -c
    environment: { A: "1", B: 2, C: true, D: "" }
    hostname: www
    labels: ["tier=front", "bare"]
    restart: on-failure:3
    network_mode: none
  db:
    image: db
    environment: ["X=1=2", "Y="]
    labels: { a.b: c, d: null }
    restart: unless-stopped
    network_mode: host
`);
    expect(unmapped).toEqual([]);
    expect(document).toEqual({
      name: 'lab',
      containers: {
        'web-1': {
          image: 'busybox:1',
          entrypoint: ['/bin/sh', '-c'],
          command: ['sleep', '3600'],
          env: { A: '1', B: '2', C: 'true', D: '' },
          hostname: 'www',
          labels: { tier: 'front', bare: '' },
          restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
          networkMode: 'none',
        },
        db: {
          image: 'db',
          env: { X: '1=2', Y: '' },
          labels: { 'a.b': 'c', d: '' },
          restartPolicy: { name: 'unless-stopped' },
          networkMode: 'host',
        },
      },
    });
  });

  it('reads every restart form, with a bare YAML 1.1 `no` too', () => {
    const restart = (value: string) =>
      load(`services: { a: { image: x, network_mode: none, restart: ${value} } }`).document.containers?.a
        .restartPolicy;
    expect(restart('"no"')).toEqual({ name: 'no' });
    expect(restart('false')).toEqual({ name: 'no' });
    expect(restart('always')).toEqual({ name: 'always' });
    expect(restart('on-failure')).toEqual({ name: 'on-failure' });
    expect(restart('"on-failure:0"')).toEqual({ name: 'on-failure', maximumRetryCount: 0 });
    const bad = load('services: { a: { image: x, network_mode: none, restart: sometimes } }');
    expect(bad.unmapped.map((u) => u.path)).toEqual(['$.services.a.restart']);
    expect(bad.document.containers?.a.restartPolicy).toBeUndefined();
  });

  it('splits a string command like compose (shlex, no shell) and lists one it cannot split', () => {
    const { document, unmapped } = load(`
services:
  a:
    image: x
    network_mode: none
    command: sh -c 'echo "$$HOME" && ls' "a b" c\\ d "q\\"t" ''
  b:
    image: x
    network_mode: none
    command: echo 'open
`);
    expect(document.containers?.a.command).toEqual([
      'sh',
      '-c',
      'echo "$HOME" && ls',
      'a b',
      'c d',
      'q"t',
      '',
    ]);
    expect(document.containers?.b.command).toBeUndefined();
    expect(unmapped.map((u) => u.path)).toEqual(['$.services.b.command']);
  });

  it('lists variables (host environment) and keys without a value, and unescapes $$', () => {
    const { document, unmapped } = load(`
services:
  a:
    image: x
    network_mode: none
    environment: { A: "$$1", B: "$HOME", C: "\${X:-d}", D: null, E: "5 $ 6" }
    labels: ["k=$$v", "j=$V"]
  b:
    image: "\${IMAGE}"
    network_mode: none
    environment: [ "K", "L=ok" ]
`);
    expect(document.containers?.a.env).toEqual({ A: '$1' });
    expect(document.containers?.a.labels).toEqual({ k: '$v' });
    expect(document.containers?.b.env).toEqual({ L: 'ok' });
    expect(document.containers?.b.image).toBeUndefined();
    expect(unmapped.map((u) => u.path)).toEqual([
      '$.services.a.environment.B',
      '$.services.a.environment.C',
      '$.services.a.environment.D',
      '$.services.a.environment.E',
      '$.services.a.labels[1]',
      '$.services.b.image',
      '$.services.b.environment[0]',
    ]);
    expect(unmapped[0].reason).toMatch(/\$HOME.*environment/);
    expect(unmapped[2].reason).toMatch(/KEY=value/);
    expect(unmapped[3].reason).toMatch(/\$\$/);
  });

  it('lists every field it cannot map with its path and what to do', () => {
    const { unmapped, document } = load(`
version: "3.8"
name: proj
services:
  web:
    image: x
    build: .
    ports: ["80:80"]
    volumes: ["./a:/a"]
    depends_on: [db]
    healthcheck: { test: ["CMD", "true"] }
    deploy: { replicas: 2 }
    cap_add: [NET_ADMIN]
    x-other: 1
    x-switchyard: { start: false, later: 1 }
    network_mode: host
volumes: { data: {} }
secrets: {}
configs: {}
x-anchors: { a: 1 }
x-switchyard: { description: d, labels: { a: 1, b: null }, other: 1 }
`);
    expect(unmapped.map((u) => u.path)).toEqual([
      '$.name',
      '$.volumes',
      '$.secrets',
      '$.configs',
      '$.x-anchors',
      '$.services.web.build',
      '$.services.web.ports',
      '$.services.web.volumes',
      '$.services.web.depends_on',
      '$.services.web.healthcheck',
      '$.services.web.deploy',
      '$.services.web.cap_add',
      '$.services.web.x-other',
      '$.services.web.x-switchyard.later',
      '$.x-switchyard.labels.b',
      '$.x-switchyard.other',
    ]);
    for (const { reason } of unmapped) expect(reason.length).toBeGreaterThan(20);
    expect(unmapped[6].reason).toMatch(/publish/);
    expect(unmapped[5].reason).toMatch(/build/);
    expect(document).toEqual({
      name: 'lab',
      description: 'd',
      labels: { a: '1' },
      containers: { web: { image: 'x', networkMode: 'host', start: false } },
    });
  });

  it('keeps host, none and bridge modes and lists the others (service:, container:, a network name)', () => {
    const { document, unmapped } = load(`
services:
  a: { image: x, network_mode: bridge }
  b: { image: x, network_mode: "service:a" }
  c: { image: x, network_mode: "container:zz", mac_address: "02:00:00:00:00:01" }
  d: { image: x, network_mode: host, networks: [n] }
networks: { n: {} }
`);
    expect(document.containers?.a.networkMode).toBe('bridge');
    expect(document.containers?.b).toEqual({ image: 'x' });
    expect(document.containers?.d).toEqual({ image: 'x', networkMode: 'host' });
    expect(unmapped.map((u) => u.path)).toEqual([
      '$.services.b.network_mode',
      '$.services.c.network_mode',
      '$.services.c.mac_address',
      '$.services.d.networks',
    ]);
  });

  it('refuses a second container with a taken container_name', () => {
    const { document, unmapped } = load(`
services:
  a: { image: x, network_mode: none, container_name: same }
  b: { image: y, network_mode: none, container_name: same }
`);
    expect(Object.keys(document.containers ?? {})).toEqual(['same']);
    expect(document.containers?.same.image).toBe('x');
    expect(unmapped.map((u) => u.path)).toEqual(['$.services.b']);
  });
});

describe('compose import: networks', () => {
  it('maps every network field, names networks by name:, else by their key (like services)', () => {
    const { document, unmapped } = load(`
services:
  a: { image: x, networks: [front] }
networks:
  front:
    name: front-net
    driver: bridge
    driver_opts: { com.docker.network.bridge.name: br-front, mtu: 1400 }
    internal: true
    attachable: true
    enable_ipv6: true
    labels: [ "a=b" ]
    ipam:
      driver: default
      config:
        - { subnet: 10.174.0.0/16, gateway: 10.174.0.1, ip_range: 10.174.1.0/24, aux_addresses: { r: 10.174.0.9 } }
        - { subnet: "fd00:174::/64" }
      options: { o: p }
  back: {}
  ext: { external: true }
  odd: { driver: bridge, scope: local }
`);
    expect(document.networks).toEqual({
      'front-net': {
        driver: 'bridge',
        options: { 'com.docker.network.bridge.name': 'br-front', mtu: '1400' },
        internal: true,
        attachable: true,
        enableIPv6: true,
        labels: { a: 'b' },
        ipam: {
          driver: 'default',
          config: [
            {
              subnet: '10.174.0.0/16',
              gateway: '10.174.0.1',
              ipRange: '10.174.1.0/24',
              auxAddresses: { r: '10.174.0.9' },
            },
            { subnet: 'fd00:174::/64' },
          ],
          options: { o: 'p' },
        },
      },
      back: {},
      odd: { driver: 'bridge' },
    });
    expect(document.containers?.a.networks).toEqual({ 'front-net': {} });
    expect(unmapped.map((u) => u.path)).toEqual(['$.networks.ext', '$.networks.odd.scope']);
    expect(unmapped[0].reason).toMatch(/external/);
  });

  it("puts a service without networks on compose's default network, named <project>_default", () => {
    const { document } = composeToTemplate(parse('services: { a: { image: x }, b: { image: y } }'), 'My.Lab');
    expect(document.networks).toEqual({ mylab_default: {} });
    expect(document.containers?.a.networks).toEqual({ mylab_default: {} });
    expect(document.containers?.b.networks).toEqual({ mylab_default: {} });
    const declared = load(
      'services: { a: { image: x } }\nnetworks: { default: { internal: true } }',
    ).document;
    expect(declared.networks).toEqual({ lab_default: { internal: true } });
    const named = load('services: { a: { image: x } }\nnetworks: { default: { name: plain } }').document;
    expect(named.containers?.a.networks).toEqual({ plain: {} });
    expect(load('services: { a: { image: x, networks: [] } }').document.containers?.a).toEqual({
      image: 'x',
      networkMode: 'none',
    });
  });

  it("maps attachments with addresses, aliases, per-network MACs, in compose's order", () => {
    const { document, unmapped } = load(`
services:
  byname:
    image: x
    mac_address: "02:00:00:00:00:01"
    networks:
      zed: { ipv4_address: 10.174.0.5, aliases: [z1, z2] }
      alpha: { ipv6_address: "fd00::5", mac_address: "02:00:00:00:00:02" }
  bypriority:
    image: x
    mac_address: "02:00:00:00:00:03"
    networks:
      alpha: { priority: 1, x-switchyard: { macAddress: "02:00:00:00:00:04" } }
      zed: { priority: 5 }
networks: { zed: { name: zed }, alpha: { name: alpha } }
`);
    expect(unmapped.map((u) => u.path)).toEqual(['$.services.byname.mac_address']);
    expect(unmapped[0].reason).toMatch(/ambiguous/);
    const byName = document.containers?.byname.networks ?? {};
    expect(Object.keys(byName)).toEqual(['alpha', 'zed']);
    expect(byName).toEqual({
      alpha: { ipv6Address: 'fd00::5', macAddress: '02:00:00:00:00:02' },
      zed: { ipv4Address: '10.174.0.5', aliases: ['z1', 'z2'] },
    });
    const byPriority = document.containers?.bypriority.networks ?? {};
    expect(Object.keys(byPriority)).toEqual(['zed', 'alpha']);
    expect(byPriority).toEqual({
      zed: { macAddress: '02:00:00:00:00:03' },
      alpha: { macAddress: '02:00:00:00:00:04' },
    });
  });

  it('lists attachments to undeclared or unimported networks, and unknown attachment fields', () => {
    const { document, unmapped } = load(`
services:
  a:
    image: x
    networks:
      ghost: {}
      ext: { link_local_ips: [169.254.0.9] }
      ok: { priority: high }
networks: { ext: { external: { name: outside } }, ok: {} }
`);
    expect(document.containers?.a.networks).toEqual({ ok: {} });
    expect(unmapped.map((u) => u.path)).toEqual([
      '$.networks.ext',
      '$.services.a.networks.ext.link_local_ips',
      '$.services.a.networks.ok.priority',
      '$.services.a.networks.ext',
      '$.services.a.networks.ghost',
    ]);
  });

  it('lists a second network with a taken engine name', () => {
    const { document, unmapped } = load('networks: { a: { name: n }, b: { name: n, internal: true } }');
    expect(document.networks).toEqual({ n: {} });
    expect(unmapped.map((u) => u.path)).toEqual(['$.networks.b']);
  });

  it('answers a non-map file with one unmapped entry for the whole file', () => {
    expect(composeToTemplate('just text', 'lab')).toEqual({
      document: { name: 'lab' },
      unmapped: [{ path: '$', reason: expect.stringMatching(/mapping/) as unknown }],
    });
    expect(paths('services: [a, b]')).toEqual(['$.services']);
  });
});

describe('compose export', () => {
  it('round-trips a rich template: template -> compose -> template is the same document', () => {
    const yaml = templateToCompose(richTemplate);
    const back = composeToTemplate(parse(yaml), 'rich');
    expect(back.unmapped).toEqual([]);
    expect(back.document).toEqual(richTemplate);
    // Order matters where it means something: a container's first network is where it is created.
    expect(Object.keys(back.document.containers?.['rich-web'].networks ?? {})).toEqual([
      'rich-front',
      'rich-back',
    ]);
    expect(Object.keys(back.document.containers?.['rich-db'].networks ?? {})).toEqual([
      'rich-back',
      'rich-plain',
    ]);
  });

  it('writes engine names, lists, maps, escaped dollars and YAML 1.1-safe strings', () => {
    const compose = parse(templateToCompose(richTemplate), { version: '1.1' }) as Record<string, never>;
    expect(compose.version).toBeUndefined();
    const web = compose.services['rich-web'] as Record<string, unknown>;
    expect(web).toMatchObject({
      container_name: 'rich-web',
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo "$$HOME" && sleep 3600'],
      environment: { MODE: 'no', TIME: '1:20', COST: '$$5', DATE: '2001-12-14', OCT: '012' },
      restart: 'on-failure:3',
      mac_address: '02:42:0a:ae:00:0a',
      networks: {
        'rich-front': { priority: 2, ipv4_address: '10.174.0.10', aliases: ['web', 'www'] },
        'rich-back': { priority: 1, 'x-switchyard': { macAddress: '02:42:0a:ae:01:0a' } },
      },
    });
    expect(compose.services['rich-host']).toMatchObject({
      network_mode: 'host',
      restart: 'no',
      'x-switchyard': { start: false },
    });
    expect(compose.networks['rich-front']).toMatchObject({
      name: 'rich-front',
      driver_opts: { 'com.docker.network.driver.mtu': '1400' },
    });
    expect(compose['x-switchyard']).toEqual({
      description: richTemplate.description,
      labels: richTemplate.labels,
      expectations: richTemplate.expectations,
    });
  });

  it('exports a container with neither networks nor mode on the default bridge', () => {
    const yaml = templateToCompose({ name: 't', containers: { a: { image: 'x' } } });
    expect(parse(yaml)).toEqual({
      services: { a: { image: 'x', container_name: 'a', network_mode: 'bridge' } },
    });
    expect(composeToTemplate(parse(yaml), 't').document.containers?.a.networkMode).toBe('bridge');
  });

  it('exports an empty template as an empty compose file that imports back empty', () => {
    const yaml = templateToCompose({ name: 'e' });
    // docker-compose 1.29 reads a file without a non-empty services or networks section (and
    // without a version) as v1, where every top-level key is a service.
    expect(parse(yaml)).toEqual({ version: '3.9', services: {} });
    expect(composeToTemplate(parse(yaml), 'e')).toEqual({
      document: { name: 'e' },
      unmapped: [],
    });
  });

  it('always writes services, even for a template of networks only', () => {
    const yaml = templateToCompose({
      name: 'n',
      description: 'only a network',
      networks: { 'n-front': { internal: true } },
    });
    expect(parse(yaml)).toEqual({
      services: {},
      networks: { 'n-front': { name: 'n-front', internal: true } },
      'x-switchyard': { description: 'only a network' },
    });
  });
});
