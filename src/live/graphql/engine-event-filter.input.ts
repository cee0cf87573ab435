import { InputType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { LabelFilterField } from '../../common/api/label-filter-field';
import { IsReference } from '../../common/validation/validators';

export const ENGINE_EVENT_TYPES = ['network', 'container'] as const;

// The engine's action words: `create`, `die`, `health_status: healthy`.
export const EVENT_ACTION_PATTERN = /^[a-z][a-z_]*(: [a-z_]+)?$/;

// `engineEvents(filter:)`: the same names and rules as the query parameters of GET /api/v1/events.
@InputType('EngineEventFilterInput')
export class EngineEventFilterInput {
  @ApiField('string', { optional: true, enum: ENGINE_EVENT_TYPES, description: 'network or container' })
  @IsOptional()
  @IsIn(ENGINE_EVENT_TYPES, { message: 'type must be network or container' })
  type?: string;

  @ApiField('string', {
    optional: true,
    example: 'create',
    description: 'The engine action: create, destroy, start, die, connect, disconnect...',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(EVENT_ACTION_PATTERN, { message: 'action must be an engine action such as create, start or die' })
  action?: string;

  @ApiField('string', { optional: true, description: 'A network the event concerns: name, id or id prefix' })
  @IsOptional()
  @IsReference()
  network?: string;

  @ApiField('string', {
    optional: true,
    description: 'A container the event concerns: name, id or id prefix',
  })
  @IsOptional()
  @IsReference()
  container?: string;

  @LabelFilterField()
  label?: string[];
}
