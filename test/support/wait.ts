// Waiting on a condition with a deadline in wall time: never a count of tries (a busy machine
// runs fewer of them) and never a fixed sleep that hopes the machine kept up.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  // What is awaited, for the error at the deadline.
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

// Calls `probe` until it answers a truthy value, and returns that value; throws at the deadline
// with the last answer or error.
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false | '' | 0> | T | undefined | null | false | '' | 0,
  { what, timeoutMs = 30_000, intervalMs = 50 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}
