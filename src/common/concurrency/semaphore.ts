// At most `limit` holders at once; others wait in arrival order, up to `maxWaiting` of them and
// for at most `waitTimeoutMs`, after which `onBusy()` supplies the error they get.
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<{ grant: () => void; timer: NodeJS.Timeout }> = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
    private readonly waitTimeoutMs: number,
    private readonly onBusy: () => Error,
  ) {}

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  // Resolves with the release function; call it exactly once. `waitTimeoutMs` shortens the wait
  // of this one caller.
  acquire(waitTimeoutMs = this.waitTimeoutMs): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxWaiting || waitTimeoutMs <= 0) return Promise.reject(this.onBusy());
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          this.active++;
          resolve(this.releaser());
        },
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(this.onBusy());
        }, waitTimeoutMs),
      };
      this.waiting.push(entry);
    });
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.grant();
    };
  }
}

// Slots shared fairly between keys: at most `limit` holders at once, and at most `perKey` of them
// for one key, so that one key's slow work cannot take every slot from the others. A key waits
// for its own share first, then for a slot, within one `waitTimeoutMs` in all.
export class FairSemaphore {
  private readonly all: Semaphore;
  private readonly keys = new Map<string, Semaphore>();

  constructor(
    limit: number,
    readonly perKey: number,
    private readonly maxWaiting: number,
    private readonly waitTimeoutMs: number,
    private readonly onBusy: () => Error,
  ) {
    this.all = new Semaphore(limit, maxWaiting, waitTimeoutMs, onBusy);
  }

  // Callers waiting now: for their key's share, or with it for a slot (metrics read it).
  get waiting(): number {
    let count = this.all.queued;
    for (const share of this.keys.values()) count += share.queued;
    return count;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let share = this.keys.get(key);
    if (!share) {
      share = new Semaphore(this.perKey, this.maxWaiting, this.waitTimeoutMs, this.onBusy);
      this.keys.set(key, share);
    }
    const keySemaphore = share;
    // A key with nothing running and nothing waiting is forgotten: the map stays as small as the
    // set of keys at work.
    const forget = () => {
      if (keySemaphore.inUse === 0 && keySemaphore.queued === 0 && this.keys.get(key) === keySemaphore)
        this.keys.delete(key);
    };
    let releaseShare: () => void;
    try {
      releaseShare = await keySemaphore.acquire();
    } catch (error) {
      forget();
      throw error;
    }
    try {
      const left = this.waitTimeoutMs - (performance.now() - started);
      const releaseSlot = await this.all.acquire(this.waitTimeoutMs === 0 ? 0 : Math.max(1, left));
      try {
        return await fn();
      } finally {
        releaseSlot();
      }
    } finally {
      releaseShare();
      forget();
    }
  }
}
