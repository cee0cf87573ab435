import { InputType } from '@nestjs/graphql';
import { toInt } from '../../common/validation/transforms';
import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { CURSOR_PATTERN } from '../../common/paging/page-cursor';

export const OUTCOMES = ['succeeded', 'failed', 'denied', 'interrupted'] as const;
export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;

@InputType('AuditFilterInput')
export class AuditFilterInput {
  @ApiField('string', { optional: true, description: "An API key's name or a client address" })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  actor?: string;

  @ApiField('string', { optional: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  action?: string;

  @ApiField('string', { optional: true, description: 'Target name or id' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  target?: string;

  @ApiField('string', { optional: true, enum: OUTCOMES })
  @IsOptional()
  @IsIn(OUTCOMES, { message: `outcome must be one of ${OUTCOMES.join(', ')}` })
  outcome?: string;

  @ApiField('string', { optional: true, description: 'From this time (RFC 3339), inclusive' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be an RFC 3339 time such as 2026-11-29T00:00:00Z' })
  from?: string;

  @ApiField('string', { optional: true, description: 'Until this time (RFC 3339), exclusive' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be an RFC 3339 time such as 2026-11-30T00:00:00Z' })
  to?: string;
}

// A page of the log: newest first, `cursor` is the nextCursor of the previous page.
export class HistoryQuery {
  @ApiPropertyOptional({ description: 'Page size 1-500 (default 50)' })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'limit must be an integer from 1 to 500' })
  @Min(1, { message: 'limit must be an integer from 1 to 500' })
  @Max(500, { message: 'limit must be an integer from 1 to 500' })
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(CURSOR_PATTERN, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

// REST: the filter plus paging, or an export format for the whole range.
export class AuditQuery extends IntersectionType(AuditFilterInput, HistoryQuery) {
  @ApiPropertyOptional({
    enum: EXPORT_FORMATS,
    description: 'Export the whole range as NDJSON or CSV instead of a page',
  })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: 'format must be ndjson or csv' })
  format?: string;
}
