import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { DomainError, type FieldError } from '../errors/domain-error';

// The fields a validated class declares, to tell a caller who sent an unknown one what is accepted.
function knownFields(target: unknown): string[] {
  if (!target || typeof target !== 'object') return [];
  const metadata = getMetadataStorage().getTargetValidationMetadatas(target.constructor, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
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
      // class-validator names only the leaf property; name the whole path instead.
      const text = message.startsWith(`${error.property} `)
        ? message.slice(error.property.length + 1)
        : message;
      out.push({ field, message: `${field} ${text}` });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

// One pipe for both transports: unknown fields are refused (not silently dropped), and every
// failure becomes VALIDATION_FAILED with a list of field errors. The validated object is kept on
// each error (never sent) so that an unknown field's message can list the accepted ones.
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: true, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => DomainError.validation(flattenValidationErrors(errors)),
  });
}
