import { DomainError } from '../../src/common/errors/domain-error';
import { parseCidr } from '../../src/common/net/ip';
import type { NetworkSpec } from '../../src/engine/engine.types';
import { CreateClaims } from '../../src/networks/network-claims';

const claim = (name: string, subnet?: string) => {
  const parsed = subnet ? parseCidr(subnet) : null;
  return {
    spec: { name, driver: 'bridge', options: {} } as unknown as NetworkSpec,
    subnets: parsed?.ok ? [parsed.cidr] : [],
  };
};

describe('a network create waits for a colliding one only for a bounded time', () => {
  it('is refused with ENGINE_BUSY once the wait passes, and never runs', async () => {
    const claims = new CreateClaims(100);
    let release!: () => void;
    const slow = claims.run(claim('slow', '10.64.0.0/11'), () => new Promise<void>((r) => (release = r)));
    let ran = false;
    const started = Date.now();
    const waiting = claims.run(claim('other', '10.70.0.0/24'), () => Promise.resolve((ran = true)));
    await expect(waiting).rejects.toBeInstanceOf(DomainError);
    await expect(waiting).rejects.toMatchObject({ code: 'ENGINE_BUSY' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ran).toBe(false);
    release();
    await slow;
    // Once the slow one is done, the same create goes through.
    await expect(claims.run(claim('other', '10.70.0.0/24'), () => Promise.resolve('made'))).resolves.toBe(
      'made',
    );
  });

  it('runs when the colliding create ends within the wait', async () => {
    const claims = new CreateClaims(2000);
    let release!: () => void;
    const slow = claims.run(claim('slow', '10.64.0.0/11'), () => new Promise<void>((r) => (release = r)));
    const waiting = claims.run(claim('other', '10.70.0.0/24'), () => Promise.resolve('made'));
    setTimeout(() => release(), 50);
    await expect(waiting).resolves.toBe('made');
    await slow;
  });
});
