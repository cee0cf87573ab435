import { ERROR_CATALOG, type ErrorCode } from '../errors/error-codes';

// What Swagger UI shows and pre-fills: whole request bodies that work on a fresh service (the
// image is the one `npm run serve` loads), and for each error status a problem with a fitting code.
// Request bodies are given whole (media-level `examples`), so that the samples of single properties
// never combine into a body the service refuses.

type Example = { summary: string; value: Record<string, unknown> };

// The image `npm run serve` and the test engines load (nothing is pulled).
export const EXAMPLE_IMAGE = 'switchyard/busybox:latest';

// A template of the tour, named apart from docs/api.md's `lab` (following both never collides): its
// own subnet (the network demo has 10.50.0.0/24). Replace sends it without its name (the path's),
// the web container with an alias.
const LAB_CONTAINERS = {
  'swagger-lab-web': {
    image: EXAMPLE_IMAGE,
    command: ['sleep', '3600'],
    networks: { 'swagger-lab-net': { ipv4Address: '10.50.1.10' } },
  },
  'swagger-lab-db': {
    image: EXAMPLE_IMAGE,
    command: ['sleep', '3600'],
    networks: { 'swagger-lab-net': { ipv4Address: '10.50.1.20' } },
  },
};
const LAB_BODY = {
  description: 'A web container and its database on a network of their own',
  labels: { team: 'a' },
  networks: { 'swagger-lab-net': { ipam: { config: [{ subnet: '10.50.1.0/24' }] } } },
  containers: LAB_CONTAINERS,
  expectations: [{ from: 'swagger-lab-web', to: 'swagger-lab-db', reachable: true }],
};
const LAB_TEMPLATE = { name: 'swagger-lab', ...LAB_BODY };
const LAB_REVISION_2 = {
  ...LAB_BODY,
  containers: {
    ...LAB_CONTAINERS,
    'swagger-lab-web': {
      ...LAB_CONTAINERS['swagger-lab-web'],
      networks: { 'swagger-lab-net': { ipv4Address: '10.50.1.10', aliases: ['web'] } },
    },
  },
};

// The same template as YAML (Content-Type: application/yaml), and a compose file to import.
export const YAML_EXAMPLES: Record<string, { description: string; example: string }> = {
  TemplatesController_create: {
    description: 'The template document as YAML text',
    example: [
      'name: swagger-lab-yaml',
      'containers:',
      '  swagger-lab-yaml-box:',
      `    image: ${EXAMPLE_IMAGE}`,
      '    command: [sleep, "3600"]',
      '    networkMode: none',
      '',
    ].join('\n'),
  },
  TemplatesController_replace: {
    description: 'The template document as YAML text (`name` may be left out)',
    example: [
      'description: revision 2',
      'containers:',
      '  swagger-lab-yaml-box:',
      `    image: ${EXAMPLE_IMAGE}`,
      '    command: [sleep, "3600"]',
      '    networkMode: none',
      '',
    ].join('\n'),
  },
  TemplatesController_importCompose: {
    description: 'A compose file (YAML text)',
    example: [
      'services:',
      '  swagger-shop-web:',
      `    image: ${EXAMPLE_IMAGE}`,
      '    command: [sleep, "3600"]',
      '    networks: [swagger-shop-net]',
      'networks:',
      '  swagger-shop-net: {}',
      '',
    ].join('\n'),
  },
};

// By operationId. In order they make a short tour: a network, two containers (one on it, one
// connected after), a ping between them, a command in one.
export const REQUEST_EXAMPLES: Record<string, Record<string, Example>> = {
  NetworksController_create: {
    demo: {
      summary: 'A bridge network with a subnet of its own',
      value: { name: 'demo', ipam: { config: [{ subnet: '10.50.0.0/24' }] }, labels: { team: 'a' } },
    },
  },
  NetworksController_prune: {
    labelled: {
      summary: "This instance's unused networks labelled team=a",
      value: { labels: ['team=a'] },
    },
  },
  NetworksController_connect: {
    containerB: {
      summary: 'Connect containerB, with an alias',
      value: { container: 'containerB', aliases: ['b'] },
    },
  },
  ContainersController_run: {
    containerA: {
      summary: 'containerA on the network demo',
      value: {
        name: 'containerA',
        image: EXAMPLE_IMAGE,
        command: ['sleep', '3600'],
        networks: [{ network: 'demo' }],
      },
    },
    containerB: {
      summary: 'containerB on the default bridge (connect it to demo next)',
      value: { name: 'containerB', image: EXAMPLE_IMAGE, command: ['sleep', '3600'] },
    },
  },
  ContainersController_exec: {
    hostname: { summary: 'Read the hostname', value: { command: ['cat', '/etc/hostname'] } },
  },
  ConnectivityController_ping: {
    byName: {
      summary: 'From one container to another by name',
      value: { from: 'containerA', to: 'containerB' },
    },
  },
  ConnectivityController_matrix: {
    demo: { summary: 'Every pair of containers on the network demo', value: { network: 'demo' } },
  },
  TemplatesController_create: {
    lab: {
      summary: 'Two containers on a network of their own, and what must reach what',
      value: LAB_TEMPLATE,
    },
  },
  TemplatesController_replace: {
    lab: {
      summary: 'Revision 2: the web container gets an alias (the name comes from the path)',
      value: LAB_REVISION_2,
    },
  },
  TemplatesController_plan: {
    current: { summary: 'Plan the current revision', value: {} },
    revision: { summary: 'Plan revision 1', value: { revision: 1 } },
  },
  TemplatesController_apply: {
    current: { summary: 'Apply the current revision and wait for the outcome', value: { wait: true } },
    background: { summary: 'Start the apply and answer at once (202)', value: { wait: false } },
  },
  TemplatesController_destroy: {
    wait: { summary: 'Remove what the template deployed and wait for the outcome', value: { wait: true } },
  },
  ApiKeysController_create: {
    viewer: {
      summary: 'A viewer key for team a',
      value: { name: 'portal-team-a', role: 'viewer', scope: { team: 'a' } },
    },
  },
};

// One description for each status, wherever an operation gives it.
export const PROBLEM_DESCRIPTIONS: Record<string, string> = {
  '400': 'VALIDATION_FAILED: the input is invalid, with one entry in `errors` for each field',
  '401': 'UNAUTHENTICATED: no key, or a key that is unknown, revoked or expired',
  '403':
    "FORBIDDEN: the key's role or label scope does not reach this (POLICY_VIOLATION for the container policy)",
  '404':
    "Not found (or out of the key's scope): the `code` says what, e.g. NETWORK_NOT_FOUND, CONTAINER_NOT_FOUND",
  '409': 'Conflict: name taken, overlap, in use, not running, ambiguous reference (the `code` says which)',
  '413': 'PAYLOAD_TOO_LARGE: the body is over BODY_LIMIT_BYTES',
  '414': 'URI_TOO_LONG: a path segment (name or id) is too long',
  '415': 'UNSUPPORTED_MEDIA_TYPE: send the body as JSON (Content-Type: application/json)',
  '422': 'Valid, but not possible on this engine (UNSUPPORTED_BY_ENGINE, CONTAINER_START_FAILED, ...)',
  '429': 'RATE_LIMITED: too many requests for this key (see Retry-After)',
  '503': 'ENGINE_UNAVAILABLE: the Docker engine does not answer',
  '504': 'ENGINE_TIMEOUT: the Docker engine did not answer in time',
};

// The code each status shows, where it does not depend on the operation.
const DEFAULT_CODES: Record<string, ErrorCode> = {
  '400': 'VALIDATION_FAILED',
  '401': 'UNAUTHENTICATED',
  '403': 'FORBIDDEN',
  '404': 'NOT_FOUND',
  '409': 'AMBIGUOUS_REFERENCE',
  '413': 'PAYLOAD_TOO_LARGE',
  '414': 'URI_TOO_LONG',
  '415': 'UNSUPPORTED_MEDIA_TYPE',
  '422': 'UNSUPPORTED_BY_ENGINE',
  '429': 'RATE_LIMITED',
  '503': 'ENGINE_UNAVAILABLE',
  '504': 'ENGINE_TIMEOUT',
};

// The codes that fit an operation better than the default, by operationId and status.
const OPERATION_CODES: Record<string, Record<string, ErrorCode>> = {
  AuditController_networkHistory: { '404': 'NETWORK_NOT_FOUND' },
  AuditController_containerHistory: { '404': 'CONTAINER_NOT_FOUND' },
  ApiKeysController_create: { '409': 'API_KEY_NAME_TAKEN' },
  ApiKeysController_revoke: { '404': 'API_KEY_NOT_FOUND' },
  NetworksController_create: { '409': 'NETWORK_NAME_TAKEN' },
  NetworksController_get: { '404': 'NETWORK_NOT_FOUND' },
  NetworksController_remove: { '404': 'NETWORK_NOT_FOUND', '409': 'NETWORK_IN_USE' },
  NetworksController_connect: { '404': 'CONTAINER_NOT_FOUND', '409': 'ALREADY_CONNECTED' },
  NetworksController_disconnect: { '404': 'CONNECTION_NOT_FOUND' },
  ContainersController_list: { '404': 'NETWORK_NOT_FOUND' },
  ContainersController_run: {
    '403': 'POLICY_VIOLATION',
    '404': 'IMAGE_NOT_FOUND',
    '409': 'CONTAINER_NAME_TAKEN',
    '422': 'CONTAINER_START_FAILED',
  },
  ContainersController_get: { '404': 'CONTAINER_NOT_FOUND' },
  ContainersController_start: { '404': 'CONTAINER_NOT_FOUND', '422': 'CONTAINER_START_FAILED' },
  ContainersController_stop: { '404': 'CONTAINER_NOT_FOUND' },
  ContainersController_restart: { '404': 'CONTAINER_NOT_FOUND', '422': 'CONTAINER_START_FAILED' },
  ContainersController_remove: { '404': 'CONTAINER_NOT_FOUND', '409': 'CONTAINER_RUNNING' },
  ContainersController_logs: { '404': 'CONTAINER_NOT_FOUND' },
  ContainersController_exec: { '404': 'CONTAINER_NOT_FOUND', '409': 'CONTAINER_NOT_RUNNING' },
  ConnectivityController_ping: { '404': 'CONTAINER_NOT_FOUND', '409': 'CONTAINER_NOT_RUNNING' },
  ConnectivityController_matrix: { '404': 'NETWORK_NOT_FOUND' },
  TemplatesController_create: { '400': 'TEMPLATE_INVALID', '409': 'TEMPLATE_NAME_TAKEN' },
  TemplatesController_importCompose: { '400': 'TEMPLATE_INVALID', '409': 'TEMPLATE_NAME_TAKEN' },
  TemplatesController_get: { '404': 'TEMPLATE_NOT_FOUND' },
  TemplatesController_replace: { '400': 'TEMPLATE_INVALID', '404': 'TEMPLATE_NOT_FOUND' },
  TemplatesController_delete: { '404': 'TEMPLATE_NOT_FOUND' },
  TemplatesController_revisions: { '404': 'TEMPLATE_NOT_FOUND' },
  TemplatesController_diff: { '404': 'REVISION_NOT_FOUND' },
  TemplatesController_plan: { '404': 'TEMPLATE_NOT_FOUND' },
  TemplatesController_apply: { '404': 'TEMPLATE_NOT_FOUND', '409': 'RESOURCE_NOT_OWNED' },
  TemplatesController_status: { '404': 'TEMPLATE_NOT_FOUND' },
  TemplatesController_destroy: { '404': 'TEMPLATE_NOT_FOUND', '409': 'TEMPLATE_BUSY' },
  TemplatesController_deployments: { '404': 'TEMPLATE_NOT_FOUND' },
  TemplatesController_exportCompose: { '404': 'TEMPLATE_NOT_FOUND' },
  DeploymentsController_get: { '404': 'DEPLOYMENT_NOT_FOUND' },
  TopologyController_get: { '404': 'NETWORK_NOT_FOUND', '422': 'TOPOLOGY_TOO_LARGE' },
};

// What the detail of each example says.
const DETAILS: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'The request is invalid: see errors.',
  UNAUTHENTICATED: 'Send an API key as Authorization: Bearer <key>.',
  FORBIDDEN: 'This key (role viewer) cannot do this: it needs operator.',
  POLICY_VIOLATION: 'The container policy refuses this: privileged containers are not allowed.',
  NOT_FOUND: 'Nothing here by that name.',
  API_KEY_NOT_FOUND: 'No API key has the id 6f1c2b8e-3d4a-4b5c-9e7f-0a1b2c3d4e5f.',
  NETWORK_NOT_FOUND: 'No network named demo.',
  CONTAINER_NOT_FOUND: 'No container named containerA.',
  CONNECTION_NOT_FOUND: 'containerB is not connected to demo.',
  IMAGE_NOT_FOUND: 'The image switchyard/busybox:latest is not on the engine (nothing is pulled).',
  NETWORK_NAME_TAKEN: 'A network named demo exists already.',
  API_KEY_NAME_TAKEN: 'An API key named portal-team-a exists already.',
  CONTAINER_NAME_TAKEN: 'A container named containerA exists already.',
  CONTAINER_NOT_RUNNING: 'containerA is not running: start it first.',
  CONTAINER_RUNNING: 'containerA is running: stop it first, or remove it with force=true.',
  NETWORK_IN_USE: 'demo has containers: disconnect them first.',
  AMBIGUOUS_REFERENCE: 'The id prefix 3f matches more than one: give more of it, or the name.',
  ALREADY_CONNECTED: 'containerB is already connected to demo.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than this service accepts (BODY_LIMIT_BYTES).',
  URI_TOO_LONG: 'A path segment is too long: names and ids are at most a few hundred characters.',
  UNSUPPORTED_MEDIA_TYPE: 'Send the request body as JSON with Content-Type: application/json.',
  UNSUPPORTED_BY_ENGINE: 'This engine does not support that setting.',
  CONTAINER_START_FAILED: 'The container was created but could not start: see context.',
  RATE_LIMITED: 'Too many requests for this key: try again after Retry-After seconds.',
  ENGINE_UNAVAILABLE: 'The Docker engine does not answer: is it running?',
  ENGINE_TIMEOUT: 'The Docker engine did not answer in time.',
  TEMPLATE_NOT_FOUND: 'No template is named swagger-lab.',
  TOPOLOGY_TOO_LARGE:
    'The graph has 301 nodes; an SVG picture draws at most 300. Narrow it with network=, label= or template=, or ask for format=json, dot or mermaid.',
  REVISION_NOT_FOUND: 'Template swagger-lab has no revision 3: its revisions are 1 to 2.',
  DEPLOYMENT_NOT_FOUND: 'No deployment has the id 6f1c2b8e-3d4a-4b5c-9e7f-0a1b2c3d4e5f.',
  TEMPLATE_NAME_TAKEN:
    'A template named swagger-lab exists; replace it with PUT /api/v1/templates/swagger-lab.',
  TEMPLATE_BUSY: 'An apply of swagger-lab is running: wait for it (GET /api/v1/deployments/{id}).',
  TEMPLATE_INVALID: 'The template has 1 problem: see context.problems.',
  RESOURCE_NOT_OWNED:
    'The template declares names of resources it does not own: see context.conflicts (they are never touched).',
};

// A TEMPLATE_INVALID lists every problem by JSON path, in context.problems and in errors.
const TEMPLATE_PROBLEM = {
  path: '$.containers.swagger-lab-web.networks.swagger-lab-front',
  message: 'network swagger-lab-front is not declared in networks',
};
const TEMPLATE_PROBLEMS = {
  errors: [{ field: TEMPLATE_PROBLEM.path, message: TEMPLATE_PROBLEM.message }],
  context: { problems: [TEMPLATE_PROBLEM] },
};

// Where a status means something more specific on one route than PROBLEM_DESCRIPTIONS says: by
// operationId prefix (a controller) and status.
export const SPECIFIC_DESCRIPTIONS: Record<string, Record<string, string>> = {
  TemplatesController_: {
    '404':
      "Not found (or out of the key's scope): TEMPLATE_NOT_FOUND, REVISION_NOT_FOUND (the `code` says which)",
    '409':
      'Conflict: TEMPLATE_NAME_TAKEN (create, import), TEMPLATE_BUSY (an apply or destroy is running), RESOURCE_NOT_OWNED (apply: a declared name is taken by a resource the template does not own)',
  },
  DeploymentsController_: {
    '404': "DEPLOYMENT_NOT_FOUND: no deployment has that id (or it is out of the key's scope)",
  },
  TopologyController_get: {
    '404':
      "Not found (or out of the key's scope): NETWORK_NOT_FOUND (network), TEMPLATE_NOT_FOUND (template), ENGINE_NOT_FOUND (engine names another engine)",
    '409':
      'AMBIGUOUS_REFERENCE: a network id prefix matches more than one network; give more of it, or the name',
    '422':
      'TOPOLOGY_TOO_LARGE: format=svg draws at most 300 nodes; narrow the graph, or ask for json, mermaid or dot',
    '429':
      'RATE_LIMITED: too many requests for this key; TOPOLOGY_BUSY: 8 pictures already wait to be drawn (format=svg). Both say when to retry in Retry-After',
  },
};
const TEMPLATE_400 =
  'TEMPLATE_INVALID: the document is invalid, every problem with its JSON path in `context.problems` (also in `errors`); VALIDATION_FAILED for the query string';
const TEMPLATE_415 =
  'UNSUPPORTED_MEDIA_TYPE: send the body as JSON (application/json) or as YAML (Content-Type: application/yaml)';
for (const id of ['create', 'replace', 'importCompose'])
  SPECIFIC_DESCRIPTIONS[`TemplatesController_${id}`] = { '400': TEMPLATE_400, '415': TEMPLATE_415 };

// The description of a problem answer of an operation.
export function problemDescription(operationId: string, status: string): string | undefined {
  const exact = SPECIFIC_DESCRIPTIONS[operationId]?.[status];
  if (exact) return exact;
  const prefix = Object.keys(SPECIFIC_DESCRIPTIONS).find(
    (key) => key.endsWith('_') && operationId.startsWith(key),
  );
  return (prefix && SPECIFIC_DESCRIPTIONS[prefix][status]) ?? PROBLEM_DESCRIPTIONS[status];
}

// The problem an operation shows for a status: a catalogued code of that status.
export function problemExample(
  operationId: string,
  status: string,
  field: string | undefined,
): Record<string, unknown> | undefined {
  const code = OPERATION_CODES[operationId]?.[status] ?? DEFAULT_CODES[status];
  if (!code) return undefined;
  const { status: codeStatus, title } = ERROR_CATALOG[code];
  return {
    type: `urn:switchyard:problem:${code}`,
    title,
    status: codeStatus,
    detail: DETAILS[code] ?? title,
    code,
    ...(code === 'VALIDATION_FAILED'
      ? { errors: [{ field: field ?? 'body', message: `${field ?? 'body'} is invalid: see the schema` }] }
      : {}),
    ...(code === 'TEMPLATE_INVALID' ? TEMPLATE_PROBLEMS : {}),
    ...(code === 'RESOURCE_NOT_OWNED'
      ? {
          context: {
            conflicts: [
              {
                kind: 'container',
                name: 'swagger-lab-web',
                reason: 'a container with this name exists that this template does not own',
              },
            ],
          },
        }
      : {}),
    requestId: '5b0e8c1e-2f7d-4c36-9a0b-6d1f3e2a4c58',
  };
}
