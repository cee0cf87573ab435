import { AsyncLocalStorage } from 'node:async_hooks';

// What every log line written while a request is handled carries: its id (the one in answers'
// requestId and in X-Request-Id).
export interface RequestContext {
  reqId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

// The fields the current request adds to a log line (none outside a request).
export function requestContextFields(): Partial<RequestContext> {
  const context = requestContext.getStore();
  return context ? { reqId: context.reqId } : {};
}
