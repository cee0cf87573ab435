import { diffDocuments } from '../../src/templates/planning/document-diff';
import type { TemplateDocument } from '../../src/templates/template.types';

function v1(): TemplateDocument {
  return {
    name: 'lab',
    description: 'a lab',
    labels: { team: 'net' },
    networks: {
      front: { ipam: { config: [{ subnet: '10.77.1.0/24', gateway: '10.77.1.1' }] } },
      back: { internal: true },
    },
    containers: {
      web: {
        image: 'busybox:test',
        command: ['sleep', '3600'],
        networks: { front: { ipv4Address: '10.77.1.10', aliases: ['www', 'web'] } },
      },
      db: { image: 'busybox:test', networks: { back: {} } },
    },
    expectations: [{ from: 'web', to: 'db', reachable: true }],
  };
}

function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  );
}

describe('diffDocuments', () => {
  it('answers nothing for the same document, whatever its key order', () => {
    expect(diffDocuments(v1(), v1())).toEqual([]);
    expect(diffDocuments(v1(), reversed(v1()) as TemplateDocument)).toEqual([]);
  });

  it('lists changes by JSON path, sorted, with null for the missing side', () => {
    const to = v1();
    to.containers!.web.image = 'busybox:other';
    to.containers!.web.command = ['sleep', '60'];
    to.containers!.web.networks!.front.aliases = ['www'];
    to.networks!.front.ipam!.config![0].subnet = '10.77.2.0/24';
    to.networks!.front.labels = { 'com.example.tier': 'edge' };
    delete to.networks!.back.internal;
    delete to.description;
    to.containers!.cache = { image: 'busybox:test' };
    to.expectations!.push({ from: 'db', to: 'web', reachable: false });
    expect(diffDocuments(v1(), to)).toEqual([
      { path: '$.containers.cache', from: null, to: { image: 'busybox:test' } },
      { path: '$.containers.web.command', from: ['sleep', '3600'], to: ['sleep', '60'] },
      { path: '$.containers.web.image', from: 'busybox:test', to: 'busybox:other' },
      { path: '$.containers.web.networks.front.aliases', from: ['www', 'web'], to: ['www'] },
      { path: '$.description', from: 'a lab', to: null },
      { path: '$.expectations[1]', from: null, to: { from: 'db', to: 'web', reachable: false } },
      { path: '$.networks.back.internal', from: true, to: null },
      { path: '$.networks.front.ipam.config[0].subnet', from: '10.77.1.0/24', to: '10.77.2.0/24' },
      { path: '$.networks.front.labels', from: null, to: { 'com.example.tier': 'edge' } },
    ]);
  });

  it('goes into maps key by key, quoting keys that hold dots', () => {
    const from = v1();
    from.networks!.front.labels = { 'com.example.tier': 'edge', keep: 'x' };
    const to = v1();
    to.networks!.front.labels = { 'com.example.tier': 'core', keep: 'x' };
    expect(diffDocuments(from, to)).toEqual([
      { path: '$.networks.front.labels["com.example.tier"]', from: 'edge', to: 'core' },
    ]);
  });

  it('reports a removed container and a changed expectation', () => {
    const to = v1();
    delete to.containers!.db;
    to.expectations = [{ from: 'web', to: 'db', reachable: false }];
    expect(diffDocuments(v1(), to)).toEqual([
      { path: '$.containers.db', from: { image: 'busybox:test', networks: { back: {} } }, to: null },
      { path: '$.expectations[0].reachable', from: true, to: false },
    ]);
  });

  it('treats names such as constructor or toString as plain keys, never as inherited ones', () => {
    const from: TemplateDocument = {
      name: 'proto',
      networks: { constructor: {} },
      containers: { toString: { image: 'busybox:test' } },
    };
    const to: TemplateDocument = {
      name: 'proto',
      networks: { hasOwnProperty: {} },
      containers: { valueOf: { image: 'busybox:test' } },
    };
    expect(diffDocuments(from, to)).toEqual([
      { path: '$.containers.toString', from: { image: 'busybox:test' }, to: null },
      { path: '$.containers.valueOf', from: null, to: { image: 'busybox:test' } },
      { path: '$.networks.constructor', from: {}, to: null },
      { path: '$.networks.hasOwnProperty', from: null, to: {} },
    ]);
  });
});
