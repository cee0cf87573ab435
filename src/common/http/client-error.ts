import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ERROR_CATALOG } from '../errors/error-codes';
import { logSafe } from '../logging/log-text';

// Node refuses a request whose request line and headers exceed its limit (16 KiB by default)
// before Fastify sees it: no route, no hooks, no request id. The answer is written to the socket
// here, in the shape of every other answer: problem+json, or GraphQL's shape on /graphql.
export function headersTooLargeAnswer(rawPacket: Buffer | undefined): {
  head: string;
  body: string;
  path: string;
  method: string;
  requestId: string;
} {
  const start = rawPacket ? rawPacket.toString('latin1', 0, Math.min(rawPacket.length, 4096)) : '';
  const line = /^([A-Z]{1,16}) (\S*)/.exec(start);
  const method = line?.[1] ?? '';
  const target = line?.[2] ?? '';
  const path = target.split('?')[0];
  // The request line alone did not fit: the URL is what is too long.
  const longUrl = rawPacket !== undefined && !start.includes('\r\n') && !start.includes('\n');
  const graphql = path === '/graphql' || path === '/graphql/';
  const requestId = randomUUID();
  const code = 'HEADERS_TOO_LARGE';
  const status = ERROR_CATALOG[code].status;
  const message = graphql
    ? `The ${longUrl ? 'URL' : 'request line and headers'} of this request are larger than this service accepts (16 KiB): send the GraphQL query in a POST body with Content-Type: application/json.`
    : longUrl
      ? 'The URL is longer than this service accepts (16 KiB with the headers): use shorter filters or fewer query parameters.'
      : 'The request headers are larger than this service accepts (16 KiB with the URL): send fewer or shorter headers.';
  const body = graphql
    ? JSON.stringify({ errors: [{ message, extensions: { code, status, requestId } }] })
    : JSON.stringify({
        type: `urn:switchyard:problem:${code}`,
        title: ERROR_CATALOG[code].title,
        status,
        detail: message,
        code,
        requestId,
      });
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `Content-Type: ${graphql ? 'application/json' : 'application/problem+json'}; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${requestId}\r\n` +
    'Connection: close\r\n\r\n';
  return { head, body, path, method, requestId };
}

// Fastify's clientErrorHandler: an oversized request line or headers answered as above (and one
// request line in the log, its URL without the query); anything else as Fastify does by default.
export function clientErrorHandler(logger: Logger) {
  return (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      const answer = headersTooLargeAnswer(Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined);
      if (socket.writable) socket.write(answer.head + answer.body);
      logger.info(
        {
          reqId: answer.requestId,
          req: { method: answer.method, url: logSafe(answer.path, 256) },
          res: { statusCode: 431 },
          code: 'HEADERS_TOO_LARGE',
        },
        `${answer.method} ${logSafe(answer.path, 256)} 431 HEADERS_TOO_LARGE`,
      );
      socket.destroy();
      return;
    }
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = timeout ? 408 : 400;
    const body = JSON.stringify({
      error: STATUS_CODES[status],
      message: timeout ? 'Request Timeout' : 'Client Error',
      statusCode: status,
    });
    if (socket.writable)
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`,
      );
    socket.destroy(error);
  };
}
