import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import { GraphQLError, OperationTypeNode } from 'graphql';

export const SUBSCRIPTION_OVER_HTTP_MESSAGE =
  'A subscription runs over WebSocket: connect to /graphql with the graphql-transport-ws protocol (graphql-ws) and send it there; over HTTP send queries and mutations.';

// Apollo would run a subscription sent over HTTP as a query of its root field (graphql-js 16
// executes it once): refused as the caller's mistake, with where to send it instead.
export function subscriptionsOverHttpPlugin(): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: ({ operation }) => {
          if (operation?.operation === OperationTypeNode.SUBSCRIPTION)
            throw new GraphQLError(SUBSCRIPTION_OVER_HTTP_MESSAGE, {
              extensions: { code: 'VALIDATION_FAILED', http: { status: 400 } },
            });
          return Promise.resolve();
        },
      }),
  };
}
