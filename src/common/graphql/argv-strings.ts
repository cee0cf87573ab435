import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import {
  getNamedType,
  getOperationAST,
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  visit,
  valueFromASTUntyped,
  visitWithTypeInfo,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { DomainError, type FieldError } from '../errors/domain-error';
import { ARGV_FIELDS, argvStringMessage } from '../validation/argv';

// GraphQL's input coercion turns a string given where a list is expected into a one-item list:
// `command: "sleep 3600"` would run a program named "sleep 3600". Only the document and the raw
// variables still tell the two apart, so they are read before anything runs: a string literal, or
// a string in the variables, at an argv field (ARGV_FIELDS) is refused like the same body on REST.
// A variable that is not sent is read from its default value, which GraphQL coerces the same way.
// Only the operation that runs is read (the one operationName selects, and the fragments it
// uses): a string in another operation of the same document refuses nothing.
export function argvStringsIn(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName?: string | null,
): FieldError[] {
  const problems: FieldError[] = [];
  const typeInfo = new TypeInfo(schema);
  const path: string[] = [];
  const operation = getOperationAST(document, operationName ?? undefined);
  const defaults = new Map<string, unknown>();
  for (const definition of operation?.variableDefinitions ?? []) {
    if (definition.defaultValue)
      defaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
  }
  const raw = (name: string): unknown =>
    variables && Object.prototype.hasOwnProperty.call(variables, name) && variables[name] !== undefined
      ? variables[name]
      : defaults.get(name);
  const atVariable = (name: string) => {
    const type = typeInfo.getInputType();
    if (type) walkValue(type, raw(name), path, problems);
  };
  visit(
    operation ? selectedPart(document, operation) : document,
    visitWithTypeInfo(typeInfo, {
      // A default value is read where its variable is used (raw above).
      VariableDefinition: () => false,
      Argument: {
        enter(node) {
          path.push(node.name.value);
          if (node.value.kind === Kind.VARIABLE) atVariable(node.value.name.value);
        },
        leave() {
          path.pop();
        },
      },
      ObjectField: {
        enter(node) {
          path.push(node.name.value);
          const parent = typeInfo.getParentInputType();
          const example = parent ? ARGV_FIELDS[getNamedType(parent).name]?.[node.name.value] : undefined;
          const value = node.value;
          const isString =
            value.kind === Kind.STRING ||
            (value.kind === Kind.VARIABLE && typeof raw(value.name.value) === 'string');
          if (example && isString) {
            problems.push({ field: path.join('.'), message: argvStringMessage(node.name.value, example) });
          } else if (value.kind === Kind.VARIABLE) atVariable(value.name.value);
        },
        leave() {
          path.pop();
        },
      },
    }),
  );
  return problems;
}

// The selected operation and the fragments it uses, directly or through other fragments.
function selectedPart(document: DocumentNode, operation: DefinitionNode): DocumentNode {
  const fragments = new Map<string, DefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const used: DefinitionNode[] = [operation];
  const seen = new Set<string>();
  for (let i = 0; i < used.length; i++) {
    visit(used[i], {
      FragmentSpread(node) {
        const name = node.name.value;
        const fragment = fragments.get(name);
        if (fragment && !seen.has(name)) {
          seen.add(name);
          used.push(fragment);
        }
      },
    });
  }
  return { kind: Kind.DOCUMENT, definitions: used };
}

// A variable's raw value, walked along its input type down to the argv fields.
function walkValue(type: GraphQLInputType, value: unknown, path: string[], out: FieldError[]): void {
  if (isNonNullType(type)) return walkValue(type.ofType, value, path, out);
  if (isListType(type)) {
    if (!Array.isArray(value)) return walkValue(type.ofType, value, path, out);
    value.forEach((item, i) => walkValue(type.ofType, item, [...path, String(i)], out));
    return;
  }
  if (!isInputObjectType(type) || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const argv = ARGV_FIELDS[type.name] ?? {};
  for (const [name, field] of Object.entries(type.getFields())) {
    const item = (value as Record<string, unknown>)[name];
    if (item === undefined) continue;
    if (argv[name] && typeof item === 'string')
      out.push({ field: [...path, name].join('.'), message: argvStringMessage(name, argv[name]) });
    else walkValue(field.type, item, [...path, name], out);
  }
}

export function argvStringsError(problems: FieldError[]): DomainError {
  return DomainError.validation(problems);
}

// Over HTTP: refused once the operation is known, before it runs.
export function argvStringsPlugin(): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: ({ document, request, schema }) => {
          const problems = argvStringsIn(schema, document, request.variables, request.operationName);
          if (!problems.length) return Promise.resolve();
          const error = argvStringsError(problems);
          throw new GraphQLError(error.message, {
            extensions: { code: error.code, http: { status: error.status }, errors: problems },
          });
        },
      }),
  };
}
