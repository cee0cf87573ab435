import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsOptional, IsString, MaxLength } from 'class-validator';
import { toArray } from '../validation/transforms';
import { IsLabelFilter } from '../validation/validators';
import { ApiField } from './api-field';

// The `label` filter of every list: `key` or `key=value`, repeatable on REST (?label=a&label=b=c),
// a list in GraphQL, the same limits everywhere.
export function LabelFilterField(): PropertyDecorator {
  return applyDecorators(
    ApiField('string', {
      array: true,
      optional: true,
      description: 'Label `key` or `key=value`; several must all match',
    }),
    IsOptional(),
    Transform(toArray),
    ArrayMaxSize(16),
    IsString({ each: true }),
    MaxLength(4096, { each: true }),
    IsLabelFilter({ each: true }),
  );
}
