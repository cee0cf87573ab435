import { buildSchema, parse } from 'graphql';
import { noKeyMessage } from '../../src/auth/api-key-secret';
import { DomainError } from '../../src/common/errors/domain-error';
import { argvStringsIn } from '../../src/common/graphql/argv-strings';
import { withoutVariableValue } from '../../src/common/graphql/format-error';
import { transportProblem } from '../../src/common/graphql/transport-errors';
import { canonicalQuery, PageCursors } from '../../src/common/paging/page-cursor';
import { flattenValidationErrors, mergeFieldErrors } from '../../src/common/validation/validation.pipe';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RunContainerInput } from '../../src/containers/dto/run-container.input';
import { CreateNetworkInput } from '../../src/networks/dto/create-network.input';

const isNumber = (value: unknown): value is number => typeof value === 'number';

function refusal(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError && error.errors?.length === 1) return error.errors[0];
    throw error;
  }
  throw new Error('not refused');
}

describe('page cursors', () => {
  const cursors = new PageCursors(Buffer.alloc(32, 7));

  it('carry their list, filters, page size and position', () => {
    const text = cursors.encode('containers', { label: ['b', 'a'], all: true, state: undefined }, 2, [
      'n',
      'i',
    ]);
    expect(cursors.decode('containers', text, {}, (v): v is string[] => Array.isArray(v))).toEqual({
      query: { all: true, label: ['a', 'b'] },
      limit: 2,
      position: ['n', 'i'],
    });
    // The same filters in another order or spelling of "unset" are the same filters.
    expect(
      cursors.decode(
        'containers',
        text,
        { label: ['a', 'b'], all: true, network: undefined },
        (v): v is string[] => Array.isArray(v),
      ).position,
    ).toEqual(['n', 'i']);
  });

  it('refuses other filters, another list, an edited cursor and one of another key', () => {
    const text = cursors.encode('audit-logs', { action: 'network.create' }, undefined, 811);
    expect(refusal(() => cursors.decode('audit-logs', text, { action: 'container.run' }, isNumber))).toEqual({
      field: 'cursor',
      message: expect.stringContaining('other filters (action=network.create)'),
    });
    expect(refusal(() => cursors.decode('history:network', text, {}, isNumber)).field).toBe('cursor');
    const [body, mac] = text.split('.');
    const forged = Buffer.from(JSON.stringify(['audit-logs', {}, null, 811])).toString('base64url');
    expect(refusal(() => cursors.decode('audit-logs', `${forged}.${mac}`, {}, isNumber)).field).toBe(
      'cursor',
    );
    expect(
      refusal(() => new PageCursors(Buffer.alloc(32, 8)).decode('audit-logs', text, {}, isNumber)).field,
    ).toBe('cursor');
    // A position of another shape than the list's.
    const isText = (v: unknown): v is string => typeof v === 'string';
    expect(refusal(() => cursors.decode('audit-logs', `${body}.${mac}`, {}, isText)).field).toBe('cursor');
    expect(refusal(() => cursors.decode('audit-logs', '811', {}, isNumber)).field).toBe('cursor');
    // The same bytes spelt otherwise (the spare bits of the MAC's last base64url character).
    const last = mac[mac.length - 1];
    const respelt = `${mac.slice(0, -1)}${'AQgw'.includes(last) ? String.fromCharCode(last.charCodeAt(0) + 1) : last}`;
    expect(Buffer.from(respelt, 'base64url').equals(Buffer.from(mac, 'base64url'))).toBe(true);
    expect(respelt).not.toBe(mac);
    expect(refusal(() => cursors.decode('audit-logs', `${body}.${respelt}`, {}, isNumber)).field).toBe(
      'cursor',
    );
  });

  it('leaves unset values and the default false out of the canonical query', () => {
    expect(canonicalQuery({ all: false, label: [], network: null, state: '', action: 'x' })).toEqual({
      action: 'x',
    });
  });
});

describe('one message per field', () => {
  const errorsOf = (cls: new () => object, body: Record<string, unknown>) =>
    flattenValidationErrors(
      validateSync(plainToInstance(cls, body), { whitelist: true, forbidNonWhitelisted: true }),
    );

  it('answers a command given as one string with the list form', () => {
    expect(errorsOf(RunContainerInput, { image: 'busybox', command: 'sleep 3600' })).toEqual([
      { field: 'command', message: expect.stringContaining('["sleep", "3600"]') },
    ]);
  });

  it('keeps the kind message alone when the kind is wrong', () => {
    expect(errorsOf(RunContainerInput, { image: 'busybox', command: [1] })).toEqual([
      { field: 'command', message: 'command: each item must be a string' },
    ]);
    expect(errorsOf(RunContainerInput, { image: 'busybox', networks: 'abc' })).toEqual([
      { field: 'networks', message: expect.stringMatching(/^networks must be a list of/) },
    ]);
    for (const config of ['10.0.0.0/24', ['10.0.0.0/24']]) {
      const errors = errorsOf(CreateNetworkInput, { name: 'n', ipam: { config } });
      expect(errors).toHaveLength(1);
      expect(errors[0].field).toBe('ipam.config');
    }
  });

  it('drops repeated messages and joins different ones', () => {
    expect(
      mergeFieldErrors([
        { field: 'a', message: 'a must be x' },
        { field: 'a', message: 'a must be x' },
        { field: 'a', message: 'a must be y' },
        { field: 'b', message: 'b must be z' },
      ]),
    ).toEqual([
      { field: 'a', message: 'a must be x; must be y' },
      { field: 'b', message: 'b must be z' },
    ]);
  });
});

describe('a command string on GraphQL', () => {
  const schema = buildSchema(`
    input RunContainerInput { image: String!, command: [String!], networks: [ContainerNetworkInput!] }
    input ContainerNetworkInput { aliases: [String!] }
    type Query { x: Int }
    type Mutation { runContainer(input: RunContainerInput!): Int }
  `);
  const check = (query: string, variables?: Record<string, unknown>) =>
    argvStringsIn(schema, parse(query), variables);

  it('finds a string literal, a string list variable and a string inside an input variable', () => {
    expect(check('mutation { runContainer(input: {image: "b", command: "sleep 1"}) }')).toEqual([
      { field: 'input.command', message: expect.stringContaining('["sleep", "3600"]') },
    ]);
    expect(
      check('mutation($c: [String!]) { runContainer(input: {image: "b", command: $c}) }', { c: 'sleep 1' }),
    ).toHaveLength(1);
    expect(
      check('mutation($i: RunContainerInput!) { runContainer(input: $i) }', {
        i: { image: 'b', command: 'x' },
      }),
    ).toEqual([{ field: 'input.command', message: expect.any(String) }]);
  });

  it('lets lists through, and other list fields coerce as GraphQL says', () => {
    expect(check('mutation { runContainer(input: {image: "b", command: ["sleep 1"]}) }')).toEqual([]);
    expect(
      check('mutation($i: RunContainerInput!) { runContainer(input: $i) }', {
        i: { image: 'b', command: ['sleep', '1'], networks: { aliases: 'db' } },
      }),
    ).toEqual([]);
  });
});

describe('what a caller is told', () => {
  it('says a key was sent without "Bearer ", never repeating it', () => {
    expect(noKeyMessage(undefined)).toBe('This needs an API key: send "Authorization: Bearer <key>".');
    for (const header of ['sy_secret', 'Token sy_secret']) {
      const message = noKeyMessage(header);
      expect(message).toContain('missing the "Bearer " scheme');
      expect(message).not.toContain('sy_secret');
    }
    expect(noKeyMessage('Bearer a b')).toContain('no valid key after "Bearer "');
  });

  it('says the scheme is doubled in "Bearer Bearer <key>", never repeating the key', () => {
    for (const header of ['Bearer Bearer sy_secret', 'bearer  BEARER sy_secret ', 'Bearer Bearer']) {
      const message = noKeyMessage(header);
      expect(message).toContain('the scheme twice ("Bearer Bearer")');
      expect(message).toContain('send the key once after "Bearer "');
      expect(message).not.toContain('sy_secret');
    }
    const ws = noKeyMessage(
      'Bearer Bearer sy_secret',
      'The authorization param',
      'send {"authorization": "Bearer <key>"}',
    );
    expect(ws).toContain('The authorization param has the scheme twice');
    expect(noKeyMessage('Bearer Bearerish')).toContain('no valid key after "Bearer "');
  });

  it('says what a StringMap variable should be, without its value', () => {
    expect(
      withoutVariableValue(
        'Variable "$i" got invalid value ["secret"] at "i.labels"; Expected type "StringMap". StringMap must be an object whose values are strings, e.g. {"team": "a"}',
      ),
    ).toBe(
      'Variable "$i" got an invalid value at "i.labels": expected a StringMap, an object whose values are strings such as {"team": "a"} (the value is not repeated here).',
    );
  });

  it('gives Apollo transport refusals a catalogue code and what to send', () => {
    expect(
      transportProblem(
        'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). ...',
        400,
      ),
    ).toEqual({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('apollo-require-preflight: true'),
    });
    expect(
      transportProblem('GET requests only support query operations, not mutation operations', 405).code,
    ).toBe('METHOD_NOT_ALLOWED');
    expect(transportProblem('something new', 406)).toEqual({
      code: 'NOT_ACCEPTABLE',
      message: 'something new',
    });
  });
});
