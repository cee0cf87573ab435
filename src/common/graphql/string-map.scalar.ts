import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

function assertStringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GraphQLError('StringMap must be an object whose values are strings, e.g. {"team": "a"}');
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new GraphQLError(`StringMap value of "${key}" must be a string`);
  }
  return value as Record<string, string>;
}

function literalToMap(ast: ValueNode): Record<string, string> {
  if (ast.kind !== Kind.OBJECT) {
    throw new GraphQLError('StringMap must be an object whose values are strings, e.g. {team: "a"}');
  }
  const out: Record<string, string> = {};
  for (const field of ast.fields) {
    if (field.value.kind !== Kind.STRING) {
      throw new GraphQLError(`StringMap value of "${field.name.value}" must be a string`);
    }
    out[field.name.value] = field.value.value;
  }
  return out;
}

// Labels, driver options and the like: the same JSON object on REST and GraphQL.
export const StringMapScalar = new GraphQLScalarType({
  name: 'StringMap',
  description: 'An object of string keys to string values, e.g. {"com.example.team": "a"}',
  serialize: assertStringMap,
  parseValue: assertStringMap,
  parseLiteral: literalToMap,
});
