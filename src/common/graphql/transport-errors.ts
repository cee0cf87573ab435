import type { ErrorCode } from '../errors/error-codes';
import { SUBSCRIPTION_OVER_HTTP_MESSAGE } from './subscriptions-over-http';

// The catalogue's code for a bare HTTP status of a refused request.
export function catalogCodeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 406:
      return 'NOT_ACCEPTABLE';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 414:
      return 'URI_TOO_LONG';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED';
  }
}

const SEND_JSON =
  'send a POST with Content-Type: application/json and a body {"query": "...", "variables": {...}}';

// Apollo's refusals of a request before any operation runs (transport mistakes), in words that
// say what to send instead, with a code from the catalogue. Messages not known here keep
// Apollo's words.
export function transportProblem(message: string, status: number): { code: ErrorCode; message: string } {
  if (message.startsWith('This operation has been blocked as a potential Cross-Site Request Forgery')) {
    return {
      code: 'VALIDATION_FAILED',
      message:
        'GraphQL over GET needs the header "apollo-require-preflight: true" (a plain link or form cannot send it, ' +
        `so other sites cannot run queries with your key); or ${SEND_JSON}.`,
    };
  }
  const notQuery = /^GET requests only support query operations, not (\w+) operations/.exec(message);
  // A subscription over GET: where it does run (not POST either).
  if (notQuery?.[1] === 'subscription')
    return { code: 'METHOD_NOT_ALLOWED', message: SUBSCRIPTION_OVER_HTTP_MESSAGE };
  if (notQuery) {
    return {
      code: 'METHOD_NOT_ALLOWED',
      message: `A ${notQuery[1]} runs only over POST: ${SEND_JSON}. GET runs queries only.`,
    };
  }
  if (message.startsWith('GraphQL operations must contain a non-empty `query`'))
    return { code: 'VALIDATION_FAILED', message: `The request has no GraphQL query: ${SEND_JSON}.` };
  if (message.startsWith('POST body missing'))
    return {
      code: 'VALIDATION_FAILED',
      message: `The request has no GraphQL query in its body: ${SEND_JSON}.`,
    };
  const badParameter =
    /^The (\w+) search parameter (contains invalid JSON|should contain a JSON-encoded object)/.exec(message);
  if (badParameter) {
    return {
      code: 'VALIDATION_FAILED',
      message: `The ${badParameter[1]} parameter of the URL must be a URL-encoded JSON object, such as ${badParameter[1]}=%7B%22ref%22%3A%22web%22%7D.`,
    };
  }
  if (message === 'Operation batching disabled.')
    return {
      code: 'VALIDATION_FAILED',
      message: 'Send one operation per request: a list of operations is refused.',
    };
  return { code: catalogCodeOfStatus(status), message };
}
