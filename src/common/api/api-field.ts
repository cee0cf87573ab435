import {
  Field,
  Float,
  GraphQLISODateTime,
  Int,
  registerEnumType,
  type ReturnTypeFunc,
} from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import type { Type } from '@nestjs/common';
import { JsonScalar } from '../graphql/json.scalar';
import { StringMapScalar } from '../graphql/string-map.scalar';

type FieldKind = 'string' | 'boolean' | 'int' | 'float' | 'datetime' | 'stringMap' | 'json' | Type<unknown>;

export interface ApiFieldOptions {
  array?: boolean;
  // Inputs: may be left out. Outputs: may be null.
  optional?: boolean;
  description?: string;
  example?: unknown;
  enum?: readonly string[];
  // With `enum`: the GraphQL enum type it is registered as (else GraphQL says String).
  enumName?: string;
}

// GraphQL enums by name, registered once however many fields use them.
const ENUMS = new Map<string, Record<string, string>>();

function graphqlEnum(name: string, values: readonly string[]): Record<string, string> {
  let found = ENUMS.get(name);
  if (!found) {
    found = Object.fromEntries(values.map((v) => [v, v]));
    registerEnumType(found, { name });
    ENUMS.set(name, found);
  }
  return found;
}

function graphqlType(kind: FieldKind): unknown {
  switch (kind) {
    case 'string':
      return String;
    case 'boolean':
      return Boolean;
    case 'int':
      return Int;
    case 'float':
      return Float;
    case 'datetime':
      return GraphQLISODateTime;
    case 'stringMap':
      return StringMapScalar;
    case 'json':
      return JsonScalar;
    default:
      return kind;
  }
}

function openApiType(kind: FieldKind): Record<string, unknown> {
  switch (kind) {
    case 'string':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'int':
      return { type: 'integer' };
    case 'float':
      return { type: 'number' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'stringMap':
      return { type: 'object', additionalProperties: { type: 'string' } };
    case 'json':
      return { description: 'Any JSON value' };
    default:
      return { type: () => kind };
  }
}

// One decorator for both schemas, so that REST (OpenAPI) and GraphQL describe a field identically.
export function ApiField(kind: FieldKind, options: ApiFieldOptions = {}): PropertyDecorator {
  const gql =
    options.enum && options.enumName ? graphqlEnum(options.enumName, options.enum) : graphqlType(kind);
  const typeFn = (() => (options.array ? [gql] : gql)) as ReturnTypeFunc;
  const field = Field(typeFn, {
    nullable: options.optional ?? false,
    description: options.description,
  });
  const property = ApiProperty({
    ...openApiType(kind),
    ...(options.array ? { isArray: true } : {}),
    required: !options.optional,
    ...(options.optional ? { nullable: true } : {}),
    description: options.description,
    example: options.example,
    ...(options.enum ? { enum: [...options.enum] } : {}),
  });
  return (target, key) => {
    field(target, key);
    property(target, key);
  };
}
