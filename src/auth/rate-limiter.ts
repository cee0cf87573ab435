// Token buckets per caller: `perSecond` tokens flow in, at most `burst` are kept, a request takes
// one. Idle buckets are forgotten so that memory stays bounded.
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private calls = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get limit(): number {
    return this.burst;
  }

  // Whether `take` would allow a request now, without taking anything.
  allows(key: string): boolean {
    const bucket = this.buckets.get(key);
    if (!bucket) return true;
    return bucket.tokens + ((this.now() - bucket.at) / 1000) * this.perSecond >= 1;
  }

  // Remaining tokens after taking one, or the seconds to wait when there is none.
  take(key: string): { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    if (++this.calls % 10_000 === 0) this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)),
    };
  }

  private sweep(now: number): void {
    const full = (this.burst / this.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) if (now - bucket.at > full) this.buckets.delete(key);
  }
}

// The limits of one service: the HTTP gate and graphql-ws take from the same buckets and count
// the same requests in progress, so a key gets no more by switching transports.
export interface KeyLimits {
  limiter: RateLimiter;
  // Requests in progress per caller (`key:<id>`).
  inFlight: Map<string, number>;
  // Requests without a valid key, per client address (`ip:<address>`): a budget apart from the keys'.
  unauthenticated: RateLimiter;
}

const limitsByConfig = new WeakMap<object, KeyLimits>();

export function keyLimitsOf(config: { RATE_LIMIT_PER_SECOND: number; RATE_LIMIT_BURST: number }): KeyLimits {
  let limits = limitsByConfig.get(config);
  if (!limits) {
    limits = {
      limiter: new RateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST),
      inFlight: new Map(),
      unauthenticated: new RateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST),
    };
    limitsByConfig.set(config, limits);
  }
  return limits;
}
