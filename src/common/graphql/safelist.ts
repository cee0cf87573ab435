import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError, parse, print, type DocumentNode } from 'graphql';

// The same document however it is spaced or commented.
export function documentHash(query: string): string {
  return hashOfDocument(parse(query));
}

export function hashOfDocument(document: DocumentNode): string {
  return createHash('sha256').update(print(document)).digest('hex');
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

export function notOnSafelist(): GraphQLError {
  return new GraphQLError(
    'This GraphQL document is not on the safelist (GRAPHQL_SAFELIST_PATH) of this service.',
    {
      extensions: { code: 'QUERY_NOT_ALLOWED', http: { status: 403 } },
    },
  );
}

export function safelistPlugin(allowed: Set<string>): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        // The document as parsed (with the token limit) and validated: hashed, not parsed again.
        didResolveOperation: ({ document }) => {
          if (!allowed.has(hashOfDocument(document))) throw notOnSafelist();
          return Promise.resolve();
        },
      }),
  };
}
