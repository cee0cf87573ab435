import { plainToInstance, Transform } from 'class-transformer';
import { toInt } from '../common/validation/transforms';
import { DEFAULT_NETWORK_POOLS, parseNetworkPools } from '../common/net/pools';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidateBy,
} from 'class-validator';
import { trustedProxyList } from '../common/net/trusted-proxies';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

// The service's whole environment, validated once at boot. Every variable is documented in docs/configuration.md.
export class AppConfig {
  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer from 1 to 65535' })
  @Min(1, { message: 'PORT must be an integer from 1 to 65535' })
  @Max(65535, { message: 'PORT must be an integer from 1 to 65535' })
  PORT = 8080;

  @IsString()
  @MinLength(1, { message: 'HOST must be an interface address or host name, e.g. 127.0.0.1' })
  HOST = '127.0.0.1';

  @Matches(/^(unix:\/\/\/?.+|tcp:\/\/[^/]+|https?:\/\/[^/]+\/?)$/, {
    message: 'DOCKER_HOST must look like unix:///var/run/docker.sock or tcp://host:2376',
  })
  DOCKER_HOST = 'unix:///var/run/docker.sock';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['0', '1', 'true', 'false'], { message: 'DOCKER_TLS_VERIFY must be 1 or 0 (or empty)' })
  DOCKER_TLS_VERIFY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  DOCKER_CERT_PATH?: string;

  @Transform(toInt)
  @IsInt({ message: 'ENGINE_TIMEOUT_MS must be an integer from 100 to 300000' })
  @Min(100, { message: 'ENGINE_TIMEOUT_MS must be an integer from 100 to 300000' })
  @Max(300000, { message: 'ENGINE_TIMEOUT_MS must be an integer from 100 to 300000' })
  ENGINE_TIMEOUT_MS = 10000;

  @IsString()
  @MinLength(1, { message: 'DATABASE_PATH must be a file path (or :memory: for a throwaway database)' })
  DATABASE_PATH = './data/switchyard.sqlite';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @IsIn(LOG_FORMATS, { message: `LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT: LogFormat = 'json';

  @Transform(toInt)
  @IsInt({ message: 'BODY_LIMIT_BYTES must be an integer from 1024 to 104857600' })
  @Min(1024, { message: 'BODY_LIMIT_BYTES must be an integer from 1024 to 104857600' })
  @Max(104857600, { message: 'BODY_LIMIT_BYTES must be an integer from 1024 to 104857600' })
  BODY_LIMIT_BYTES = 1048576;

  @Transform(toInt)
  @IsInt({ message: 'EXEC_CONCURRENCY must be an integer from 1 to 64' })
  @Min(1, { message: 'EXEC_CONCURRENCY must be an integer from 1 to 64' })
  @Max(64, { message: 'EXEC_CONCURRENCY must be an integer from 1 to 64' })
  EXEC_CONCURRENCY = 4;

  @Transform(toInt)
  @IsInt({ message: 'EXEC_QUEUE_TIMEOUT_MS must be an integer from 0 to 60000' })
  @Min(0, { message: 'EXEC_QUEUE_TIMEOUT_MS must be an integer from 0 to 60000' })
  @Max(60000, { message: 'EXEC_QUEUE_TIMEOUT_MS must be an integer from 0 to 60000' })
  EXEC_QUEUE_TIMEOUT_MS = 2000;

  @Transform(toInt)
  @IsInt({ message: 'EXEC_TIMEOUT_MS must be an integer from 100 to 600000' })
  @Min(100, { message: 'EXEC_TIMEOUT_MS must be an integer from 100 to 600000' })
  @Max(600000, { message: 'EXEC_TIMEOUT_MS must be an integer from 100 to 600000' })
  EXEC_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @IsInt({ message: 'EXEC_MAX_TIMEOUT_MS must be an integer from 100 to 600000' })
  @Min(100, { message: 'EXEC_MAX_TIMEOUT_MS must be an integer from 100 to 600000' })
  @Max(600000, { message: 'EXEC_MAX_TIMEOUT_MS must be an integer from 100 to 600000' })
  EXEC_MAX_TIMEOUT_MS = 60000;

  @Transform(toInt)
  @IsInt({ message: 'EXEC_OUTPUT_LIMIT_BYTES must be an integer from 1024 to 16777216' })
  @Min(1024, { message: 'EXEC_OUTPUT_LIMIT_BYTES must be an integer from 1024 to 16777216' })
  @Max(16777216, { message: 'EXEC_OUTPUT_LIMIT_BYTES must be an integer from 1024 to 16777216' })
  EXEC_OUTPUT_LIMIT_BYTES = 1048576;

  @Transform(toInt)
  @IsInt({ message: 'LOGS_LIMIT_BYTES must be an integer from 1024 to 67108864' })
  @Min(1024, { message: 'LOGS_LIMIT_BYTES must be an integer from 1024 to 67108864' })
  @Max(67108864, { message: 'LOGS_LIMIT_BYTES must be an integer from 1024 to 67108864' })
  LOGS_LIMIT_BYTES = 1048576;

  // Engine calls one template apply or destroy runs at once (creates, connects, starts, removes).
  @Transform(toInt)
  @IsInt({ message: 'TEMPLATE_APPLY_CONCURRENCY must be an integer from 1 to 64' })
  @Min(1, { message: 'TEMPLATE_APPLY_CONCURRENCY must be an integer from 1 to 64' })
  @Max(64, { message: 'TEMPLATE_APPLY_CONCURRENCY must be an integer from 1 to 64' })
  TEMPLATE_APPLY_CONCURRENCY = 16;

  // The event-fed read model of the engine's networks and containers; false reads the engine every time.
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
  )
  @IsBoolean({ message: 'READ_MODEL must be true or false' })
  READ_MODEL = true;

  // Who may read /metrics: off (not served), open (anyone who reaches the port), key (an API key
  // of any role, as a Bearer token).
  @IsIn(['off', 'open', 'key'], { message: 'METRICS must be off, open or key' })
  METRICS: 'off' | 'open' | 'key' = 'key';

  // Client streams (SSE and GraphQL subscriptions) one key may have open at once.
  @Transform(toInt)
  @IsInt({ message: 'MAX_STREAMS_PER_KEY must be an integer from 1 to 1000' })
  @Min(1, { message: 'MAX_STREAMS_PER_KEY must be an integer from 1 to 1000' })
  @Max(1000, { message: 'MAX_STREAMS_PER_KEY must be an integer from 1 to 1000' })
  MAX_STREAMS_PER_KEY = 8;

  // Messages waiting for one slow client; past it the stream ends with a reason.
  @Transform(toInt)
  @IsInt({ message: 'STREAM_BUFFER_MESSAGES must be an integer from 10 to 100000' })
  @Min(10, { message: 'STREAM_BUFFER_MESSAGES must be an integer from 10 to 100000' })
  @Max(100000, { message: 'STREAM_BUFFER_MESSAGES must be an integer from 10 to 100000' })
  STREAM_BUFFER_MESSAGES = 1000;

  // Bytes of messages (as JSON) waiting for one slow client; past it the stream ends with a reason.
  // Events carry their container's labels, so a count of messages alone does not bound memory.
  @Transform(toInt)
  @IsInt({ message: 'STREAM_BUFFER_BYTES must be an integer from 65536 to 1073741824' })
  @Min(65536, { message: 'STREAM_BUFFER_BYTES must be an integer from 65536 to 1073741824' })
  @Max(1073741824, { message: 'STREAM_BUFFER_BYTES must be an integer from 65536 to 1073741824' })
  STREAM_BUFFER_BYTES = 8388608;

  // On SIGTERM: how long requests in progress may take to finish before the service stops anyway.
  @Transform(toInt)
  @IsInt({ message: 'SHUTDOWN_GRACE_MS must be an integer from 0 to 600000' })
  @Min(0, { message: 'SHUTDOWN_GRACE_MS must be an integer from 0 to 600000' })
  @Max(600000, { message: 'SHUTDOWN_GRACE_MS must be an integer from 0 to 600000' })
  SHUTDOWN_GRACE_MS = 10000;

  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/, {
    message: 'PROBE_IMAGE must be an image reference such as busybox:latest',
  })
  PROBE_IMAGE = 'switchyard/busybox:latest';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{32,256}$/, {
    message: 'ADMIN_API_KEY must be 32-256 printable characters without spaces (e.g. openssl rand -hex 32)',
  })
  ADMIN_API_KEY?: string;

  // Comma-separated glob patterns (`*` within a path segment, `**` across); empty means any local image.
  @IsString()
  @Matches(/^[a-zA-Z0-9._/:@*,\s-]*$/, {
    message:
      'IMAGE_ALLOWLIST must be comma-separated image patterns such as busybox:*,registry.example.com/team/**',
  })
  IMAGE_ALLOWLIST = '';

  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_PER_SECOND must be an integer from 1 to 100000' })
  @Min(1, { message: 'RATE_LIMIT_PER_SECOND must be an integer from 1 to 100000' })
  @Max(100000, { message: 'RATE_LIMIT_PER_SECOND must be an integer from 1 to 100000' })
  RATE_LIMIT_PER_SECOND = 50;

  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_BURST must be an integer from 1 to 100000' })
  @Min(1, { message: 'RATE_LIMIT_BURST must be an integer from 1 to 100000' })
  @Max(100000, { message: 'RATE_LIMIT_BURST must be an integer from 1 to 100000' })
  RATE_LIMIT_BURST = 200;

  @Transform(toInt)
  @IsInt({ message: 'MAX_IN_FLIGHT_PER_KEY must be an integer from 1 to 1000' })
  @Min(1, { message: 'MAX_IN_FLIGHT_PER_KEY must be an integer from 1 to 1000' })
  @Max(1000, { message: 'MAX_IN_FLIGHT_PER_KEY must be an integer from 1 to 1000' })
  MAX_IN_FLIGHT_PER_KEY = 16;

  // Comma-separated origins allowed to call from a browser; empty turns CORS off.
  @IsString()
  @Matches(/^(\s*https?:\/\/[a-zA-Z0-9.-]+(:\d+)?\s*(,|$))*$/, {
    message: 'CORS_ORIGINS must be comma-separated origins such as https://portal.example.com',
  })
  CORS_ORIGINS = '';

  // Comma-separated addresses and CIDRs of reverse proxies; only a request from one of them has its
  // client address taken from X-Forwarded-For (the rightmost hop that is not a trusted proxy).
  // Empty: X-Forwarded-For is ignored.
  @IsString()
  @ValidateBy({
    name: 'isTrustedProxyList',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && trustedProxyList(value) !== null,
      defaultMessage: () =>
        'TRUSTED_PROXIES must be comma-separated addresses or CIDRs of your reverse proxies, such as 10.0.0.5,10.1.0.0/16',
    },
  })
  TRUSTED_PROXIES = '';

  @Transform(({ value }: { value: unknown }) =>
    value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
  )
  @IsBoolean({ message: 'GRAPHQL_INTROSPECTION must be true or false' })
  GRAPHQL_INTROSPECTION = true;

  @Transform(toInt)
  @IsInt({ message: 'GRAPHQL_MAX_DEPTH must be an integer from 2 to 50' })
  @Min(2, { message: 'GRAPHQL_MAX_DEPTH must be an integer from 2 to 50' })
  @Max(50, { message: 'GRAPHQL_MAX_DEPTH must be an integer from 2 to 50' })
  GRAPHQL_MAX_DEPTH = 10;

  @Transform(toInt)
  @IsInt({ message: 'GRAPHQL_MAX_ALIASES must be an integer from 0 to 1000' })
  @Min(0, { message: 'GRAPHQL_MAX_ALIASES must be an integer from 0 to 1000' })
  @Max(1000, { message: 'GRAPHQL_MAX_ALIASES must be an integer from 0 to 1000' })
  GRAPHQL_MAX_ALIASES = 20;

  @Transform(toInt)
  @IsInt({ message: 'GRAPHQL_MAX_COST must be an integer from 10 to 1000000' })
  @Min(10, { message: 'GRAPHQL_MAX_COST must be an integer from 10 to 1000000' })
  @Max(1000000, { message: 'GRAPHQL_MAX_COST must be an integer from 10 to 1000000' })
  GRAPHQL_MAX_COST = 1000;

  // Lexical tokens in a GraphQL document: parsing stops there, before any tree is built.
  @Transform(toInt)
  @IsInt({ message: 'GRAPHQL_MAX_TOKENS must be an integer from 100 to 1000000' })
  @Min(100, { message: 'GRAPHQL_MAX_TOKENS must be an integer from 100 to 1000000' })
  @Max(1000000, { message: 'GRAPHQL_MAX_TOKENS must be an integer from 100 to 1000000' })
  GRAPHQL_MAX_TOKENS = 3000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  GRAPHQL_SAFELIST_PATH?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{32,256}$/, {
    message: 'AUDIT_HMAC_KEY must be 32-256 printable characters without spaces (e.g. openssl rand -hex 32)',
  })
  AUDIT_HMAC_KEY?: string;

  @Transform(toInt)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be an integer from 0 (keep forever) to 36500' })
  @Min(0, { message: 'AUDIT_RETENTION_DAYS must be an integer from 0 (keep forever) to 36500' })
  @Max(36500, { message: 'AUDIT_RETENTION_DAYS must be an integer from 0 (keep forever) to 36500' })
  AUDIT_RETENTION_DAYS = 0;

  // Comma-separated CIDR ranges that keys other than admin keys may give their networks.
  @IsString()
  @ValidateBy({
    name: 'networkPools',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && parseNetworkPools(value).problems.length === 0,
      defaultMessage: () =>
        'NETWORK_POOLS must be comma-separated CIDR ranges such as 10.0.0.0/8,192.168.0.0/16,fd00::/8',
    },
  })
  NETWORK_POOLS = DEFAULT_NETWORK_POOLS;

  // Names (a case-insensitive regular expression) of NAME=value pairs in commands whose values
  // never reach the audit log.
  @IsString()
  @ValidateBy({
    name: 'isRegExpSource',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && value.length <= 500 && isRegExpSource(value),
      defaultMessage: () =>
        'AUDIT_REDACT_PATTERN must be a regular expression of at most 500 characters, such as pass|secret|token|key',
    },
  })
  AUDIT_REDACT_PATTERN = 'pass|secret|token|key';

  get dockerTlsVerify(): boolean {
    return this.DOCKER_TLS_VERIFY === '1' || this.DOCKER_TLS_VERIFY === 'true';
  }
}

function isRegExpSource(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return source.trim() !== '';
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const KNOWN_KEYS = Object.keys(new AppConfig());
// Never echoed back in an error message.
const SECRET_KEYS = new Set(['ADMIN_API_KEY', 'AUDIT_HMAC_KEY']);

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AppConfig> = {},
): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of [
    ...KNOWN_KEYS,
    'DOCKER_TLS_VERIFY',
    'DOCKER_CERT_PATH',
    'ADMIN_API_KEY',
    'AUDIT_HMAC_KEY',
    'GRAPHQL_SAFELIST_PATH',
  ]) {
    if (env[key] !== undefined) raw[key] = env[key];
  }
  const config = plainToInstance(AppConfig, { ...raw, ...overrides });
  const errors = validateSync(config, { forbidUnknownValues: false });
  // One line per variable: its first broken rule says what a good value looks like.
  const problems = errors.map(
    (e) =>
      `${Object.values(e.constraints ?? {})[0]} (got ${SECRET_KEYS.has(e.property) ? 'a value that is not shown' : JSON.stringify(raw[e.property] ?? null)})`,
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
