import type { TemplateDocument } from '../../src/templates/template.types';

// Compose import/export fixtures. Subnets: 10.174.0.0/16 and fd00:174::/32 (never created: the
// compose tests need no engine).

// A rich template: several networks with ipam/aux/options, containers on two networks with fixed
// IPs, MACs and aliases, entrypoint, env, restart, host/none modes, expectations, start false.
export const richTemplate: TemplateDocument = {
  name: 'rich',
  description: 'A lab with $dollars, "quotes" and no: problems',
  labels: { team: 'net', 'io.example/owner': 'yes' },
  networks: {
    'rich-front': {
      driver: 'bridge',
      attachable: true,
      ipam: {
        driver: 'default',
        config: [
          {
            subnet: '10.174.0.0/24',
            gateway: '10.174.0.1',
            ipRange: '10.174.0.128/25',
            auxAddresses: { router: '10.174.0.2' },
          },
        ],
        options: { 'com.example.opt': 'on' },
      },
      options: { 'com.docker.network.bridge.name': 'br-rich-front', 'com.docker.network.driver.mtu': '1400' },
      labels: { zone: 'dmz' },
    },
    'rich-back': {
      internal: true,
      enableIPv6: true,
      ipam: {
        config: [{ subnet: '10.174.1.0/24' }, { subnet: 'fd00:174:1::/64', gateway: 'fd00:174:1::1' }],
      },
    },
    'rich-plain': {},
  },
  containers: {
    'rich-web': {
      image: 'switchyard-test:1',
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo "$HOME" && sleep 3600'],
      env: {
        MODE: 'no',
        TIME: '1:20',
        EMPTY: '',
        COST: '$5',
        EQ: '=',
        MERGE: '<<',
        DATE: '2001-12-14',
        OCT: '012',
      },
      labels: { role: 'web', on: 'off' },
      hostname: 'www',
      restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
      networks: {
        'rich-front': {
          ipv4Address: '10.174.0.10',
          macAddress: '02:42:0a:ae:00:0a',
          aliases: ['web', 'www'],
        },
        'rich-back': {
          ipv4Address: '10.174.1.10',
          ipv6Address: 'fd00:174:1::10',
          macAddress: '02:42:0a:ae:01:0a',
        },
      },
    },
    'rich-db': {
      image: 'switchyard-test:1',
      command: ['sleep', '3600'],
      restartPolicy: { name: 'unless-stopped' },
      networks: { 'rich-back': { ipv4Address: '10.174.1.20', aliases: ['db'] }, 'rich-plain': {} },
    },
    'rich-host': {
      image: 'switchyard-test:1',
      networkMode: 'host',
      restartPolicy: { name: 'no' },
      start: false,
    },
    'rich-none': { image: 'switchyard-test:1', networkMode: 'none', entrypoint: [], start: true },
    'rich-bridge': { image: 'switchyard-test:1', networkMode: 'bridge', restartPolicy: { name: 'always' } },
  },
  expectations: [
    { from: 'rich-web', to: 'rich-db', reachable: true },
    { from: 'rich-db', to: 'rich-none', reachable: false },
  ],
};

// The seed walkthrough's shape: one network, two containers with fixed addresses.
export const plainTemplate: TemplateDocument = {
  name: 'walk',
  networks: { 'walk-lan': { ipam: { config: [{ subnet: '10.174.10.0/24', gateway: '10.174.10.1' }] } } },
  containers: {
    'walk-a': {
      image: 'switchyard-test:1',
      command: ['sleep', '3600'],
      networks: { 'walk-lan': { ipv4Address: '10.174.10.10' } },
    },
    'walk-b': {
      image: 'switchyard-test:1',
      command: ['sleep', '3600'],
      networks: { 'walk-lan': { ipv4Address: '10.174.10.11', macAddress: '02:42:0a:ae:0a:0b' } },
    },
  },
  expectations: [{ from: 'walk-a', to: 'walk-b', reachable: true }],
};

// Strings that YAML 1.1 (docker-compose's PyYAML), YAML 1.2 and compose's interpolation each read
// their own way.
const ODD = [
  'no',
  'yes',
  'on',
  'off',
  'y',
  'n',
  'NO',
  'True',
  '~',
  'null',
  '',
  ' ',
  ' lead',
  'trail ',
  '1:20',
  '0o17',
  '012',
  '0x1F',
  '1_000',
  '0b101',
  '1e5',
  '+1',
  '.inf',
  '.NaN',
  '1.5',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '=',
  '<<',
  '<<: *a',
  '-',
  '- x',
  '?',
  '? x',
  ':',
  'a: b',
  'a #b',
  '#c',
  '@x',
  '`x',
  '!x',
  '!!str x',
  '%x',
  '&a',
  '*a',
  '{x',
  '[x',
  '}',
  ']',
  '|',
  '>',
  "'",
  '"',
  '\\',
  'two\nlines',
  'tab\there',
  '$',
  '$$',
  '$HOME',
  '${X:-y}',
  'é ✓',
  'x'.repeat(300),
];

export const oddStringsTemplate: TemplateDocument = {
  name: 'odd',
  description: ODD.join(' | '),
  labels: Object.fromEntries(ODD.map((value, index) => [`odd.${index}`, value])),
  networks: {
    'odd-net': {
      labels: Object.fromEntries(ODD.map((value, index) => [`l${index}`, value])),
      options: { 'com.example.text': 'no' },
      ipam: { config: [{ subnet: '10.174.20.0/24' }], options: { '012': '0x1F' } },
    },
  },
  containers: {
    'odd-box': {
      image: 'switchyard-test:1',
      entrypoint: ODD.slice(0, 20),
      command: ODD,
      env: Object.fromEntries(ODD.map((value, index) => [`E${index}`, value])),
      labels: Object.fromEntries(ODD.map((value, index) => [`c${index}`, value])),
      hostname: 'no',
      networks: { 'odd-net': { aliases: ['no', 'on', '012'] } },
    },
  },
};

// Network modes only, and a container that is not started.
export const modesTemplate: TemplateDocument = {
  name: 'modes',
  containers: {
    'modes-host': { image: 'switchyard-test:1', networkMode: 'host', command: ['true'], start: false },
    'modes-none': { image: 'switchyard-test:1', networkMode: 'none', restartPolicy: { name: 'always' } },
    'modes-bridge': { image: 'switchyard-test:1', networkMode: 'bridge', hostname: 'b' },
  },
};
