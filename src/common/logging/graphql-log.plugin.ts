import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import { noteForRequestLog } from './request-log';

// The operation a GraphQL request ran (name and type), for its request line.
export function graphqlLogPlugin(): ApolloServerPlugin<{ req?: { raw?: IncomingMessage } }> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: ({ contextValue, operation, operationName, request }) => {
          const raw = contextValue.req?.raw;
          const name = operationName ?? request.operationName;
          if (raw) {
            noteForRequestLog(raw, {
              ...(operation ? { operationType: operation.operation } : {}),
              ...(name ? { operationName: name.slice(0, 128) } : {}),
            });
          }
          return Promise.resolve();
        },
      }),
  };
}
