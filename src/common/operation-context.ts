import { AsyncLocalStorage } from 'node:async_hooks';

// One audited operation (a request that changes something), as the code that makes the change
// sees it.
export interface OperationContext {
  operationId: string;
  // Called before each change (to the engine, or to the keys); the first call stores the intent
  // durably, so nothing changes before it is recorded.
  beforeChange(operation: string): Promise<void>;
  // A fact the outcome entry records in its detail (e.g. an admin key going beyond a rule).
  note?(text: string): void;
}

// The port through which whatever changes things (the engine adapter, the key store) reports to
// the audit journal. It knows nothing of the audit log: it is told about each change before it
// is made, and stamps what a change creates with the operation's id so that recovery can find it.
export interface OperationJournal {
  // Resolves once the current operation's intent is durable; at once outside any operation.
  beforeChange(change: string): Promise<void>;
  // The labels with the current operation's id added (unchanged outside any operation).
  stamp(labels: Record<string, string>): Record<string, string>;
}

// The label that ties what an operation created on the engine to its audit entries.
export const OPERATION_LABEL = 'io.switchyard.operation';

// Injection token of the journal (the engine adapter takes it; the audit module provides it).
export const OPERATION_JOURNAL = Symbol('OPERATION_JOURNAL');

// The journal carried by the async context of each request: the audit interceptor runs an
// operation inside `run`, and the code below it reports through the OperationJournal methods
// without the operation being passed through every call.
export class AsyncOperationJournal implements OperationJournal {
  private readonly storage = new AsyncLocalStorage<OperationContext>();

  run<T>(context: OperationContext, fn: () => Promise<T>): Promise<T> {
    return this.storage.run(context, fn);
  }

  current(): OperationContext | undefined {
    return this.storage.getStore();
  }

  async beforeChange(change: string): Promise<void> {
    await this.current()?.beforeChange(change);
  }

  stamp(labels: Record<string, string>): Record<string, string> {
    const operation = this.current();
    return operation ? { ...labels, [OPERATION_LABEL]: operation.operationId } : { ...labels };
  }
}

// The process's one journal.
export const Operations = new AsyncOperationJournal();
