import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

// An API key's id is a UUID: anything else is a 400 on both transports, never a 404.
export function apiKeyIdPipe(): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      DomainError.validation([{ field: 'id', message: 'id must be the id of an API key (a UUID)' }]),
  });
}
