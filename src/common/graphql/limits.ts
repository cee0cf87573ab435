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
  // Fields selected, each spread of a fragment counted again.
  fields: number;
  // Levels of introspection lists (types, fields, args...) nested in each other.
  lists: number;
}

type Root = 'query' | 'mutation' | 'subscription' | null;

const NOTHING: Measure = { depth: 0, aliases: 0, cost: 0, fields: 0, lists: 0 };

// The fields an introspection-only operation may select at its root.
const META_ROOTS = new Set(['__schema', '__type', '__typename']);

// The introspection fields that answer a list of objects: nesting them multiplies the answer by
// the size of the schema each time.
const INTROSPECTION_LISTS = new Set([
  'types',
  'fields',
  'args',
  'inputFields',
  'interfaces',
  'possibleTypes',
  'enumValues',
  'directives',
]);

// An operation that only asks for the schema (GraphiQL's, a code generator's) is measured by
// rules of its own, fixed because the schema is: the standard introspection query of graphql-js
// nests 15 levels (a chain of `ofType` follows one type reference), selects about 230 fields and
// nests lists 3 deep (types > fields > args). Lists nested deeper (the fields of a field's type,
// whose types are asked for their fields again...) are what make an introspection answer explode,
// and what `maxLists` refuses. Aliases count as for data.
export const INTROSPECTION_LIMITS = { maxDepth: 20, maxFields: 500, maxLists: 3 };

// Measures the selection sets of one document. Each fragment is measured once per kind of place
// it is spread (at the root of a query or a mutation, or nested) and remembered, so the work is
// linear in the document however often fragments spread each other. A fragment that spreads
// itself, directly or not, counts nothing the second time: validation refuses such documents
// anyway, this only makes sure the walk ends first.
class DocumentMeasure {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly measured = new Map<string, Measure>();

  constructor(document: DocumentNode) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  selectionSet(set: SelectionSetNode, root: Root): Measure {
    const total = { ...NOTHING };
    const add = (m: Measure, depthOffset: number, listOffset: number) => {
      total.depth = Math.max(total.depth, m.depth + depthOffset);
      total.lists = Math.max(total.lists, m.lists + listOffset);
      total.aliases += m.aliases;
      total.cost += m.cost;
      total.fields += m.fields;
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const own = root === 'mutation' ? COST.mutationRoot : root ? COST.queryRoot : COST.field;
        add({ depth: 0, lists: 0, aliases: selection.alias ? 1 : 0, cost: own, fields: 1 }, 1, 0);
        if (selection.selectionSet) {
          const list = INTROSPECTION_LISTS.has(selection.name.value) ? 1 : 0;
          add(this.selectionSet(selection.selectionSet, null), 1, list);
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(this.selectionSet(selection.selectionSet, root), 0, 0);
      } else {
        add(this.fragment(selection.name.value, root), 0, 0);
      }
    }
    return total;
  }

  // True when every field at the root of the selection set (through fragments) is __schema,
  // __type or __typename.
  onlyMeta(set: SelectionSetNode, seen = new Set<string>()): boolean {
    return set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return META_ROOTS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return this.onlyMeta(selection.selectionSet, seen);
      const name = selection.name.value;
      if (seen.has(name)) return true;
      seen.add(name);
      const fragment = this.fragments.get(name);
      return !fragment || this.onlyMeta(fragment.selectionSet, seen);
    });
  }

  private fragment(name: string, root: Root): Measure {
    const key = `${name}\n${root ?? ''}`;
    const known = this.measured.get(key);
    if (known) return known;
    const fragment = this.fragments.get(name);
    if (!fragment) return NOTHING;
    // While it is being measured, a spread of itself counts nothing (a cycle).
    this.measured.set(key, NOTHING);
    const measure = this.selectionSet(fragment.selectionSet, root);
    this.measured.set(key, measure);
    return measure;
  }
}

const shown = (n: number) =>
  n <= Number.MAX_SAFE_INTEGER ? String(n) : `more than ${Number.MAX_SAFE_INTEGER}`;

// A validation rule: refuses documents deeper, more aliased or costlier than the limits, before
// anything runs. An operation that only introspects is measured by INTROSPECTION_LIMITS instead
// of the depth and cost meant for data; one that mixes data and introspection by the data limits,
// every level counted.
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const measure = new DocumentMeasure(context.getDocument());
    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const m = measure.selectionSet(operation.selectionSet, operation.operation);
        const errors = measure.onlyMeta(operation.selectionSet)
          ? introspectionErrors(m)
          : dataErrors(m, limits);
        if (m.aliases > limits.maxAliases) {
          errors.push(
            `The query uses ${shown(m.aliases)} aliases; at most ${limits.maxAliases} are allowed.`,
          );
        }
        for (const message of errors) context.reportError(tooComplex(message));
      },
    };
  };
}

function dataErrors(m: Measure, limits: QueryLimits): string[] {
  const errors: string[] = [];
  if (m.depth > limits.maxDepth) {
    errors.push(`The query nests ${m.depth} levels deep; at most ${limits.maxDepth} are allowed.`);
  }
  if (m.cost > limits.maxCost) {
    errors.push(
      `The query costs ${shown(m.cost)} (a mutation ${COST.mutationRoot}, a query ${COST.queryRoot}, each nested field ${COST.field}); at most ${limits.maxCost} is allowed. Split it into several requests.`,
    );
  }
  return errors;
}

function introspectionErrors(m: Measure): string[] {
  const { maxDepth, maxFields, maxLists } = INTROSPECTION_LIMITS;
  const errors: string[] = [];
  if (m.depth > maxDepth) {
    errors.push(
      `The introspection query nests ${m.depth} levels deep; at most ${maxDepth} are allowed (the standard introspection query nests 15).`,
    );
  }
  if (m.lists > maxLists) {
    errors.push(
      `The introspection query nests ${m.lists} lists (types, fields, args...) in each other; at most ${maxLists} are allowed (types > fields > args). Ask for a type by name with __type instead.`,
    );
  }
  if (m.fields > maxFields) {
    errors.push(
      `The introspection query selects ${shown(m.fields)} fields; at most ${maxFields} are allowed (the standard introspection query selects about 230).`,
    );
  }
  return errors;
}
