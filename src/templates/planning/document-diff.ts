import type { Change, TemplateDocument } from '../template.types';

// STUB (foundation): replaced by the planner workstream.
// What changed between two revisions, by JSON path ($.containers.web.image), from and to
// (undefined sides answered as null).
export function diffDocuments(from: TemplateDocument, to: TemplateDocument): Change[] {
  void from;
  void to;
  throw new Error('diffDocuments is not implemented yet');
}
