import type { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';

export const SCHEMA_FILE = 'schema.gql';

const HEADER =
  '# Generated from the code-first resolvers by `npm run schema:write`; CI fails when it is stale.\n\n';

// The committed schema.gql is the contract portals read; it is printed from the running schema.
export function printAppSchema(app: INestApplication): string {
  return HEADER + printSchema(app.get(GraphQLSchemaHost).schema) + '\n';
}
