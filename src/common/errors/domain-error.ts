import { ERROR_CATALOG, type ErrorCode } from './error-codes';

export interface FieldError {
  // Dotted path of the offending field, e.g. `ipam.config.0.gateway`.
  field: string;
  message: string;
}

// The one error type that services throw. Each transport maps it once: REST to problem+json,
// GraphQL to `extensions.code`. `context` carries structured facts a client can act on
// (the conflicting network, the attached containers, ...).
export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      errors?: FieldError[];
      context?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = ERROR_CATALOG[code].status;
  }

  get errors(): FieldError[] | undefined {
    return this.options.errors;
  }

  get context(): Record<string, unknown> | undefined {
    return this.options.context;
  }

  static validation(errors: FieldError[]): DomainError {
    const summary = errors.map((e) => e.message).join('; ');
    return new DomainError('VALIDATION_FAILED', `Invalid input. ${summary}`, { errors });
  }
}
