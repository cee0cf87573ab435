import { buildSchema, parse } from 'graphql';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { DomainError } from '../../src/common/errors/domain-error';
import { argvStringsIn } from '../../src/common/graphql/argv-strings';
import { PageCursors } from '../../src/common/paging/page-cursor';
import { LABEL_RULES, stringMapProblem } from '../../src/common/validation/validators';
import { ExecInput } from '../../src/containers/dto/exec.input';
import { ENV_RULES } from '../../src/containers/dto/run-container.input';

describe('a command string in a GraphQL variable default', () => {
  const schema = buildSchema(`
    input RunContainerInput { image: String!, command: [String!] }
    input ExecInput { command: [String!]! }
    type Query { x: Int }
    type Mutation { runContainer(input: RunContainerInput!): Int, exec(ref: String!, input: ExecInput!): Int }
  `);
  const check = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
    argvStringsIn(schema, parse(query), variables, operationName);

  it('reads a list variable that is not sent from its default', () => {
    const query = 'mutation($c: [String!]! = "echo hi") { exec(ref: "x", input: {command: $c}) }';
    expect(check(query)).toEqual([
      { field: 'input.command', message: expect.stringContaining('not one string') },
    ]);
    expect(check(query, {})).toHaveLength(1);
    // A sent value replaces the default.
    expect(check(query, { c: ['echo', 'hi'] })).toEqual([]);
    expect(
      check('mutation($c: [String!]! = ["echo", "hi"]) { exec(ref: "x", input: {command: $c}) }'),
    ).toEqual([]);
  });

  it('reads an input object default with a string command', () => {
    expect(
      check(
        'mutation($i: RunContainerInput! = {image: "b", command: "sleep 1"}) { runContainer(input: $i) }',
      ),
    ).toEqual([{ field: 'input.command', message: expect.any(String) }]);
    expect(
      check('mutation($i: ExecInput! = {command: "id"}) { exec(ref: "x", input: $i) }', {
        i: { command: ['id'] },
      }),
    ).toEqual([]);
  });

  it('reads only the selected operation and the fragments it uses', () => {
    const document = `
      mutation Bad { runContainer(input: {image: "b", command: "sleep 1"}) }
      mutation Good { runContainer(input: {image: "b", command: ["sleep", "1"]}) }
      mutation BadDefault($c: [String!] = "id") { exec(ref: "x", input: {command: $c}) }
    `;
    expect(check(document, {}, 'Good')).toEqual([]);
    expect(check(document, {}, 'Bad')).toHaveLength(1);
    expect(check(document, {}, 'BadDefault')).toHaveLength(1);
    const fragments = `
      query Q { x }
      mutation M { ...F }
      fragment F on Mutation { ...G }
      fragment G on Mutation { exec(ref: "x", input: {command: "id"}) }
    `;
    expect(check(fragments, {}, 'Q')).toEqual([]);
    expect(check(fragments, {}, 'M')).toHaveLength(1);
  });
});

describe('NUL in strings a program gets', () => {
  it('is refused in environment and label keys and values, and in argv items', () => {
    expect(stringMapProblem({ A: 'x\u0000y' }, ENV_RULES)).toContain('NUL');
    expect(stringMapProblem({ 'A\u0000': 'x' }, ENV_RULES)).toBe(
      'key "A\\u0000" must not contain a NUL character (\\u0000)',
    );
    expect(stringMapProblem({ team: '\u0000' }, LABEL_RULES)).toContain('NUL');
    expect(stringMapProblem({ A: 'tab\tand\nnewline' }, ENV_RULES)).toBeNull();
    const errors = validateSync(plainToInstance(ExecInput, { command: ['echo', 'a\u0000b'] }));
    expect(errors.map((e) => e.property)).toEqual(['command']);
    expect(validateSync(plainToInstance(ExecInput, { command: ['echo', 'a\tb'] }))).toEqual([]);
  });
});

describe('a cursor with filters sent along', () => {
  const cursors = new PageCursors(Buffer.alloc(32, 9));
  const isNumber = (value: unknown): value is number => typeof value === 'number';
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return (error as DomainError).errors?.[0];
    }
    return undefined;
  };

  it('refuses a default value sent that contradicts the cursor, and takes one that agrees', () => {
    const all = cursors.encode('containers', { all: true, label: ['a'] }, 1, 5);
    expect(refusal(() => cursors.decode('containers', all, { all: false }, isNumber))).toEqual({
      field: 'cursor',
      message: expect.stringContaining('other filters (all=true label=a), not all=false'),
    });
    expect(
      refusal(() => cursors.decode('containers', all, { all: true, label: [] }, isNumber)),
    ).toBeDefined();
    expect(
      cursors.decode('containers', all, { all: true, label: ['a'], state: undefined }, isNumber).position,
    ).toBe(5);
    const none = cursors.encode('containers', {}, 1, 5);
    expect(
      cursors.decode('containers', none, { all: false, label: [], network: null }, isNumber).position,
    ).toBe(5);
  });

  it("names a listing's own key as that listing's words, never its value", () => {
    const listing = { keys: ['targetOf'], other: "a cursor of another resource's history" };
    const text = cursors.encode('history:container', { targetOf: 'container:1:a' }, 1, 5);
    const problem = refusal(() =>
      cursors.decode('history:container', text, { targetOf: 'container:2:b' }, isNumber, 'after', listing),
    );
    expect(problem).toEqual({
      field: 'after',
      message: "after is a cursor of another resource's history: start again without it",
    });
    expect(
      cursors.decode('history:container', text, { targetOf: 'container:1:a' }, isNumber, 'after', listing)
        .position,
    ).toBe(5);
  });
});
