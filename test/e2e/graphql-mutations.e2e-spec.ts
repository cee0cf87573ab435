import { startApp, type TestApp } from '../support/app';
import { TEST_LABEL } from '../support/constants';
import { cleanupEngine, findNetworks } from '../support/engine';
import { wsOperation } from '../support/graphql-ws';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';

// Every mutation field is nullable: when one mutation of a document fails, the others that ran
// are still reported in `data`, and the failure has its own error with its code and path.

type GqlError = { message: string; path?: (string | number)[]; extensions?: { code?: string } };

describe('GraphQL: one failing mutation does not hide the others', () => {
  const p = runPrefix('gql-mut');
  let t: TestApp;
  const labels = { [TEST_LABEL]: '1' };

  beforeAll(async () => {
    await cleanupEngine(p);
    t = await startApp();
  });

  afterAll(async () => {
    await t?.close();
    await cleanupEngine(p);
  });

  it('reports the first and third mutations when the second fails, with the error code and path', async () => {
    const res = await t
      .gql(
        `mutation($a: CreateNetworkInput!, $c: CreateNetworkInput!, $missing: String!) {
          first: createNetwork(input: $a) { name }
          second: removeNetwork(ref: $missing)
          third: createNetwork(input: $c) { name }
        }`,
        {
          a: { name: `${p}first`, labels },
          c: { name: `${p}third`, labels },
          missing: `${p}never-made`,
        },
      )
      .expect(200);
    expect(res.body.data).toEqual({
      first: { name: `${p}first` },
      second: null,
      third: { name: `${p}third` },
    });
    const errors = res.body.errors as GqlError[];
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toEqual(['second']);
    expect(errors[0].extensions?.code).toBe('NETWORK_NOT_FOUND');
    // The engine shows what ran.
    expect((await findNetworks(`${p}first`)).map((n) => n.Name)).toEqual([`${p}first`]);
    expect((await findNetworks(`${p}third`)).map((n) => n.Name)).toEqual([`${p}third`]);
    expect(await findNetworks(`${p}never-made`)).toEqual([]);
  });

  it('reports Boolean mutations around a refused one (a name already taken)', async () => {
    const name = `${p}taken`;
    await t.gql('mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { id } }', {
      i: { name, labels },
    });
    expect(await findNetworks(name)).toHaveLength(1);
    const other = `${p}other`;
    await t.gql('mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { id } }', {
      i: { name: other, labels },
    });
    const res = await t
      .gql(
        `mutation($taken: String!, $other: String!, $dup: CreateNetworkInput!) {
          a: removeNetwork(ref: $other)
          b: createNetwork(input: $dup) { id }
          c: removeNetwork(ref: $taken)
        }`,
        { taken: name, other, dup: { name, labels } },
      )
      .expect(200);
    expect(res.body.data).toEqual({ a: true, b: null, c: true });
    const errors = res.body.errors as GqlError[];
    expect(errors.map((e) => [e.path, e.extensions?.code])).toEqual([[['b'], 'NETWORK_NAME_TAKEN']]);
    expect(await findNetworks(name)).toEqual([]);
    expect(await findNetworks(other)).toEqual([]);
  });
  it('does the same over graphql-ws', async () => {
    const port = await listenOnLoopback(t);
    const answer = await wsOperation(
      port,
      t.config.ADMIN_API_KEY!,
      `mutation($a: CreateNetworkInput!, $missing: String!, $c: CreateNetworkInput!) {
        first: createNetwork(input: $a) { name }
        second: removeNetwork(ref: $missing)
        third: createNetwork(input: $c) { name }
      }`,
      {
        a: { name: `${p}ws-first`, labels },
        missing: `${p}ws-never-made`,
        c: { name: `${p}ws-third`, labels },
      },
    );
    expect(answer.type).toBe('next');
    expect(answer.payload.data).toEqual({
      first: { name: `${p}ws-first` },
      second: null,
      third: { name: `${p}ws-third` },
    });
    const errors = answer.payload.errors as GqlError[];
    expect(errors.map((e) => [e.path, e.extensions?.code])).toEqual([[['second'], 'NETWORK_NOT_FOUND']]);
    expect(await findNetworks(`${p}ws-first`)).toHaveLength(1);
    expect(await findNetworks(`${p}ws-third`)).toHaveLength(1);
  });
});
