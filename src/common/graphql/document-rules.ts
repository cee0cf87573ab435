import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import {
  GraphQLError,
  type ASTVisitor,
  type DocumentNode,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
  visit,
} from 'graphql';
import type { AppConfig } from '../../config/app-config';
import { queryLimitsRule } from './limits';
import { knownOperationTypesRule } from './operation-types';
import { loadSafelist } from './safelist';

// What every GraphQL document must pass, on HTTP (Apollo) and on graphql-ws alike: a token limit
// while parsing, our validation rules, the safelist, and introspection only when it is on.
export interface DocumentRules {
  parseOptions: ParseOptions;
  validationRules: ValidationRule[];
  // Hashes of the documents allowed (GRAPHQL_SAFELIST_PATH), or null for any document.
  safelist: Set<string> | null;
  introspection: boolean;
}

const rulesByConfig = new WeakMap<AppConfig, DocumentRules>();

// One set per service (the safelist file is read once, at start).
export function documentRulesOf(config: AppConfig): DocumentRules {
  let rules = rulesByConfig.get(config);
  if (!rules) {
    rules = {
      parseOptions: { maxTokens: config.GRAPHQL_MAX_TOKENS },
      validationRules: [
        knownOperationTypesRule,
        queryLimitsRule({
          maxDepth: config.GRAPHQL_MAX_DEPTH,
          maxAliases: config.GRAPHQL_MAX_ALIASES,
          maxCost: config.GRAPHQL_MAX_COST,
        }),
      ],
      safelist: config.GRAPHQL_SAFELIST_PATH ? loadSafelist(config.GRAPHQL_SAFELIST_PATH) : null,
      introspection: config.GRAPHQL_INTROSPECTION,
    };
    rulesByConfig.set(config, rules);
  }
  return rules;
}

const INTROSPECTION = new Set(['__schema', '__type']);

export function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (INTROSPECTION.has(node.name.value)) found = true;
    },
  });
  return found;
}

// GRAPHQL_INTROSPECTION=false where Apollo's own switch does not reach (graphql-ws).
export function noIntrospectionRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (INTROSPECTION.has(node.name.value)) {
        context.reportError(
          new GraphQLError(
            `Introspection (${node.name.value}) is turned off on this service (GRAPHQL_INTROSPECTION=false).`,
            { nodes: [node] },
          ),
        );
      }
    },
  };
}

export function introspectionNeedsKeyError(): GraphQLError {
  return new GraphQLError('Introspection needs an API key: send "Authorization: Bearer <key>".', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

// The schema is no one's business without a key, whatever the request gate let through.
export function introspectionNeedsKeyPlugin(): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: ({ document, contextValue }) => {
          const actor = (contextValue as { req?: { actor?: unknown } }).req?.actor;
          if (!actor && usesIntrospection(document)) throw introspectionNeedsKeyError();
          return Promise.resolve();
        },
      }),
  };
}

// The message of graphql-js when a document has more tokens than `maxTokens` (its own spelling).
const TOKEN_LIMIT = /Document contains more (?:that|than) (\d+) tokens/;

// A document refused by the token limit, as a clear QUERY_TOO_COMPLEX; null for other errors.
export function tokenLimitMessage(message: string): string | null {
  const match = TOKEN_LIMIT.exec(message);
  return match
    ? `The document has more than ${match[1]} tokens (GRAPHQL_MAX_TOKENS); send a shorter one, with values in variables.`
    : null;
}
