import { boundedInput, MAX_REFUSAL_INPUT_BYTES } from '../../src/audit/bounded-input';
import { graphqlPayloadInShape } from '../../src/common/graphql/format-error';
import { clientAddressOf } from '../../src/common/net/trusted-proxies';

describe('boundedInput', () => {
  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

  it('keeps small inputs whole', () => {
    const input = { name: 'x', labels: { a: 'b' } };
    expect(boundedInput(input)).toBe(input);
  });

  it('cuts long strings, lists and maps with a marker, within the bound', () => {
    const input = {
      name: 'net',
      labels: Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`k${i}`, 'v'.repeat(1000)])),
      list: Array.from({ length: 1000 }, (_, i) => i),
      [`${'k'.repeat(5000)}`]: 1,
    };
    const out = boundedInput(input) as Record<string, unknown>;
    expect(size(out)).toBeLessThanOrEqual(MAX_REFUSAL_INPUT_BYTES);
    expect(out.name).toBe('net');
    expect(JSON.stringify(out)).toMatch(/…\(truncated, \d+ more entries\)/);
    expect(JSON.stringify(out)).toMatch(/…\(truncated, 1000 bytes\)/);
  });

  it('replaces an input that cannot keep its shape within the bound by one marker', () => {
    const wide = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [
        `k${i}`,
        Object.fromEntries(Array.from({ length: 8 }, (_, j) => [`j${j}`, 'x'.repeat(300)])),
      ]),
    );
    const out = boundedInput(wide, 200);
    expect(typeof out).toBe('string');
    expect(out).toMatch(/^…\(truncated, \d+ bytes\)$/);
  });
});

describe('clientAddressOf', () => {
  it('is the peer without trusted proxies, whatever X-Forwarded-For says', () => {
    expect(clientAddressOf('127.0.0.1', '203.0.113.1', [])).toBe('127.0.0.1');
  });

  it('is the first untrusted hop from the peer back', () => {
    const trusted = ['127.0.0.1', '10.99.0.0/16'];
    expect(clientAddressOf('127.0.0.1', '203.0.113.1', trusted)).toBe('203.0.113.1');
    expect(clientAddressOf('127.0.0.1', '203.0.113.1, 198.51.100.7, 10.99.1.1', trusted)).toBe(
      '198.51.100.7',
    );
    expect(clientAddressOf('192.0.2.5', '203.0.113.1', trusted)).toBe('192.0.2.5');
    expect(clientAddressOf('::ffff:127.0.0.1', '203.0.113.1', trusted)).toBe('203.0.113.1');
    expect(clientAddressOf('127.0.0.1', undefined, trusted)).toBe('127.0.0.1');
    // All hops trusted: the leftmost.
    expect(clientAddressOf('127.0.0.1', '10.99.0.1', trusted)).toBe('10.99.0.1');
  });
});

describe('graphqlPayloadInShape', () => {
  it('adds the request id, and the HTTP status where an error has none', () => {
    const out = JSON.parse(
      graphqlPayloadInShape(
        JSON.stringify({ errors: [{ message: 'x', extensions: { code: 'BAD_REQUEST' } }] }),
        'rid',
        400,
      ),
    );
    // Apollo's own BAD_REQUEST becomes the catalogue's code for the status.
    expect(out.errors[0].extensions).toEqual({ code: 'VALIDATION_FAILED', status: 400, requestId: 'rid' });
  });

  it('leaves answers without errors, or already in shape, as they are', () => {
    const ok = JSON.stringify({ data: { a: 1 } });
    expect(graphqlPayloadInShape(ok, 'rid', 200)).toBe(ok);
    const shaped = JSON.stringify({
      errors: [{ message: 'x', extensions: { code: 'FORBIDDEN', status: 403, requestId: 'r' } }],
    });
    expect(graphqlPayloadInShape(shaped, 'rid', 403)).toBe(shaped);
  });
});
