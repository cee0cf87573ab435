import type { Actor } from '../../src/auth/roles';
import { NetworkListAnswer, NetworkListCache, cacheKey } from '../../src/networks/network-list-cache';
import type { NetworkModel } from '../../src/networks/models/network.model';

const admin: Actor = { keyId: 'k1', name: 'admin', role: 'admin', scope: {} };
const teamA: Actor = { keyId: 'k2', name: 'a', role: 'admin', scope: { team: 'a' } };
const teamB: Actor = { keyId: 'k3', name: 'b', role: 'admin', scope: { team: 'b' } };

function network(name: string): NetworkModel {
  return { id: `${name}-id`, name } as NetworkModel;
}

// A compute that counts its calls and answers a list naming the call.
function counter(): { compute: () => Promise<NetworkListAnswer>; calls: () => number } {
  let calls = 0;
  return {
    compute: () => Promise.resolve(new NetworkListAnswer([network(`answer-${++calls}`)])),
    calls: () => calls,
  };
}

describe('NetworkListCache', () => {
  it('answers a repeated list at one version from the kept answer', async () => {
    const cache = new NetworkListCache();
    const { compute, calls } = counter();
    const first = await cache.answer(1, {}, admin, compute);
    const second = await cache.answer(1, {}, admin, compute);
    expect(second).toBe(first);
    expect(calls()).toBe(1);
  });

  it('computes again once the version changed', async () => {
    const cache = new NetworkListCache();
    const { compute, calls } = counter();
    const before = await cache.answer(1, {}, admin, compute);
    const after = await cache.answer(2, {}, admin, compute);
    expect(after).not.toBe(before);
    expect(after.items[0].name).toBe('answer-2');
    expect(calls()).toBe(2);
    // The old version's answers are dropped: nothing can ask for them again.
    expect(cache.size).toBe(1);
  });

  it('never shares an answer between different scopes, roles or filters', async () => {
    const cache = new NetworkListCache();
    const { compute, calls } = counter();
    const viewer: Actor = { ...admin, role: 'viewer' };
    const answers = await Promise.all([
      cache.answer(1, {}, admin, compute),
      cache.answer(1, {}, teamA, compute),
      cache.answer(1, {}, teamB, compute),
      cache.answer(1, {}, viewer, compute),
      cache.answer(1, { name: 'x' }, admin, compute),
      cache.answer(1, { driver: 'bridge' }, admin, compute),
      cache.answer(1, { label: ['team=a'] }, admin, compute),
      cache.answer(1, { scope: 'local' }, admin, compute),
    ]);
    expect(new Set(answers).size).toBe(answers.length);
    expect(calls()).toBe(answers.length);
    expect(await cache.answer(1, {}, teamA, compute)).toBe(answers[1]);
  });

  it('keys a scope by its labels, not by their order or the key', () => {
    const one: Actor = { ...admin, keyId: 'k8', scope: { team: 'a', env: 'x' } };
    const other: Actor = { ...admin, keyId: 'k9', scope: { env: 'x', team: 'a' } };
    expect(cacheKey({}, one)).toBe(cacheKey({}, other));
    // A scope whose label value contains the separator of another shape stays distinct.
    expect(cacheKey({}, { ...admin, scope: { a: 'b","c' } })).not.toBe(
      cacheKey({}, { ...admin, scope: { a: 'b', c: '' } }),
    );
  });

  it('shares an answer being computed, and forgets one that failed', async () => {
    const cache = new NetworkListCache();
    let release: (answer: NetworkListAnswer) => void = () => {};
    let calls = 0;
    const slow = () => {
      calls++;
      return new Promise<NetworkListAnswer>((resolve) => (release = resolve));
    };
    const a = cache.answer(1, {}, admin, slow);
    const b = cache.answer(1, {}, admin, slow);
    release(new NetworkListAnswer([]));
    expect(await b).toBe(await a);
    expect(calls).toBe(1);

    const failing = () => Promise.reject(new Error('engine gone'));
    await expect(cache.answer(1, {}, teamA, failing)).rejects.toThrow('engine gone');
    const { compute } = counter();
    expect((await cache.answer(1, {}, teamA, compute)).items[0].name).toBe('answer-1');
  });

  it('holds at most its bound, dropping the least recently used', async () => {
    const cache = new NetworkListCache(2);
    const { compute, calls } = counter();
    await cache.answer(1, { name: 'a' }, admin, compute);
    await cache.answer(1, { name: 'b' }, admin, compute);
    await cache.answer(1, { name: 'a' }, admin, compute); // a is now the most recent
    await cache.answer(1, { name: 'c' }, admin, compute); // drops b
    expect(cache.size).toBe(2);
    expect(calls()).toBe(3);
    await cache.answer(1, { name: 'a' }, admin, compute);
    expect(calls()).toBe(3);
    await cache.answer(1, { name: 'b' }, admin, compute);
    expect(calls()).toBe(4);
  });

  it('serialises the answer as Fastify would, once', () => {
    const answer = new NetworkListAnswer([network('n1')]);
    expect(answer.body().toString('utf8')).toBe(JSON.stringify({ items: [network('n1')] }));
    expect(answer.body()).toBe(answer.body());
  });
});
