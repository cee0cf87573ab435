import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import * as classTransformer from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import { DomainError, type FieldError } from '../errors/domain-error';

// The fields a validated class declares, to tell a caller who sent an unknown one what is accepted.
function knownFields(target: unknown): string[] {
  if (!target || typeof target !== 'object') return [];
  const metadata = getMetadataStorage().getTargetValidationMetadatas(target.constructor, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

// Constraints that say the value has the wrong kind altogether, most telling first: when one
// of them fails, the others of the same field (sizes, items, nested fields) only repeat it.
const KIND_CONSTRAINTS = ['isArray', 'isObject', 'isStringMap', 'isString', 'isInt', 'isBoolean', 'isNumber'];

// The failed constraints of one field worth telling: the kind's alone when the kind is wrong,
// and the generic "nested property" complaint only when nothing says more.
function telling(constraints: Record<string, string>): {
  entries: Array<[string, string]>;
  wrongKind: boolean;
} {
  const entries = Object.entries(constraints);
  const kind = KIND_CONSTRAINTS.find((name) => name in constraints);
  if (kind)
    return { entries: [[kind, constraints[kind]]], wrongKind: kind === 'isArray' || kind === 'isObject' };
  const specific = entries.filter(([name]) => name !== 'nestedValidation');
  return { entries: specific.length ? specific : entries, wrongKind: false };
}

function flattenInto(out: FieldError[], errors: ValidationError[], parent: string): void {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const { entries, wrongKind } = telling(error.constraints ?? {});
    for (const [constraint, message] of entries) {
      if (constraint === 'whitelistValidation') {
        const accepted = knownFields(error.target);
        out.push({
          field,
          message:
            `${field} is not a field of this request; remove it or fix its spelling` +
            (accepted.length ? ` (accepted here: ${accepted.join(', ')})` : ''),
        });
        continue;
      }
      if (constraint === 'nestedValidation') {
        out.push({ field, message: `${field} must be an object` });
        continue;
      }
      // class-validator names only the leaf property; name the whole path instead.
      const eachPrefix = `each value in ${error.property} `;
      const text = message.startsWith(eachPrefix)
        ? `: each item ${message.slice(eachPrefix.length)}`
        : ` ${message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message}`;
      out.push({ field, message: `${field}${text}` });
    }
    // A value of the wrong kind has no items or fields to complain about.
    if (!wrongKind && error.children?.length) flattenInto(out, error.children, field);
  }
}

// One message per field: repeated messages are dropped, and several different ones are joined.
export function mergeFieldErrors(errors: FieldError[]): FieldError[] {
  const byField = new Map<string, string[]>();
  for (const { field, message } of errors) {
    const messages = byField.get(field) ?? [];
    if (!messages.includes(message)) messages.push(message);
    byField.set(field, messages);
  }
  return [...byField].map(([field, messages]) => ({
    field,
    message: messages
      .map((m, i) => (i > 0 && m.startsWith(`${field} `) ? m.slice(field.length + 1) : m))
      .join('; '),
  }));
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  flattenInto(out, errors, parent);
  return mergeFieldErrors(out);
}

// One pipe for both transports: unknown fields are refused (not silently dropped), and every
// failure becomes VALIDATION_FAILED with a list of field errors. The validated object is kept on
// each error (never sent) so that an unknown field's message can list the accepted ones.
// A JSON body that is not an object (`null`, a list, a string) where the route expects one is
// refused: the framework would read `null` as `{}`, which on a destructive call (prune) is a trap.
// An absent body stays what the route's defaults make of it.
const PLAIN_TYPES = new Set<unknown>([String, Number, Boolean, Array, Object]);

// An empty query string (`GET /api/v1/networks`) is the commonest request of all: validating the
// empty object of a query class gives the same answer every time (the class's defaults alone), so
// once it passed it is not validated again. A failure is never remembered: it is validated (and
// told) each time.
function isEmptyPlainObject(value: unknown): value is Record<string, never> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) return false;
  return true;
}

class SwitchyardValidationPipe extends ValidationPipe {
  private readonly emptyQueryPasses = new WeakSet<object>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    const emptyQuery =
      metadata.type === 'query' &&
      typeof metatype === 'function' &&
      !PLAIN_TYPES.has(metatype) &&
      isEmptyPlainObject(value);
    if (emptyQuery && this.emptyQueryPasses.has(metatype)) return this.transformOnly(metatype, value);
    const answer = await this.checked(value, metadata);
    if (emptyQuery) this.emptyQueryPasses.add(metatype);
    return answer;
  }

  // What the pipe makes of a value already known to be valid: the instance, defaults applied.
  private transformOnly(metatype: object, value: object): unknown {
    return classTransformer.plainToInstance(metatype as new () => object, value, this.transformOptions);
  }

  private checked(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A REST body as a whole (GraphQL arguments come as named `body` parameters, and a nullable
    // input argument may be null).
    const wholeBody = metadata.type === 'body' && metadata.data === undefined;
    const expectsObject =
      wholeBody && typeof metadata.metatype === 'function' && !PLAIN_TYPES.has(metadata.metatype);
    if (
      expectsObject &&
      value !== undefined &&
      (value === null || typeof value !== 'object' || Array.isArray(value))
    ) {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      throw DomainError.validation([
        { field: 'body', message: `body must be a JSON object, not ${kind} (send {} for no fields)` },
      ]);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new SwitchyardValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: true, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => DomainError.validation(flattenValidationErrors(errors)),
  });
}
