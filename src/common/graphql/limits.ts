import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

// Cost of a field: root mutations change the engine and weigh most, root queries call it, nested
// fields only shape the answer.
const COST = { mutationRoot: 50, queryRoot: 10, field: 1 };

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
}

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

// Walks a selection set through its fragments (each fragment once per path, so cycles end).
function measure(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  level: number,
  root: 'query' | 'mutation' | 'subscription' | null,
  seen: ReadonlySet<string>,
): Measure {
  const total: Measure = { depth: level, aliases: 0, cost: 0 };
  const add = (m: Measure) => {
    total.depth = Math.max(total.depth, m.depth);
    total.aliases += m.aliases;
    total.cost += m.cost;
  };
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const own = root === 'mutation' ? COST.mutationRoot : root ? COST.queryRoot : COST.field;
      add({ depth: level + 1, aliases: selection.alias ? 1 : 0, cost: own });
      if (selection.selectionSet) add(measure(selection.selectionSet, fragments, level + 1, null, seen));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      add(measure(selection.selectionSet, fragments, level, root, seen));
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (fragment && !seen.has(name))
        add(measure(fragment.selectionSet, fragments, level, root, new Set([...seen, name])));
    }
  }
  return total;
}

// A validation rule: refuses documents deeper, more aliased or costlier than the limits, before
// anything runs.
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const m = measure(operation.selectionSet, fragments, 0, operation.operation, new Set());
        if (m.depth > limits.maxDepth) {
          context.reportError(
            tooComplex(`The query nests ${m.depth} levels deep; at most ${limits.maxDepth} are allowed.`),
          );
        }
        if (m.aliases > limits.maxAliases) {
          context.reportError(
            tooComplex(`The query uses ${m.aliases} aliases; at most ${limits.maxAliases} are allowed.`),
          );
        }
        if (m.cost > limits.maxCost) {
          context.reportError(
            tooComplex(
              `The query costs ${m.cost} (a mutation ${COST.mutationRoot}, a query ${COST.queryRoot}, each nested field ${COST.field}); at most ${limits.maxCost} is allowed. Split it into several requests.`,
            ),
          );
        }
      },
    };
  };
}
