import { DomainError } from '../../src/common/errors/domain-error';
import { parseTemplateYaml } from '../../src/templates/validation/template-yaml';

// YAML bodies: plain data only, bounded, with the line and column of what is wrong.

function refusal(text: string): string {
  try {
    parseTemplateYaml(text);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const domain = error as DomainError;
    expect(domain.code).toBe('TEMPLATE_INVALID');
    const problems = domain.context?.problems as Array<{ path: string; message: string }>;
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('$');
    return problems[0].message;
  }
  throw new Error('expected TEMPLATE_INVALID');
}

describe('parseTemplateYaml', () => {
  it('reads a template as the same data as its JSON', () => {
    const json = {
      name: 'lab',
      description: 'a: colon, "quotes" and a # hash',
      labels: { 'com.example.team': 'a', version: '1.10' },
      networks: { front: { internal: true, ipam: { config: [{ subnet: '10.161.1.0/24' }] } } },
      containers: {
        web: {
          image: 'switchyard/busybox:latest',
          command: ['sleep', '3600'],
          env: { EMPTY: '' },
          start: false,
          restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
          networks: { front: { ipv4Address: '10.161.1.10', aliases: ['www'] } },
        },
      },
      expectations: [{ from: 'web', to: 'web', reachable: true }],
    };
    const text = `
name: lab
description: 'a: colon, "quotes" and a # hash'
labels:
  com.example.team: a
  version: "1.10"
networks:
  front:
    internal: true
    ipam:
      config:
        - subnet: 10.161.1.0/24
containers:
  web:
    image: switchyard/busybox:latest
    command: [sleep, "3600"]
    env: { EMPTY: "" }
    start: false
    restartPolicy: { name: on-failure, maximumRetryCount: 3 }
    networks:
      front: { ipv4Address: 10.161.1.10, aliases: [www] }
expectations:
  - { from: web, to: web, reachable: true }
`;
    expect(parseTemplateYaml(text)).toEqual(json);
    // JSON is YAML too.
    expect(parseTemplateYaml(JSON.stringify(json))).toEqual(json);
  });

  it('keeps anchors and aliases that stay small', () => {
    const text = `
name: lab
containers:
  a: &spec { image: switchyard/busybox:latest, command: [sleep, "60"] }
  b: *spec
`;
    const parsed = parseTemplateYaml(text) as { containers: Record<string, unknown> };
    expect(parsed.containers.b).toEqual(parsed.containers.a);
  });

  it('refuses an alias bomb before expanding it, with where it grows too big', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const text = `name: bomb\n${levels.join('\n')}\n`;
    // Expanded, this would be 9^12 strings: the refusal comes from counting, before building.
    const message = refusal(text);
    expect(message).toMatch(/^line \d+, column \d+: expands to more than 2 MiB of data/);
  });

  it('refuses duplicate keys, naming them, with their line and column', () => {
    expect(refusal('name: a\nnetworks:\n  front: {}\n  front: {}\n')).toBe(
      'line 4, column 3: the key "front" appears twice in one mapping (keys must be unique); keep one',
    );
    expect(refusal('labels:\n  "a: b": x\n  "a: b": y\n')).toMatch(
      /^line 3, column 3: the key "a: b" appears twice/,
    );
    expect(refusal("labels: { com.example/x: 1, 'com.example/x': 2 }\n")).toMatch(
      /^line 1, column 29: the key 'com.example\/x' appears twice/,
    );
  });

  it('refuses tags beyond plain data', () => {
    expect(refusal('name: a\ndescription: !!binary aGVsbG8=\n')).toMatch(
      /^line 2, column 23: the tag tag:yaml\.org,2002:binary is not allowed/,
    );
    expect(refusal('name: a\nlabels: !!set { a, b }\n')).toMatch(
      /^line 2, column 15: the tag tag:yaml\.org,2002:set/,
    );
    expect(refusal('name: !mine a\n')).toMatch(/^line 1, column 7: Unresolved tag: !mine/);
    expect(refusal('name: !!js/function "x"\n')).toMatch(/^line 1, column 7: /);
    expect(parseTemplateYaml('name: !!str 12\n')).toEqual({ name: '12' });
  });

  it('merges merge keys (<<: *common, as compose files use them), later keys winning', () => {
    const text = `
x-common: &common { image: switchyard/busybox:latest, labels: { team: a } }
services:
  web:
    <<: *common
    labels: { team: b }
  db:
    <<: [*common, { hostname: db }]
  quoted:
    "<<": plain
`;
    expect(parseTemplateYaml(text)).toEqual({
      'x-common': { image: 'switchyard/busybox:latest', labels: { team: 'a' } },
      services: {
        web: { image: 'switchyard/busybox:latest', labels: { team: 'b' } },
        db: { image: 'switchyard/busybox:latest', labels: { team: 'a' }, hostname: 'db' },
        quoted: { '<<': 'plain' },
      },
    });
  });

  it('refuses a merge of what is not a mapping, and a merge bomb', () => {
    expect(refusal('a:\n  <<: 5\n')).toBe(
      'line 2, column 7: a merge key (<<) takes a mapping, an alias of one (<<: *common) or a list of them; quote "<<" for a plain key',
    );
    expect(refusal('l: &l [1, 2]\na:\n  <<: *l\n')).toMatch(/^line 3, column 7: a merge key/);
    expect(refusal('a:\n  <<: [{ x: 1 }, 2]\n')).toMatch(/^line 2, column 7: a merge key/);
    const levels = [
      `a: &a { ${Array.from({ length: 9 }, (_, i) => `k${i}: "${'lol'.repeat(20)}"`).join(', ')} }`,
    ];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      const fields = Array.from({ length: 9 }, (_, j) => `m${j}: { <<: *${prev} }`).join(', ');
      levels.push(`${name}: &${name} { ${fields} }`);
    }
    expect(refusal(`${levels.join('\n')}\n`)).toMatch(/expands to more than 2 MiB of data/);
  });

  it('refuses several documents, a top level that is not a mapping, and bad syntax', () => {
    expect(refusal('name: a\n---\nname: b\n')).toMatch(
      /^line 2, column 1: Source contains multiple documents/,
    );
    expect(refusal('- a\n- b\n')).toBe(
      'line 1, column 1: the document must be a mapping (name: ..., networks: ...), not a list',
    );
    expect(refusal('just text\n')).toMatch(/not a single value$/);
    expect(refusal('')).toMatch(/not nothing$/);
    expect(refusal('name: [a, b\n')).toMatch(/^line \d+, column \d+: /);
    expect(refusal('? [a, b]\n: c\n')).toMatch(/^line 1, column 3: a mapping key must be a plain value/);
  });

  it('refuses an alias to a node that contains it, and nesting past 64 levels', () => {
    expect(refusal('a: &x\n  b: *x\n')).toMatch(
      /^line 2, column 6: alias \*x refers to a node that contains it/,
    );
    expect(refusal(`a: ${'['.repeat(70)}${']'.repeat(70)}\n`)).toMatch(/more than 64 levels deep/);
    // Deep enough to exhaust the parser's own stack: still the same refusal, not the stack's words.
    for (const depth of [3000, 20000]) {
      const message = refusal(`a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
      expect(message).toMatch(/more than 64 levels deep/);
      expect(message).not.toMatch(/call stack/);
    }
  });
});
