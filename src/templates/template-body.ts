import { parseTemplateYaml } from './validation/template-yaml';

// A request body sent as YAML (Content-Type application/yaml): the text as it came, parsed only by
// the service that knows what it is (a template, or a compose file), so that both are parsed by
// the one bounded YAML reader.
export class YamlBody {
  constructor(readonly text: string) {}

  // What the audit log records as the input (the text, not a parsed value).
  toJSON(): { yaml: string } {
    return { yaml: this.text };
  }
}

// The parsed value of a body: JSON as Fastify parsed it, YAML parsed here. A GraphQL string
// argument (importCompose's compose) is YAML text too.
export function parsedBody(body: unknown, options: { stringIsYaml?: boolean } = {}): unknown {
  if (body instanceof YamlBody) return parseTemplateYaml(body.text);
  if (options.stringIsYaml && typeof body === 'string') return parseTemplateYaml(body);
  return body;
}

// The media types read as YAML text.
export const YAML_MEDIA_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'];

// The routes that take a template document or a compose file (Fastify's route patterns).
const YAML_ROUTES = new Set([
  'POST /api/v1/templates',
  'PUT /api/v1/templates/:name',
  'POST /api/v1/templates/import',
]);

export function acceptsYaml(method: string, route: string | undefined): boolean {
  return route !== undefined && YAML_ROUTES.has(`${method} ${route}`);
}
