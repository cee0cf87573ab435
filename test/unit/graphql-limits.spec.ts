import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { queryLimitsRule } from '../../src/common/graphql/limits';

// The cost rule straight on graphql-js: what it counts, and that it stays linear in the document.

const schema = buildSchema(`
  type Network { id: ID! name: String! containers: [Container!]! }
  type Container { id: ID! name: String! networks: [Network!]! }
  type Query { networks: [Network!]! network(ref: String!): Network }
  type Mutation { removeNetwork(ref: String!): Boolean! }
`);

const limits = { maxDepth: 10, maxAliases: 20, maxCost: 1000 };

// Only our rule: its own errors, and none from the others (which reject cycles, for instance).
const check = (document: string) =>
  validate(schema, parse(document), [queryLimitsRule(limits)]).map((e) => e.message);

function fragmentBomb(n: number): string {
  const fragments = ['fragment F0 on Network { name id }'];
  for (let i = 1; i <= n; i++) fragments.push(`fragment F${i} on Network { ...F${i - 1} ...F${i - 1} }`);
  return `{ networks { ...F${n} } }\n${fragments.join('\n')}`;
}

describe('GraphQL query limits', () => {
  it('counts a root query 10, a root mutation 50 and a nested field 1', () => {
    expect(check('{ networks { id name } }')).toEqual([]);
    const twenty = Array.from({ length: 20 }, (_, i) => `r${i}: removeNetwork(ref: "x")`).join(' ');
    expect(check(`mutation { ${twenty} removeNetwork(ref: "y") }`)).toEqual([
      expect.stringContaining('costs 1050'),
    ]);
  });

  it('counts fragments where they are spread, as often as they are spread', () => {
    const spread = `{ networks { ...N } a: networks { ...N } } fragment N on Network { containers { ...C } } fragment C on Container { name networks { name } }`;
    const inline = `{ networks { containers { name networks { name } } } a: networks { containers { name networks { name } } } }`;
    const limit = (maxDepth: number, maxCost: number) =>
      validate(schema, parse(spread), [queryLimitsRule({ maxDepth, maxAliases: 20, maxCost })]).map(
        (e) => e.message,
      );
    expect(check(spread)).toEqual(check(inline));
    // Depth 4 (networks > containers > networks > name); cost 2 x (10 + 1 + 1 + 1 + 1) = 28.
    expect(limit(4, 28)).toEqual([]);
    expect(limit(3, 28)).toEqual([expect.stringContaining('nests 4 levels')]);
    expect(limit(4, 27)).toEqual([expect.stringContaining('costs 28')]);
  });

  it('counts aliases inside fragments each time they are spread', () => {
    const doc = `{ networks { ...A ...A } } fragment A on Network { ${Array.from({ length: 11 }, (_, i) => `n${i}: name`).join(' ')} }`;
    expect(check(doc)).toEqual([expect.stringContaining('uses 22 aliases')]);
  });

  it('measures 2^40 copies of nested fragment spreads in a few milliseconds', () => {
    const doc = fragmentBomb(40);
    expect(doc.length).toBeLessThan(2048);
    const started = performance.now();
    const errors = check(doc);
    const ms = performance.now() - started;
    expect(errors).toEqual([expect.stringContaining(`costs ${10 + 2 ** 41}`)]);
    // A walk that follows every spread would take hours; generous for a busy machine.
    expect(ms).toBeLessThan(200);
  });

  it('ends on fragment cycles (which validation refuses anyway) and on unknown fragments', () => {
    expect(
      check('{ networks { ...A } } fragment A on Network { ...B } fragment B on Network { ...A name }'),
    ).toEqual([]);
    expect(check('{ networks { ...Missing } }')).toEqual([]);
    const all = validate(schema, parse('{ networks { ...A } } fragment A on Network { name ...A }'), [
      ...specifiedRules,
      queryLimitsRule(limits),
    ]);
    expect(all.map((e) => e.message)).toEqual([
      expect.stringContaining('Cannot spread fragment "A" within itself'),
    ]);
  });

  describe('introspection', () => {
    // Data limits as tight as the settings allow: introspection is not measured by them.
    const tight = { maxDepth: 2, maxAliases: 0, maxCost: 10 };
    const checkWith = (document: string, l = limits) =>
      validate(schema, parse(document), [...specifiedRules, queryLimitsRule(l)]).map((e) => e.message);
    const chain = (n: number) => `${'ofType { '.repeat(n)}name${' }'.repeat(n)}`;

    it('lets the standard introspection query through, with the options GraphiQL uses and with all of them, whatever the data limits', () => {
      const graphiql = getIntrospectionQuery({ inputValueDeprecation: false, schemaDescription: false });
      const all = getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      });
      for (const document of [graphiql, all]) {
        expect(checkWith(document)).toEqual([]);
        expect(checkWith(document, tight)).toEqual([]);
      }
      // Spread at the root through a fragment, it is still introspection only.
      expect(checkWith(`{ ...Q } fragment Q on Query { __schema { queryType { name } } }`, tight)).toEqual(
        [],
      );
    });

    it('bounds an introspection-only query by its own depth, list nesting and size', () => {
      expect(checkWith(`{ __type(name: "Network") { ${chain(17)} } }`, tight)).toEqual([]);
      expect(checkWith(`{ __type(name: "Network") { ${chain(20)} } }`, tight)).toEqual([
        expect.stringContaining('The introspection query nests 22 levels deep; at most 20'),
      ]);
      // A field's type asked for its fields again, and again: the answer would explode.
      const wide = `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`;
      expect(check(wide)).toEqual([expect.stringContaining('nests 5 lists')]);
      const size = `{ __type(name: "Network") { ${Array.from({ length: 3 }, () => 'fields { name description }').join(' ')} } }`;
      expect(checkWith(size)).toEqual([]);
      const big = `{ __type(name: "Network") { ...F } } fragment F on __Type { ${Array.from({ length: 499 }, () => 'name').join(' ')} }`;
      expect(checkWith(big)).toEqual([]);
      const bigger = `{ __type(name: "Network") { ...F ...F } } fragment F on __Type { ${Array.from({ length: 250 }, () => 'name').join(' ')} }`;
      expect(checkWith(bigger)).toEqual([expect.stringContaining('selects 501 fields; at most 500')]);
      // Aliases count as for data.
      expect(checkWith('{ a: __schema { queryType { name } } }', tight)).toEqual([
        expect.stringContaining('uses 1 aliases'),
      ]);
    });

    it('measures a document mixing data and introspection by the data limits, every ofType counted', () => {
      const mixed = `{ networks { name } __type(name: "Network") { ${chain(9)} } }`;
      expect(checkWith(mixed)).toEqual([
        expect.stringContaining('The query nests 11 levels deep; at most 10'),
      ]);
      // The standard introspection query with one data field beside it.
      const withData = getIntrospectionQuery().replace('__schema {', 'networks { name } __schema {');
      expect(check(withData)).toEqual([
        expect.stringContaining('The query nests 15 levels deep; at most 10'),
      ]);
      expect(checkWith(`{ __typename networks { name } }`, { ...limits, maxCost: 19 })).toEqual([
        expect.stringContaining('costs 21'),
      ]);
    });
  });
});
