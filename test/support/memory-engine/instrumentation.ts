import { DomainError } from '../../../src/common/errors/domain-error';
import { Operations } from '../../../src/common/operation-context';
import type { ContainerEngine } from '../../../src/engine/engine.port';

// What tests see of the in-memory engine's traffic: every call in order, hooks that run at a
// call (to make it fail, or to race it), and an engine that stops answering.

export type EngineOperation = Exclude<keyof ContainerEngine, 'endpoint' | 'hostNetwork'>;

export interface EngineCall {
  op: EngineOperation;
  args: unknown[];
}

// The operations that change something on the engine (an exec may, too).
export const CHANGES: ReadonlySet<EngineOperation> = new Set<EngineOperation>([
  'createNetwork',
  'removeNetwork',
  'pruneNetworks',
  'connectNetwork',
  'disconnectNetwork',
  'createContainer',
  'startContainer',
  'stopContainer',
  'restartContainer',
  'removeContainer',
  'renameContainer',
  'exec',
  'runProbe',
]);

export type Hook = (...args: unknown[]) => void | Promise<void>;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export abstract class InstrumentedEngine {
  abstract readonly endpoint: string;
  readonly calls: EngineCall[] = [];
  private readonly hooks = new Map<EngineOperation, Hook[]>();
  private reachable = true;

  // Runs `hook` at the next `times` calls of `op`, before the engine acts (and after the
  // audited intent is stored, like a real engine call); a hook that throws fails the call.
  beforeNext(op: EngineOperation, hook: Hook, times = 1): void {
    const list = this.hooks.get(op) ?? [];
    for (let i = 0; i < times; i++) list.push(hook);
    this.hooks.set(op, list);
  }

  failNext(op: EngineOperation, error: Error, times = 1): void {
    this.beforeNext(
      op,
      () => {
        throw error;
      },
      times,
    );
  }

  // Every call fails as with an engine that does not answer (or answers again).
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  callsOf(op: EngineOperation): unknown[][] {
    return this.calls.filter((c) => c.op === op).map((c) => c.args);
  }

  // The calls that would have changed something.
  changes(): EngineOperation[] {
    return this.calls.filter((c) => CHANGES.has(c.op)).map((c) => c.op);
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  // Every call: logged, then (for changes) the audited intent stored first, as the adapter
  // does, then the engine's answer time, unreachability and the test's hooks.
  protected async enter(op: EngineOperation, args: unknown[], change?: string): Promise<void> {
    this.calls.push({ op, args: structuredClone(args) });
    if (change) await Operations.current()?.beforeChange(change);
    await tick();
    if (!this.reachable) {
      throw new DomainError(
        'ENGINE_UNAVAILABLE',
        `The Docker engine at ${this.endpoint} is unreachable (ECONNREFUSED): start the engine or point DOCKER_HOST at a running one.`,
        { context: { operation: op } },
      );
    }
    const hook = this.hooks.get(op)?.shift();
    if (hook) await hook(...args);
  }
}
