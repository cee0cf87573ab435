import { DomainError } from '../errors/domain-error';

// How deeply a request body may nest arrays and objects. Far beyond any real input, far below what
// recursive code (validation, transformation, redaction) survives.
export const MAX_JSON_DEPTH = 64;

// Whether a parsed JSON value nests deeper than `max` levels (the outermost object or array is
// level 1). Iterative, so that it is itself safe on any depth; stops at the first level too deep.
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > max) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

// The refusal of a body (or a graphql-ws message) nested too deeply: the same on every transport.
export function tooDeepError(): DomainError {
  return new DomainError(
    'VALIDATION_FAILED',
    `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; send at most ${MAX_JSON_DEPTH} levels.`,
  );
}
