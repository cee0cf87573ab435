import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { startApp, type TestApp } from '../support/app';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { wsOperation } from '../support/graphql-ws';

// The GraphQL IDE's schema: the introspection query GraphiQL 4.1.2 really sends (graphql-js's
// getIntrospectionQuery with its inputValueDeprecation and schemaDescription props, both false
// by default; @graphiql/react's schema store) is measured by introspection's own limits, not by
// the depth and cost meant for data. Keys stay required and GRAPHQL_INTROSPECTION=false refuses it.

const GRAPHIQL_QUERY = getIntrospectionQuery({ inputValueDeprecation: false, schemaDescription: false });
// GraphiQL retries without subscriptionType when a server has none (its fallback query).
const GRAPHIQL_FALLBACK = GRAPHIQL_QUERY.replace('subscriptionType { name }', '');
const EVERY_OPTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});

type Json = ReturnType<typeof JSON.parse>;

const codesOf = (body: Json): string[] =>
  ((body?.errors ?? []) as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code ?? '');

describe('IDE introspection', () => {
  const p = runPrefix('ide-intro');
  let t: TestApp;
  let tight: TestApp;
  let off: TestApp;
  let viewer: string;

  beforeAll(async () => {
    t = await startApp();
    // The tightest data limits the settings allow: the IDE must still load its schema.
    tight = await startApp({ GRAPHQL_MAX_DEPTH: 2, GRAPHQL_MAX_COST: 10, GRAPHQL_MAX_ALIASES: 0 });
    off = await startApp({ GRAPHQL_INTROSPECTION: false });
    viewer = (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}viewer`, role: 'viewer' })
        .expect(201)
    ).body.key as string;
  });

  afterAll(async () => {
    await Promise.all([t?.close(), tight?.close(), off?.close()]);
  });

  const expectFullSchema = (body: Json) => {
    expect(body.errors).toBeUndefined();
    const schema = buildClientSchema(body.data as IntrospectionQuery);
    expect(schema.getQueryType()?.name).toBe('Query');
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['networks']));
    expect(Object.keys(schema.getMutationType()!.getFields())).toEqual(
      expect.arrayContaining(['createNetwork', 'connectContainer']),
    );
  };

  it("answers GraphiQL's own introspection query (and its fallback) with a schema buildClientSchema accepts", async () => {
    for (const query of [GRAPHIQL_QUERY, GRAPHIQL_FALLBACK]) {
      const res = await t.gql(query, undefined, viewer);
      expect(res.status).toBe(200);
      expectFullSchema(res.body);
    }
  });

  it('answers the introspection query with every option on', async () => {
    const res = await t.gql(EVERY_OPTION, undefined, viewer);
    expect(res.status).toBe(200);
    expectFullSchema(res.body);
    expect(res.body.data.__schema.description).toBeNull();
  });

  it('measures introspection by its own limits, not by the data limits, on HTTP and graphql-ws', async () => {
    // The data limits of this service refuse a query two levels deep...
    const data = await tight.gql('{ networks { ipam { driver } } }');
    expect(JSON.stringify(data.body.errors)).toContain('The query nests 3 levels deep; at most 2');
    // ...and still serve the IDE its schema.
    for (const query of [GRAPHIQL_QUERY, EVERY_OPTION]) {
      const res = await tight.gql(query);
      expect(res.status).toBe(200);
      expectFullSchema(res.body);
    }
    const port = await listenOnLoopback(tight);
    const answer = await wsOperation(port, tight.config.ADMIN_API_KEY!, GRAPHIQL_QUERY);
    expect(answer.type).toBe('next');
    expectFullSchema(answer.payload);
  });

  it('refuses introspection without a key', async () => {
    const res = await t.gql(GRAPHIQL_QUERY, undefined, null);
    expect(res.status).toBe(401);
    expect(codesOf(res.body)).toEqual(['UNAUTHENTICATED']);
    expect(res.body.data?.__schema).toBeUndefined();
  });

  it('refuses introspection when GRAPHQL_INTROSPECTION=false', async () => {
    const res = await off.gql(GRAPHIQL_QUERY, undefined);
    expect(res.status).toBe(400);
    expect(res.body.data?.__schema).toBeUndefined();
    expect(JSON.stringify(res.body.errors)).toContain('introspection');
  });

  it('measures a document that mixes data with introspection by the data limits', async () => {
    // Data nested past the limit (4 levels where 2 are allowed) beside a small introspection.
    const deep = await tight.gql(
      '{ __schema { queryType { name } } networks { ipam { config { subnet } } } }',
    );
    expect(deep.status).toBe(400);
    expect(new Set(codesOf(deep.body))).toEqual(new Set(['QUERY_TOO_COMPLEX']));
    expect(JSON.stringify(deep.body.errors)).toContain('The query nests 4 levels deep; at most 2');
    expect(deep.body.data).toBeUndefined();
    // The standard introspection query with one data field beside it: every level counts.
    const mixed = await t.gql(
      GRAPHIQL_QUERY.replace('__schema {', 'networks { name } __schema {'),
      undefined,
      viewer,
    );
    expect(mixed.status).toBe(400);
    expect(codesOf(mixed.body)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(mixed.body.errors[0].message).toContain('The query nests 15 levels deep; at most 10');
    // Introspection alone that fans out (a field's type asked for its fields, again and again).
    const fanOut = await t.gql(
      '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
      undefined,
      viewer,
    );
    expect(fanOut.status).toBe(400);
    expect(codesOf(fanOut.body)).toContain('QUERY_TOO_COMPLEX');
  });
});
