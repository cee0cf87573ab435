import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { LabelFilterField } from '../../common/api/label-filter-field';

// GET /api/v1/events: the filters of `engineEvents(filter:)` as query parameters (checked by the
// hub, the same rules on both transports), and where to resume for clients that cannot set the
// Last-Event-ID header.
export class EngineEventsQuery {
  @ApiPropertyOptional({ enum: ['network', 'container'], description: 'Only events of this type' })
  @IsOptional()
  @IsString({ message: 'type must be network or container' })
  type?: string;

  @ApiPropertyOptional({
    description:
      'Only this engine action (create, destroy, start, die, connect, disconnect, ...); an action the engine never reports is refused (400) with the list of known ones',
  })
  @IsOptional()
  @IsString({ message: 'action must be an engine action such as create' })
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({
    description:
      'Only events about this network (name, full id or id prefix of 4+ characters); connect and disconnect match their network',
  })
  @IsOptional()
  @IsString({ message: 'network must be a name, a full id or an id prefix' })
  @MaxLength(255)
  network?: string;

  @ApiPropertyOptional({
    description:
      'Only events about this container (name, full id or id prefix of 4+ characters); connect and disconnect match their container',
  })
  @IsOptional()
  @IsString({ message: 'container must be a name, a full id or an id prefix' })
  @MaxLength(255)
  container?: string;

  @LabelFilterField()
  label?: string[];

  @ApiPropertyOptional({
    description: 'Resume after this message id (as the Last-Event-ID header, which wins when both are sent)',
  })
  @IsOptional()
  @IsString({ message: 'lastEventId must be the id of a message of this stream' })
  @MaxLength(64)
  lastEventId?: string;
}

// GET /api/v1/deployments/{id}/events
export class DeploymentEventsQuery {
  @ApiPropertyOptional({
    description: 'Resume after this message id (as the Last-Event-ID header, which wins when both are sent)',
  })
  @IsOptional()
  @IsString({ message: 'lastEventId must be the id of a message of this stream' })
  @MaxLength(64)
  lastEventId?: string;
}
