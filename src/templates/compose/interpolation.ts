// Compose interpolates `$VAR`, `${VAR}`, `${VAR:-default}`... from the environment of whoever runs
// it, in every string of `services` and `networks`; `$$` is a literal dollar. A template has no
// host environment, so an imported string that refers to a variable cannot be mapped, and an
// exported string must have each `$` doubled so that compose hands it back unchanged.

// Compose's own pattern (compose/config/interpolation.py, case-insensitive identifiers).
const REFERENCE = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*(?::?[-?][^}]*)?)\}|)/gi;

export type Interpolated = { value: string } | { problem: string };

// The literal value of a compose string: `$$` becomes `$`; a variable reference, or a `$` that
// compose itself would refuse, is a problem that says what to write instead.
export function uninterpolate(text: string): Interpolated {
  let problem: string | null = null;
  const value = text.replace(
    REFERENCE,
    (match: string, escaped?: string, named?: string, braced?: string) => {
      if (escaped) return '$';
      const variable = named ?? braced;
      problem ??= variable
        ? `refers to the variable \`${match}\`, which compose reads from the environment of whoever runs it; a template has no such environment: write the value itself (or \`$$\` for a literal dollar sign)`
        : `has a \`$\` that compose refuses ("Invalid interpolation format"); write \`$$\` for a literal dollar sign`;
      return match;
    },
  );
  return problem ? { problem } : { value };
}

// A literal string as compose must read it.
export function escapeDollars(text: string): string {
  return text.replace(/\$/g, '$$$$');
}
