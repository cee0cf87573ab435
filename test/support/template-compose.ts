import type { TemplateDocument } from '../../src/templates/template.types';

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
            subnet: '10.231.0.0/24',
            gateway: '10.231.0.1',
            ipRange: '10.231.0.128/25',
            auxAddresses: { router: '10.231.0.2' },
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
        config: [{ subnet: '10.231.1.0/24' }, { subnet: 'fd00:231:1::/64', gateway: 'fd00:231:1::1' }],
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
          ipv4Address: '10.231.0.10',
          macAddress: '02:42:0a:e7:00:0a',
          aliases: ['web', 'www'],
        },
        'rich-back': {
          ipv4Address: '10.231.1.10',
          ipv6Address: 'fd00:231:1::10',
          macAddress: '02:42:0a:e7:01:0a',
        },
      },
    },
    'rich-db': {
      image: 'switchyard-test:1',
      command: ['sleep', '3600'],
      restartPolicy: { name: 'unless-stopped' },
      networks: { 'rich-back': { ipv4Address: '10.231.1.20', aliases: ['db'] }, 'rich-plain': {} },
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
