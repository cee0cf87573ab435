import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANY, docCommands, matchPattern, parsePattern } from '../support/doc-examples';

const md = (...lines: string[]) => lines.join('\n');

describe('the doc test reads the examples as written', () => {
  it('splits a sh block into commands, with continuations, open quotes and the answers shown', () => {
    const commands = docCommands(
      md(
        'Intro',
        '```sh',
        'AUTH="authorization: Bearer sy_...your key..."',
        "curl -s -X POST localhost:8080/a -d '{",
        '  "name": "x # not a comment"',
        "}'",
        '# {"name":"x",',
        '#   "id":"3f1c..."}',
        '# prose about what comes next',
        'curl -s -X DELETE localhost:8080/a/x \\',
        '  -H "x: y"    # 204; 409 when in use',
        'curl -s localhost:8080/b   # 422 {"code":"NOPE", ...} and prose',
        'curl -s localhost:8080/c   # by name: prose, no answer',
        '```',
      ),
      'doc.md',
      { graphql: true },
    );
    expect(commands.map((c) => [c.line, c.text.split('\n').length, c.expect])).toEqual([
      [3, 1, {}],
      [4, 3, { json: { name: 'x', id: '3f1c...' } }],
      [10, 2, { status: 204 }],
      [12, 1, { status: 422, json: { code: 'NOPE' } }],
      [13, 1, {}],
    ]);
    expect(commands[1].text).toContain('"x # not a comment"');
    expect(commands[2].text).toBe('curl -s -X DELETE localhost:8080/a/x \\\n  -H "x: y"');
  });

  it('takes a json block right after a sh block as the answer of its last command', () => {
    const commands = docCommands(
      md(
        '```json',
        '{"a": 1}',
        '```',
        '```sh',
        'curl -s x',
        'curl -s y',
        '```',
        'The answer:',
        '```json',
        '{"b": [1, ...]}',
        '```',
      ),
      'doc.md',
      { graphql: false },
    );
    expect(commands.map((c) => c.expect)).toEqual([{}, { json: { b: [1, ANY] } }]);
  });

  it('reads skip marks, on the line before a command or after it, and refuses unknown marks', () => {
    const commands = docCommands(
      md(
        '```sh',
        '# doc-test: skip - runs the suite',
        'npm test',
        'npm run x   # doc-test: skip - why not',
        'echo ok',
        '```',
      ),
      'doc.md',
      { graphql: false },
    );
    expect(commands.map((c) => [c.text, c.skip])).toEqual([
      ['npm test', 'runs the suite'],
      ['npm run x', 'why not'],
      ['echo ok', undefined],
    ]);
    expect(() =>
      docCommands(md('```sh', '# doc-test: skip', 'npm test', '```'), 'doc.md', { graphql: false }),
    ).toThrow(/doc\.md:2: unknown doc-test mark/);
    expect(() =>
      docCommands(md('```sh', 'echo a  # doc-test: maybe', '```'), 'doc.md', { graphql: false }),
    ).toThrow(/unknown doc-test mark/);
    expect(() => docCommands(md('```sh', "echo 'open", '```'), 'doc.md', { graphql: false })).toThrow(
      /never ends/,
    );
    expect(() =>
      docCommands(md('```sh', 'curl x  # {items, nextCursor}', '```'), 'doc.md', { graphql: false }),
    ).toThrow(/not JSON/);
  });

  it('splits a graphql block into its operations, in order', () => {
    const commands = docCommands(
      md('```graphql', 'mutation {', '  a', '}', '', 'query {', '  b', '}', '{ c }', '```'),
      'doc.md',
      { graphql: true },
    );
    expect(commands.map((c) => [c.kind, c.line, c.text])).toEqual([
      ['graphql', 2, 'mutation {\n  a\n}'],
      ['graphql', 6, 'query {\n  b\n}'],
      ['graphql', 9, '{ c }'],
    ]);
  });

  it('reads every example of the README and docs/', () => {
    const root = join(__dirname, '..', '..');
    for (const doc of ['README.md', 'docs/api.md', 'docs/security.md', 'docs/audit.md']) {
      const commands = docCommands(readFileSync(join(root, doc), 'utf8'), doc, { graphql: true });
      expect(commands.length).toBeGreaterThan(0);
    }
  });
});

describe('answers are compared with what the text shows', () => {
  const match = (shown: string, actual: unknown) => matchPattern(parsePattern(shown, 'doc.md:1'), actual);

  it('matches the fields shown, and ... for the rest', () => {
    expect(match('{"a": 1, "b": {...}, ...}', { a: 1, b: { x: 1 }, c: 2 })).toEqual([]);
    expect(match('{"a": 1}', { a: 2 })).toEqual(['$.a: expected 1, got 2']);
    expect(match('{"a": 1}', {})).toEqual(['$.a: missing']);
    expect(match('{"a": [1, ...]}', { a: [1, 2, 3] })).toEqual([]);
    expect(match('{"a": [1]}', { a: [1, 2] })).toEqual(['$.a: expected 1 items, got [1,2]']);
    expect(match('{"a": null}', { a: 0 })).toEqual(['$.a: expected null, got 0']);
  });

  it('matches placeholder strings by shape', () => {
    expect(
      match('{"id": "3f1c...", "key": "sy_...", "x": "..."}', { id: 'abc123', key: 'sy_zz', x: 'q' }),
    ).toEqual([]);
    expect(match('{"id": "3f1c..."}', { id: 'not-hex' })).toHaveLength(1);
    expect(match('{"key": "sy_..."}', { key: 'xx' })).toHaveLength(1);
    expect(match('{"x": "..."}', { x: null })).toHaveLength(1);
  });

  it('compares ids, times and durations by type only', () => {
    expect(
      match(
        '{"id": 812, "durationMs": 41, "createdAt": "2026-11-29T17:00:00.000Z", "rttMs": {"avg": 0.08}}',
        {
          id: 3,
          durationMs: 7,
          createdAt: '2026-11-30T06:00:00.000Z',
          rttMs: { avg: 0.2 },
        },
      ),
    ).toEqual([]);
    expect(match('{"durationMs": 41}', { durationMs: '41' })).toHaveLength(1);
    expect(match('{"exitCode": 3}', { exitCode: 4 })).toHaveLength(1);
  });

  it('ignores prose after the value', () => {
    expect(parsePattern('{"a": 1}; also b', 'doc.md:1')).toEqual({ a: 1 });
  });
});
