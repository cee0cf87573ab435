import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError, parse, print } from 'graphql';

// The same document however it is spaced or commented.
export function documentHash(query: string): string {
  return createHash('sha256')
    .update(print(parse(query)))
    .digest('hex');
}

// GRAPHQL_SAFELIST_PATH: a JSON array of the GraphQL documents clients may send. Read at start;
// a file that cannot be read or parsed stops the service.
export function loadSafelist(path: string): Set<string> {
  let documents: unknown;
  try {
    documents = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`GRAPHQL_SAFELIST_PATH ${path} cannot be read as JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!Array.isArray(documents) || documents.some((d) => typeof d !== 'string')) {
    throw new Error(`GRAPHQL_SAFELIST_PATH ${path} must hold a JSON array of GraphQL documents`);
  }
  return new Set((documents as string[]).map(documentHash));
}

function safeHash(query: string): string {
  try {
    return documentHash(query);
  } catch {
    return '';
  }
}

export function safelistPlugin(allowed: Set<string>): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: ({ request }) => {
          if (!request.query || !allowed.has(safeHash(request.query))) {
            throw new GraphQLError(
              'This GraphQL document is not on the safelist (GRAPHQL_SAFELIST_PATH) of this service.',
              {
                extensions: { code: 'QUERY_NOT_ALLOWED', http: { status: 403 } },
              },
            );
          }
          return Promise.resolve();
        },
      }),
  };
}
