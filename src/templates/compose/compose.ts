import type { TemplateDocument } from '../template.types';
import { importCompose, type UnmappedField } from './compose-import';
import { exportCompose } from './compose-export';

export type { UnmappedField } from './compose-import';

// A compose file (already parsed from YAML) as a template document (not yet validated), with every
// field that could not be mapped listed. The mapping rules are in compose-import.ts.
export function composeToTemplate(
  compose: unknown,
  name: string,
): { document: TemplateDocument; unmapped: UnmappedField[] } {
  return importCompose(compose, name);
}

// A template document as a compose file (YAML text) that `docker-compose config` accepts. The
// rules are in compose-export.ts.
export function templateToCompose(document: TemplateDocument): string {
  return exportCompose(document);
}
