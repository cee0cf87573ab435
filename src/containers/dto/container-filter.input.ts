import { InputType } from '@nestjs/graphql';
import { toInt } from '../../common/validation/transforms';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { CURSOR_PATTERN } from '../../common/paging/page-cursor';
import { LabelFilterField } from '../../common/api/label-filter-field';
import { IsReference } from '../../common/validation/validators';
import { toBoolean } from '../../common/validation/transforms';

export const CONTAINER_STATES = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
] as const;

@InputType('ContainerFilterInput')
export class ContainerFilterInput {
  @ApiField('boolean', { optional: true, description: 'Every state, not only running containers' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'all must be true or false' })
  all?: boolean;

  @ApiField('string', { optional: true, description: 'Only containers on this network (name or id)' })
  @IsOptional()
  @IsReference()
  network?: string;

  @LabelFilterField()
  label?: string[];

  @ApiField('string', {
    optional: true,
    enum: CONTAINER_STATES,
    description: 'Only containers in this state (implies all)',
  })
  @IsOptional()
  @IsIn(CONTAINER_STATES, { message: `state must be one of ${CONTAINER_STATES.join(', ')}` })
  state?: string;
}

export const PAGE_LIMIT_MAX = 500;

export class ContainerListQuery extends ContainerFilterInput {
  @ApiPropertyOptional({ description: `Page size, 1-${PAGE_LIMIT_MAX} (default 100)` })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: `limit must be an integer from 1 to ${PAGE_LIMIT_MAX}` })
  @Min(1, { message: `limit must be an integer from 1 to ${PAGE_LIMIT_MAX}` })
  @Max(PAGE_LIMIT_MAX, { message: `limit must be an integer from 1 to ${PAGE_LIMIT_MAX}` })
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(CURSOR_PATTERN, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}
