import { EXAMPLE_IMAGE } from '../../common/api/openapi-examples';
import { RESOURCE_NAME_MAX, RESOURCE_NAME_PATTERN } from '../../common/validation/validators';

// The template document in JSON Schema, for the OpenAPI document (the same structure in JSON and
// in YAML). The TemplateValidator is the authority: it refuses unknown fields everywhere, and
// checks names, references, addresses and subnets that a schema cannot.

type Schema = Record<string, unknown>;

const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const strings: Schema = { type: 'array', items: { type: 'string' } };
const closed = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  additionalProperties: false,
});

const network = closed({
  driver: { type: 'string', example: 'bridge' },
  internal: { type: 'boolean' },
  attachable: { type: 'boolean' },
  enableIPv6: { type: 'boolean' },
  ipam: closed({
    driver: { type: 'string' },
    config: {
      type: 'array',
      items: closed({
        subnet: { type: 'string' },
        gateway: { type: 'string' },
        ipRange: { type: 'string' },
        auxAddresses: stringMap,
      }),
    },
    options: stringMap,
  }),
  options: stringMap,
  labels: stringMap,
});

const endpoint = closed({
  ipv4Address: { type: 'string' },
  ipv6Address: { type: 'string' },
  macAddress: { type: 'string' },
  aliases: strings,
});

const container = closed(
  {
    image: {
      type: 'string',
      example: EXAMPLE_IMAGE,
      description: 'On the engine already (nothing is pulled)',
    },
    command: strings,
    entrypoint: strings,
    env: stringMap,
    labels: stringMap,
    hostname: { type: 'string' },
    restartPolicy: closed({ name: { type: 'string' }, maximumRetryCount: { type: 'integer', minimum: 0 } }, [
      'name',
    ]),
    networkMode: { type: 'string', enum: ['bridge', 'host', 'none'] },
    networks: {
      type: 'object',
      description: 'Network name (declared in the template) to the endpoint on it',
      additionalProperties: endpoint,
    },
    start: { type: 'boolean', description: 'Start it (default true)' },
  },
  ['image'],
);

const properties: Record<string, Schema> = {
  name: {
    type: 'string',
    example: 'swagger-lab',
    minLength: 1,
    maxLength: RESOURCE_NAME_MAX,
    pattern: RESOURCE_NAME_PATTERN.source,
  },
  description: { type: 'string' },
  labels: { ...stringMap, description: 'Put on every network and container of the template' },
  networks: {
    type: 'object',
    description: 'Network name to its spec (the same as network create, without name)',
    additionalProperties: network,
  },
  containers: {
    type: 'object',
    description: 'Container name to its spec (the same as container run, without name)',
    additionalProperties: container,
  },
  expectations: {
    type: 'array',
    description: 'What must and must not reach what, checked after every apply',
    items: closed({ from: { type: 'string' }, to: { type: 'string' }, reachable: { type: 'boolean' } }, [
      'from',
      'to',
      'reachable',
    ]),
  },
};

// POST /templates: the name is required.
export const TEMPLATE_DOCUMENT_SCHEMA: Schema = closed(properties, ['name']);

// PUT /templates/{name}: the name may be left out (it is the path's).
export const TEMPLATE_REPLACEMENT_SCHEMA: Schema = closed(properties);
