// A FIFO async mutex: run() callers execute one at a time, in arrival order.
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    // The chain continues whether fn fails or not; failures belong to the caller only.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
