import { GraphQLError, parse } from 'graphql';
import { tokenLimitMessage, usesIntrospection } from '../../src/common/graphql/document-rules';
import { describeGraphqlError } from '../../src/common/graphql/format-error';

// How GraphQL documents that Apollo refuses before any resolver are answered.
describe('GraphQL document refusals', () => {
  it('answers the token limit as QUERY_TOO_COMPLEX naming the setting', () => {
    let message = '';
    try {
      parse(`{ networks(filter: { label: [${'"a",'.repeat(200)}] }) { name } }`, { maxTokens: 100 });
    } catch (error) {
      message = (error as GraphQLError).message;
    }
    expect(tokenLimitMessage(message)).toContain('more than 100 tokens (GRAPHQL_MAX_TOKENS)');
    const described = describeGraphqlError(
      { message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } },
      new GraphQLError(message),
    );
    expect(described.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', status: 400 });
    expect(tokenLimitMessage('Syntax Error: Expected Name, found <EOF>.')).toBeNull();
  });

  it('answers an APQ hash mismatch as VALIDATION_FAILED and other bare Apollo 4xx with the catalogue code of their status', () => {
    const mismatch = new GraphQLError('provided sha does not match query', {
      extensions: { http: { status: 400 } },
    });
    expect(
      describeGraphqlError(
        { message: mismatch.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        mismatch,
      ).extensions,
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      errors: [{ field: 'extensions.persistedQuery.sha256Hash' }],
    });
    const other = new GraphQLError('something Apollo refuses', { extensions: { http: { status: 405 } } });
    expect(
      describeGraphqlError({ message: other.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, other)
        .extensions,
    ).toEqual({ code: 'METHOD_NOT_ALLOWED', status: 405 });
  });

  it('finds introspection anywhere in a document, but not __typename', () => {
    expect(usesIntrospection(parse('{ __schema { types { name } } }'))).toBe(true);
    expect(
      usesIntrospection(
        parse('{ networks { name } } query B { ...F } fragment F on Query { __type(name: "X") { name } }'),
      ),
    ).toBe(true);
    expect(usesIntrospection(parse('{ networks { __typename name } }'))).toBe(false);
  });
});
