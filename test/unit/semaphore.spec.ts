import { Semaphore } from '../../src/common/concurrency/semaphore';

const busy = () => new Error('busy');

describe('Semaphore', () => {
  it('lets `limit` run at once and the rest wait in order', async () => {
    const semaphore = new Semaphore(2, 10, 1000, busy);
    const order: number[] = [];
    let running = 0;
    let peak = 0;
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        semaphore.run(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(semaphore.inUse).toBe(0);
  });

  it('refuses when the queue is full, and after the wait times out', async () => {
    const semaphore = new Semaphore(1, 1, 30, busy);
    const release = await semaphore.acquire();
    const waiter = semaphore.acquire();
    await expect(semaphore.acquire()).rejects.toThrow('busy'); // queue full
    await expect(waiter).rejects.toThrow('busy'); // timed out
    expect(semaphore.queued).toBe(0);
    release();
    release(); // a second call changes nothing
    expect(semaphore.inUse).toBe(0);
    const again = await semaphore.acquire();
    expect(semaphore.inUse).toBe(1);
    again();
  });
});
