import { Logger } from '@nestjs/common';
import { GraphQLError, buildSchema, parse, validate } from 'graphql';
import { DomainError } from '../../src/common/errors/domain-error';
import { describeGraphqlError, formatGraphqlError } from '../../src/common/graphql/format-error';
import { knownOperationTypesRule } from '../../src/common/graphql/operation-types';

describe('GraphQL error formatting', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives domain errors their code and status', () => {
    const error = new GraphQLError('x', {
      path: ['network'],
      originalError: new DomainError('NETWORK_NOT_FOUND', 'No network "a".'),
    });
    expect(describeGraphqlError({ message: 'x' }, error)).toMatchObject({
      message: 'No network "a".',
      extensions: { code: 'NETWORK_NOT_FOUND', status: 404 },
    });
  });

  it('hides unexpected errors, logging them once when formatting and never when only describing', () => {
    const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const error = new GraphQLError('boom', {
      path: ['networks'],
      originalError: new TypeError('secret detail'),
    });
    const described = describeGraphqlError({ message: 'boom' }, error);
    expect(described.extensions).toEqual({ code: 'INTERNAL_ERROR', status: 500 });
    expect(described.message).not.toContain('secret');
    expect(log).not.toHaveBeenCalled();
    formatGraphqlError({ message: 'boom' }, error);
    expect(log).toHaveBeenCalledTimes(1);
  });
});

describe('knownOperationTypesRule', () => {
  const schema = buildSchema('type Query { a: Int } type Mutation { b: Int }');
  const errors = (source: string) =>
    validate(schema, parse(source), [knownOperationTypesRule]).map((e) => e.message);

  it('accepts the operation types the schema has', () => {
    expect(errors('{ a }')).toEqual([]);
    expect(errors('mutation { b }')).toEqual([]);
  });

  it('refuses a subscription on a schema without subscriptions, saying what to send instead', () => {
    expect(errors('subscription { a }')).toEqual([
      'This API has no subscription operations; send a query or a mutation.',
    ]);
    expect(errors('query { a }')).toEqual([]);
  });
});
