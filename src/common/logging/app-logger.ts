import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { AppConfig, LogFormat } from '../../config/app-config';
import { requestContextFields } from './request-context';

// Secrets that may sit in what is logged: the request line's headers, and a key anywhere.
const REDACT = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
  censor: '[redacted]',
};

// Nest's own start-up chatter (each module, controller and route): debug, so that the start of the
// service is a few lines at info.
const NEST_STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'GraphQLModule',
  'NestApplication',
]);

// Where the lines go: JSON lines (one object each), or pino-pretty's readable text for people.
// Both write synchronously, so that the last line before process.exit is not lost.
function destinationOf(format: LogFormat, stream?: NodeJS.WritableStream): DestinationStream {
  const target: DestinationStream = stream ? stream : pino.destination({ dest: 1, sync: true });
  if (format === 'json') return target;
  const pretty = prettyFactory({
    colorize: !stream && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    // What the message already says (see request-log.ts and the engine adapter's call lines).
    ignore:
      'pid,hostname,context,reqId,req,res,responseTime,code,graphqlErrors,operationType,operationName,' +
      'engineCall,target,durationMs,outcome',
    messageFormat: '{if context}[{context}] {end}{msg}{if reqId} (request {reqId}){end}',
    singleLine: false,
  });
  return { write: (line: string) => target.write(pretty(line)) };
}

export interface AppLoggers {
  // Everything but the request lines: carries the current request's id (reqId).
  app: Logger;
  // The request lines (each carries its request's id as reqId itself).
  http: Logger;
}

export function createLoggers(
  config: Pick<AppConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>,
  stream?: NodeJS.WritableStream,
): AppLoggers {
  const destination = destinationOf(config.LOG_FORMAT, stream);
  const options = { level: config.LOG_LEVEL, redact: REDACT };
  return {
    app: pino({ ...options, mixin: requestContextFields }, destination),
    http: pino(options, destination),
  };
}

// Nest's logger (its own lines and every `new Logger(context)` of ours), backed by pino. Nest
// passes the logger's context as the last argument; an object as the message is pino's merging
// object (`logger.warn({ err }, 'text')`).
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const last = rest.at(-1);
    // A context is a name; a string with line breaks is the stack trace Nest passes to error().
    const context = typeof last === 'string' && !last.includes('\n') ? (rest.pop() as string) : undefined;
    if (level === 'info' && context && NEST_STARTUP_CONTEXTS.has(context)) level = 'debug';
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = context ? { context } : {};
    let text: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      text = typeof rest[0] === 'string' ? rest[0] : message.message;
    } else if (message !== null && typeof message === 'object') {
      Object.assign(fields, message);
      text = typeof rest[0] === 'string' ? rest[0] : undefined;
    } else {
      text = String(message);
      const stack = rest.find((p): p is string => typeof p === 'string' && p.includes('\n'));
      if (stack) fields.stack = stack;
    }
    this.logger[level](fields, text);
  }
}
