import { type Logger } from '@nestjs/common';
import { headersTooLargeAnswer } from '../../src/common/http/client-error';
import { logGraphqlWsErrors } from '../../src/common/logging/graphql-log.plugin';
import { logSafe, redactedHeaders, secretNameMatcher } from '../../src/common/logging/log-text';
import { codesOfPayload, loggableUrl } from '../../src/common/logging/request-log';

describe('log hardening', () => {
  it('logSafe replaces control characters (C0, DEL, C1), line separators and bidi overrides, and cuts', () => {
    expect(logSafe('y\n[07:00:00.000] ERROR: forged')).toBe('y?[07:00:00.000] ERROR: forged');
    expect(logSafe('a\r\tb\u0000c\u001b[2Jd\u007fe\u0085f\u009bg')).toBe('a??b?c?[2Jd?e?f?g');
    expect(logSafe('a\u2028b\u2029c\u202ed\u2066e')).toBe('a?b?c?d?e');
    expect(logSafe('Ünïcødé-name_1')).toBe('Ünïcødé-name_1');
    expect(logSafe('x'.repeat(200))).toBe(`${'x'.repeat(128)}…`);
    expect(logSafe('x'.repeat(20), 5)).toBe('xxxxx…');
  });

  it('a graphql-ws line keeps a forged operation name on its own line', () => {
    const logger = { log: jest.fn(), error: jest.fn() };
    logGraphqlWsErrors(
      logger as unknown as Logger,
      'r1',
      { operationName: 'y\n[07:00:00.000] ERROR: forged', operationType: 'query' },
      [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
    );
    const [fields, message] = logger.log.mock.calls[0] as [Record<string, unknown>, string];
    expect(message).toBe('graphql-ws query y?[07:00:00.000] ERROR: forged GRAPHQL_PARSE_FAILED');
    expect(fields.operationName).toBe('y?[07:00:00.000] ERROR: forged');
  });

  it('secret names: AUDIT_REDACT_PATTERN, plus authorization, cookie and API keys whatever the pattern', () => {
    const byDefault = secretNameMatcher('pass|secret|token|key');
    for (const name of [
      'token',
      'access_token',
      'Password',
      'x-auth-token',
      'proxy-authorization',
      'cookie',
      'set-cookie',
      'x-api-key',
    ])
      expect(byDefault(name)).toBe(true);
    for (const name of ['cursor', 'label', 'x-request-id', 'content-type', 'user-agent'])
      expect(byDefault(name)).toBe(false);
    const narrow = secretNameMatcher('^pin$');
    expect(narrow('PIN')).toBe(true);
    expect(narrow('token')).toBe(false);
    expect(narrow('authorization')).toBe(true);
    expect(narrow('x-api-key')).toBe(true);
  });

  it('redacts secret header values and keeps every name', () => {
    const isSecret = secretNameMatcher('pass|secret|token|key');
    expect(
      redactedHeaders(
        { 'proxy-authorization': 'Basic x', 'x-auth-token': 't', host: 'h', 'x-request-id': 'r' },
        isSecret,
      ),
    ).toEqual({
      'proxy-authorization': '[redacted]',
      'x-auth-token': '[redacted]',
      host: 'h',
      'x-request-id': 'r',
    });
  });

  it('redacts secret query values (every occurrence) and keeps the names', () => {
    expect(loggableUrl('/api/v1/containers?token=qs&cursor=c&token=again&Password=p&variables=%7B%7D')).toBe(
      '/api/v1/containers?token=[redacted]&cursor=c&token=[redacted]&Password=[redacted]&variables=[redacted]',
    );
    expect(loggableUrl('/x?pin=1&token=2', secretNameMatcher('^pin$'))).toBe('/x?pin=[redacted]&token=2');
  });

  it('a problem+json answer gives its code, never its field errors as GraphQL errors', () => {
    const problem = JSON.stringify({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'token', message: 'token is not a known query parameter' }],
    });
    expect(codesOfPayload(problem, false)).toEqual({ code: 'VALIDATION_FAILED' });
    const graphql = JSON.stringify({
      errors: [{ message: 'x', extensions: { code: 'CONTAINER_NOT_FOUND' } }, { message: 'y' }],
    });
    expect(codesOfPayload(graphql, true)).toEqual({ graphqlErrors: ['CONTAINER_NOT_FOUND', 'UNKNOWN'] });
  });

  it('431 answers: problem+json for REST, GraphQL shape on /graphql, words for a long URL or big headers', () => {
    const longUrl = headersTooLargeAnswer(Buffer.from(`GET /api/v1/containers?cursor=${'a'.repeat(17_000)}`));
    expect(longUrl.head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(longUrl.head).toContain('application/problem+json');
    expect(longUrl.head).toContain(`X-Request-Id: ${longUrl.requestId}\r\n`);
    expect(longUrl.head).toContain(`Content-Length: ${Buffer.byteLength(longUrl.body)}\r\n`);
    expect(JSON.parse(longUrl.body)).toEqual({
      type: 'urn:switchyard:problem:HEADERS_TOO_LARGE',
      title: 'Request header fields too large',
      status: 431,
      detail: expect.stringContaining('shorter filters'),
      code: 'HEADERS_TOO_LARGE',
      requestId: longUrl.requestId,
    });
    expect(longUrl).toMatchObject({ method: 'GET', path: '/api/v1/containers' });

    const bigHeaders = headersTooLargeAnswer(
      Buffer.from(`GET /api/v1/networks HTTP/1.1\r\nx-big: ${'b'.repeat(17_000)}`),
    );
    expect(JSON.parse(bigHeaders.body).detail).toContain('headers');

    const graphql = headersTooLargeAnswer(Buffer.from(`GET /graphql?query=${'q'.repeat(17_000)}`));
    expect(graphql.head).toContain('Content-Type: application/json');
    expect(JSON.parse(graphql.body)).toEqual({
      errors: [
        {
          message: expect.stringContaining('POST body'),
          extensions: { code: 'HEADERS_TOO_LARGE', status: 431, requestId: graphql.requestId },
        },
      ],
    });

    const nothing = headersTooLargeAnswer(undefined);
    expect(nothing.path).toBe('');
    expect(JSON.parse(nothing.body).code).toBe('HEADERS_TOO_LARGE');
  });
});
