import type { OpenAPIObject } from '@nestjs/swagger';
import {
  PROBLEM_DESCRIPTIONS,
  problemDescription,
  problemExample,
  REQUEST_EXAMPLES,
  YAML_EXAMPLES,
} from './openapi-examples';
import { applyRules, nestedClasses, validatedArguments, type Schema } from './openapi-rules';

type Class = new (...args: never[]) => unknown;
type Operation = {
  operationId?: string;
  tags?: string[];
  description?: string;
  summary?: string;
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: {
    required?: boolean;
    content?: Record<string, { schema?: Schema; examples?: unknown; example?: unknown }>;
  };
  security?: unknown[];
  responses: Record<string, unknown>;
};

export const TAGS: Array<{ name: string; description: string }> = [
  { name: 'networks', description: 'Docker networks: create, inspect, connect containers, prune' },
  { name: 'containers', description: 'Containers: run, inspect, start and stop, logs, exec' },
  { name: 'connectivity', description: 'Ping between containers and the reachability matrix of a network' },
  {
    name: 'templates',
    description:
      'Topology templates: stored and versioned, planned, applied with rollback, checked for drift, destroyed; compose in and out',
  },
  {
    name: 'topology',
    description: 'The live graph of networks and containers: JSON, Mermaid, Graphviz DOT and SVG',
  },
  { name: 'events', description: 'Live engine events and deployment progress as Server-Sent Events' },
  { name: 'audit', description: 'The hash-chained audit log and the history of each network and container' },
  { name: 'api-keys', description: 'API keys and their roles (admin only)' },
  { name: 'health', description: 'Liveness and readiness (no key needed)' },
];

// Swagger UI renders it as Markdown in the Authorize dialog.
export const BEARER_DESCRIPTION =
  '**Paste the key alone** (it starts with `sy_`), without `Bearer `: Swagger UI adds it and sends ' +
  '`Authorization: Bearer <key>`. The first start prints an admin key (or uses ADMIN_API_KEY); an admin ' +
  'makes more with POST /api/v1/api-keys, each with a role (viewer, operator, admin) and an optional label ' +
  'scope. Roles, scopes and key handling: `docs/security.md` in the Switchyard repository.';

const PROBLEM_MEDIA = 'application/problem+json';

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_MEDIA]: { schema: { $ref: '#/components/schemas/Problem' } } },
});

// The field a 400 example names: the body's first required field, else the first parameter.
function firstField(operation: Operation, schemas: Record<string, Schema>): string | undefined {
  const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref;
  const body = typeof ref === 'string' ? schemas[ref.split('/').pop() ?? ''] : undefined;
  const required = body?.required as string[] | undefined;
  return required?.[0] ?? operation.parameters?.[0]?.name;
}

// Swagger UI shows (and "Try it out" sends) these: whole request bodies, and for every problem
// answer one description per status and an example with a code of that status.
function addExamples(operation: Operation, schemas: Record<string, Schema>): void {
  const operationId = operation.operationId ?? '';
  const media = operation.requestBody?.content?.['application/json'];
  const examples = REQUEST_EXAMPLES[operationId];
  if (media && examples) media.examples = examples;
  // A YAML body is text: described as a string, with an example of it.
  const yaml = operation.requestBody?.content?.['application/yaml'];
  const text = YAML_EXAMPLES[operationId];
  if (yaml) yaml.schema = { type: 'string', ...(text ?? {}) };
  for (const [status, value] of Object.entries(operation.responses)) {
    const response = value as { description?: string; content?: Record<string, { example?: unknown }> };
    // Every answer says what it is (a 2xx that only names its schema too).
    if (!response.description?.trim()) response.description = status.startsWith('201') ? 'Created' : 'OK';
    const content = response.content?.[PROBLEM_MEDIA];
    if (!content) continue;
    response.description = problemDescription(operationId, status) ?? response.description;
    content.example = problemExample(operationId, status, firstField(operation, schemas));
  }
}

// Which common answers a route can give: the gate's on every route that needs a key, the body
// parser's where a route takes a body (POST and PUT), 414 where a path has parameters (Fastify's
// maxParamLength; a long query string is read and validated: its 400 is listed), 400 wherever input
// is validated.
export function commonStatuses(method: string, operation: Operation): string[] {
  const statuses: string[] = [];
  const secured = (operation.security?.length ?? 0) > 0;
  const parameters = operation.parameters ?? [];
  const readsBody = method === 'post' || method === 'put';
  if (secured && (readsBody || method === 'delete' || parameters.length > 0)) statuses.push('400');
  if (secured) statuses.push('401', '403');
  if (secured && readsBody) statuses.push('413', '415');
  if (parameters.some((p) => p.in === 'path')) statuses.push('414');
  if (secured) statuses.push('429');
  return statuses;
}

// OpenAPI 3.1 (JSON Schema): a nullable value is one whose type includes "null". Under 3.0,
// `nullable` next to a $ref (or an enum) does not let null validate in strict validators.
function toJsonSchemaNullable(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(toJsonSchemaNullable);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Schema;
  for (const value of Object.values(schema)) toJsonSchemaNullable(value);
  if (schema.nullable !== true) {
    delete schema.nullable;
    return;
  }
  delete schema.nullable;
  const ref = (schema.allOf as Schema[] | undefined)?.[0] ?? (schema.$ref ? { $ref: schema.$ref } : null);
  if (ref) {
    delete schema.allOf;
    delete schema.$ref;
    delete schema.type;
    schema.anyOf = [ref, { type: 'null' }];
    return;
  }
  if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  const values = schema.enum as unknown[] | undefined;
  if (Array.isArray(values) && !values.includes(null)) schema.enum = [...values, null];
}

// The finishing pass over what @nestjs/swagger generates: what decorators cannot say.
export function finishDocument(document: OpenAPIObject, controllers: Class[]): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const byName = new Map(controllers.map((c) => [c.name, c]));
  const inputs = new Map<string, Class>();
  const addInput = (target: Class) => {
    if (inputs.has(target.name)) return;
    inputs.set(target.name, target);
    nestedClasses(target).forEach(addInput);
  };

  for (const [, item] of Object.entries(document.paths)) {
    for (const [method, value] of Object.entries(item as Record<string, Operation>)) {
      const operation = value;
      // A query or path parameter is present or absent, never null.
      for (const parameter of operation.parameters ?? []) delete parameter.schema?.nullable;
      for (const status of commonStatuses(method, operation))
        operation.responses[status] ??= problem(PROBLEM_DESCRIPTIONS[status]);
      // A DELETE takes no body: no body-parser answers (a decorator may have listed them).
      if (method === 'delete') for (const status of ['413', '415']) delete operation.responses[status];
      addExamples(operation, schemas);
      // The rules of the classes the route validates.
      const [controllerName, handler] = (operation.operationId ?? '').split('_');
      const controller = byName.get(controllerName);
      if (!controller || !handler) continue;
      const { body, query } = validatedArguments(controller, handler);
      if (body) addInput(body);
      if (query) {
        const parameters = operation.parameters ?? [];
        applyRules(query, (name) => parameters.find((p) => p.in === 'query' && p.name === name)?.schema);
        nestedClasses(query).forEach(addInput);
      }
    }
  }

  for (const [name, target] of inputs) {
    const schema = schemas[name];
    if (!schema) continue;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    applyRules(target, (property) => properties[property]);
    // Unknown fields are refused (VALIDATION_FAILED), not ignored.
    schema.additionalProperties = false;
  }

  document.openapi = '3.1.0';
  toJsonSchemaNullable(document.paths);
  toJsonSchemaNullable(document.components);
  document.tags = TAGS;
  return document;
}
