import { RateLimiter } from '../../src/auth/rate-limiter';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/common/http/json-depth';
import { trustedProxyList } from '../../src/common/net/trusted-proxies';
import { loadConfig } from '../../src/config/app-config';

const arrays = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
const objects = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

describe('nestsDeeperThan', () => {
  it('counts the outermost array or object as level 1, scalars as no level', () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan('x', 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [1, 'x', null] }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: 2 }] }, 2)).toBe(true);
  });

  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, of arrays, objects and mixed`, () => {
    for (const build of [arrays, objects]) {
      expect(nestsDeeperThan(build(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
      expect(nestsDeeperThan(build(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    }
    const mixed = {
      wide: Array.from({ length: 1000 }, () => ({ x: [1] })),
      deep: { a: arrays(MAX_JSON_DEPTH - 1) },
    };
    expect(nestsDeeperThan(mixed, MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ deep: arrays(MAX_JSON_DEPTH - 1) }, MAX_JSON_DEPTH)).toBe(false);
  });

  it('is safe on depths that overflow recursive code', () => {
    expect(nestsDeeperThan(arrays(200_000), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('trustedProxyList', () => {
  it('takes addresses and CIDRs of both families, trimmed', () => {
    expect(trustedProxyList('')).toEqual([]);
    expect(trustedProxyList(' 127.0.0.1 , 10.0.0.0/8,::1, fd00::/8 ,')).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ]);
  });

  it('refuses names, keywords, bad prefixes and host bits', () => {
    for (const bad of ['localhost', 'loopback', '10.0.0.0/33', '10.0.0.1/8', '1.2.3', '*', '10.0.0.0/-1'])
      expect([bad, trustedProxyList(bad)]).toEqual([bad, null]);
  });

  it('is a validated setting, off by default', () => {
    expect(loadConfig({}).TRUSTED_PROXIES).toBe('');
    expect(loadConfig({ TRUSTED_PROXIES: '10.1.0.0/16' }).TRUSTED_PROXIES).toBe('10.1.0.0/16');
    expect(() => loadConfig({ TRUSTED_PROXIES: 'proxy.example.com' })).toThrow(/TRUSTED_PROXIES must be/);
  });
});

describe('RateLimiter.allows', () => {
  it('tells whether a request would pass without spending a token', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 2, () => now);
    expect(limiter.allows('a')).toBe(true);
    limiter.take('a');
    limiter.take('a');
    expect(limiter.allows('a')).toBe(false);
    expect(limiter.allows('a')).toBe(false);
    expect(limiter.allows('b')).toBe(true);
    now = 1000;
    expect(limiter.allows('a')).toBe(true);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.allows('a')).toBe(false);
  });
});
