import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import type { Logger as NestLogger } from '@nestjs/common';
import { type DocumentNode, Kind, type OperationDefinitionNode } from 'graphql';
import { logSafe } from './log-text';
import { isServerSide, noteForRequestLog } from './request-log';

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
              ...(name ? { operationName: logSafe(name) } : {}),
            });
          }
          return Promise.resolve();
        },
      }),
  };
}

// graphql-ws has no request line: one line per operation whose answer carries errors, with the
// same fields as a GraphQL request line (at error when one of them is the service's fault).
export function logGraphqlWsErrors(
  logger: NestLogger,
  reqId: string | undefined,
  operation: { operationName?: string | null; operationType?: string },
  errors: readonly { extensions?: Record<string, unknown> }[],
): void {
  const graphqlErrors = errors.map((e) =>
    typeof e.extensions?.code === 'string' ? e.extensions.code : 'UNKNOWN',
  );
  const name = operation.operationName ? logSafe(operation.operationName) : undefined;
  const fields = {
    reqId,
    transport: 'graphql-ws',
    ...(operation.operationType ? { operationType: operation.operationType } : {}),
    ...(name ? { operationName: name } : {}),
    graphqlErrors,
  };
  const what = [operation.operationType, name].filter(Boolean).join(' ');
  const message = `graphql-ws ${what ? `${what} ` : ''}${graphqlErrors.join(',')}`;
  if (graphqlErrors.some(isServerSide)) logger.error(fields, message);
  else logger.log(fields, message);
}

// The type of the operation a document runs (its only one, or the one named).
export function operationTypeOf(document: DocumentNode, operationName?: string | null): string | undefined {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const chosen = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  return chosen?.operation;
}
