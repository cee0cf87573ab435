import type { Change, TemplateDocument } from '../template.types';
import { byPath, diffValues } from './value-diff';

// What changed between two revisions, by JSON path ($.containers.web.image), from and to
// (undefined sides answered as null): maps key by key, arrays of scalars (command, aliases) as
// whole values, arrays of objects (ipam.config, expectations) element by element. Sorted by path.
export function diffDocuments(from: TemplateDocument, to: TemplateDocument): Change[] {
  return diffValues(from, to, '$').sort(byPath);
}
