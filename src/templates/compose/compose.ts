import type { TemplateDocument } from '../template.types';

// STUB (foundation): replaced by the compose workstream.

export interface UnmappedField {
  // Path in the compose file ($.services.web.ports).
  path: string;
  reason: string;
}

// A compose file (already parsed from YAML) as a template document (not yet validated), with every
// field that could not be mapped listed.
export function composeToTemplate(
  compose: unknown,
  name: string,
): { document: TemplateDocument; unmapped: UnmappedField[] } {
  void compose;
  void name;
  throw new Error('composeToTemplate is not implemented yet');
}

// A template document as a compose file (YAML text) that `docker-compose config` accepts.
export function templateToCompose(document: TemplateDocument): string {
  void document;
  throw new Error('templateToCompose is not implemented yet');
}
