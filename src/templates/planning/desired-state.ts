import type { DesiredState, TemplateDocument } from '../template.types';

// STUB (foundation): replaced by the planner workstream.
// A validated document in engine terms, defaults filled in, each resource with the hash of its
// normalised spec. Labels: io.switchyard.managed, io.switchyard.instance, io.switchyard.template,
// the template's labels, then the resource's own (no revision or hash label: the applier adds
// those).
export function desiredState(document: TemplateDocument, revision: number, instanceId: string): DesiredState {
  void document;
  void revision;
  void instanceId;
  throw new Error('desiredState is not implemented yet');
}
