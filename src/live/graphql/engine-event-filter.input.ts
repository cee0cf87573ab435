import { InputType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { LabelFilterField } from '../../common/api/label-filter-field';
import { EVENT_TYPES } from '../event-filter';

// `engineEvents(filter:)`: the same names as the query parameters of GET /api/v1/events
// (EngineEventsQuery), and the same rules: the hub checks the filter for both transports
// (assertValidFilter); these only bound the input's shape.
@InputType('EngineEventFilterInput')
export class EngineEventFilterInput {
  @ApiField('string', { optional: true, enum: EVENT_TYPES, description: 'network or container' })
  @IsOptional()
  @IsIn(EVENT_TYPES, { message: 'type must be network or container' })
  type?: string;

  @ApiField('string', {
    optional: true,
    example: 'create',
    description: 'The engine action: create, destroy, start, die, connect, disconnect...',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @ApiField('string', { optional: true, description: 'A network the event concerns: name, id or id prefix' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  network?: string;

  @ApiField('string', {
    optional: true,
    description: 'A container the event concerns: name, id or id prefix',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  container?: string;

  @LabelFilterField()
  label?: string[];
}
