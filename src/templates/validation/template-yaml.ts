// STUB (foundation): replaced by the validator workstream.
// Parses a YAML body (templates and compose files) with a maintained parser, refusing aliases that
// expand past a size bound, duplicate keys and custom tags. Throws DomainError TEMPLATE_INVALID
// (context.problems with the line and column) for YAML that does not parse.
export function parseTemplateYaml(text: string): unknown {
  void text;
  throw new Error('parseTemplateYaml is not implemented yet');
}
