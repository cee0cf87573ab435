import { DomainError } from '../common/errors/domain-error';

// Refusals: the request never ran.
const DENIED = new Set([
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'POLICY_VIOLATION',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'URI_TOO_LONG',
  'QUERY_TOO_COMPLEX',
  'QUERY_NOT_ALLOWED',
]);

// GraphQL's own refusals of a document, before any resolver.
const DOCUMENT_REFUSALS = new Set(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

export function isRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError && DENIED.has(error.code);
}

export function isRefusalCode(code: unknown): code is string {
  return typeof code === 'string' && (DENIED.has(code) || DOCUMENT_REFUSALS.has(code));
}

// The detail of a successful operation's outcome, when its result says more than "succeeded".
export function successDetail(action: string, result: unknown): string | null {
  if (action === 'container.exec' && result && typeof result === 'object') {
    const r = result as { exitCode?: unknown; timedOut?: unknown };
    return r.timedOut
      ? 'The command did not finish before its deadline.'
      : `The command exited with code ${String(r.exitCode)}.`;
  }
  if (
    (action === 'template.apply' || action === 'template.destroy') &&
    result &&
    typeof result === 'object'
  ) {
    const r = result as { id?: unknown; status?: unknown };
    return r.status === 'running'
      ? `Deployment ${String(r.id)} started; its outcome is in the deployment.`
      : `Deployment ${String(r.id)} ended ${String(r.status)}.`;
  }
  if (action === 'network.prune' && result && typeof result === 'object') {
    const removed = (result as { removed?: unknown }).removed;
    if (Array.isArray(removed))
      return removed.length ? `Removed: ${removed.join(', ')}.` : 'Nothing was unused.';
  }
  return null;
}

// What recovery says about an operation cut short by a stop of the service.
export const interruptedWording = {
  stopped: (action: string) =>
    `Switchyard stopped after recording the intent of ${action} and before its outcome was known.`,
  created: (kind: string, name: string) =>
    `The engine shows ${kind} "${name}" carrying this operation's label: it was created.`,
  exists: (kind: string, name: string) =>
    `The ${kind} "${name}" exists on the engine as shown in "after"; compare it with "before" to see what happened.`,
  gone: (kind: string, ref: string) => `The ${kind} "${ref}" does not exist on the engine now.`,
  nothing: "Nothing on the engine carries this operation's label.",
  unknown: (message: string) => `The engine could not be asked what happened (${message}).`,
};
