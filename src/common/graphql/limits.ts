import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type DocumentNode,
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
  // Levels of fields below the selection set measured.
  depth: number;
  aliases: number;
  cost: number;
}

type Root = 'query' | 'mutation' | 'subscription' | null;

const NOTHING: Measure = { depth: 0, aliases: 0, cost: 0 };

// The chain of `ofType` in introspection follows one type reference (a list of a non-null of a
// type...): it does not fan out, so it does not count as depth. GraphiQL and schema tools nest it
// about eight levels.
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

// Measures the selection sets of one document. Each fragment is measured once per kind of place
// it is spread (at the root of a query or a mutation, nested, in introspection) and remembered,
// so the work is linear in the document however often fragments spread each other. A fragment
// that spreads itself, directly or not, counts nothing the second time: validation refuses such
// documents anyway, this only makes sure the walk ends first.
class DocumentMeasure {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly measured = new Map<string, Measure>();

  constructor(document: DocumentNode) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  selectionSet(set: SelectionSetNode, root: Root, introspection: boolean): Measure {
    const total = { ...NOTHING };
    const add = (m: Measure, depthOffset: number) => {
      total.depth = Math.max(total.depth, m.depth + depthOffset);
      total.aliases += m.aliases;
      total.cost += m.cost;
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const inIntrospection =
          introspection || (root !== null && INTROSPECTION_ROOTS.has(selection.name.value));
        const own = root === 'mutation' ? COST.mutationRoot : root ? COST.queryRoot : COST.field;
        const level = inIntrospection && selection.name.value === 'ofType' ? 0 : 1;
        add({ depth: 0, aliases: selection.alias ? 1 : 0, cost: own }, level);
        if (selection.selectionSet)
          add(this.selectionSet(selection.selectionSet, null, inIntrospection), level);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(this.selectionSet(selection.selectionSet, root, introspection), 0);
      } else {
        add(this.fragment(selection.name.value, root, introspection), 0);
      }
    }
    return total;
  }

  private fragment(name: string, root: Root, introspection: boolean): Measure {
    const key = `${name}\n${root ?? ''}\n${introspection ? 'i' : ''}`;
    const known = this.measured.get(key);
    if (known) return known;
    const fragment = this.fragments.get(name);
    if (!fragment) return NOTHING;
    // While it is being measured, a spread of itself counts nothing (a cycle).
    this.measured.set(key, NOTHING);
    const measure = this.selectionSet(fragment.selectionSet, root, introspection);
    this.measured.set(key, measure);
    return measure;
  }
}

const shown = (n: number) =>
  n <= Number.MAX_SAFE_INTEGER ? String(n) : `more than ${Number.MAX_SAFE_INTEGER}`;

// A validation rule: refuses documents deeper, more aliased or costlier than the limits, before
// anything runs.
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const measure = new DocumentMeasure(context.getDocument());
    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const m = measure.selectionSet(operation.selectionSet, operation.operation, false);
        if (m.depth > limits.maxDepth) {
          context.reportError(
            tooComplex(`The query nests ${m.depth} levels deep; at most ${limits.maxDepth} are allowed.`),
          );
        }
        if (m.aliases > limits.maxAliases) {
          context.reportError(
            tooComplex(
              `The query uses ${shown(m.aliases)} aliases; at most ${limits.maxAliases} are allowed.`,
            ),
          );
        }
        if (m.cost > limits.maxCost) {
          context.reportError(
            tooComplex(
              `The query costs ${shown(m.cost)} (a mutation ${COST.mutationRoot}, a query ${COST.queryRoot}, each nested field ${COST.field}); at most ${limits.maxCost} is allowed. Split it into several requests.`,
            ),
          );
        }
      },
    };
  };
}
