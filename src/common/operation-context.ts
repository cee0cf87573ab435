import { AsyncLocalStorage } from 'node:async_hooks';

// The audited operation a request is running, visible to the code below it (the engine adapter
// in particular) without passing it through every call.
export interface OperationContext {
  operationId: string;
  // Called before each change (to the engine, or to the keys); the first call stores the intent
  // durably, so nothing changes before it is recorded.
  beforeChange(operation: string): Promise<void>;
  // A fact the outcome entry records in its detail (e.g. an admin key going beyond a rule).
  note?(text: string): void;
}

const storage = new AsyncLocalStorage<OperationContext>();

export const Operations = {
  run<T>(context: OperationContext, fn: () => Promise<T>): Promise<T> {
    return storage.run(context, fn);
  },
  current(): OperationContext | undefined {
    return storage.getStore();
  },
};

// The label that ties what an operation created on the engine to its audit entries.
export const OPERATION_LABEL = 'io.switchyard.operation';
