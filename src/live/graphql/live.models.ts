import { ObjectType } from '@nestjs/graphql';
import { ApiField } from '../../common/api/api-field';
import { DeploymentActionModel, DeploymentModel } from '../../templates/models/template.model';

const RESUME =
  'The id of this message in the stream: subscribe again with it as `lastEventId` to resume after it';

@ObjectType('EngineEvent', { description: 'A change on the engine, as the engine reported it' })
export class EngineEventModel {
  @ApiField('string', {
    example: 'network',
    description:
      "network or container; `stream` for the stream's own notice that events may have been missed (action `missed`, attributes reason and message)",
  })
  type!: string;

  @ApiField('string', { example: 'create', description: 'The engine action: create, destroy, start, die...' })
  action!: string;

  @ApiField('string', { description: 'The id of the network or container' })
  id!: string;

  @ApiField('string', { optional: true, description: 'Its name (null when the engine gave none)' })
  name!: string | null;

  @ApiField('stringMap', {
    description: "The engine's attributes (a container's carry its labels; a connect names the container)",
  })
  attributes!: Record<string, string>;

  @ApiField('string', { description: 'When the engine stamped it (ISO 8601, UTC, milliseconds)' })
  time!: string;

  @ApiField('string', { description: RESUME })
  eventId!: string;
}

export const PROGRESS_TYPES = ['action', 'finished'] as const;

@ObjectType('DeploymentProgress', {
  description:
    'One step of a deployment: an action changed status (type action), or the deployment ended (type finished, the last message)',
})
export class DeploymentProgressModel {
  // The stream position is `eventId`, as on EngineEvent (whose `id` is the object's).
  @ApiField('string', { description: RESUME })
  eventId!: string;

  @ApiField('string', { description: 'The id of the deployment' })
  deploymentId!: string;

  @ApiField('string', { enum: PROGRESS_TYPES, enumName: 'DeploymentProgressType' })
  type!: string;

  @ApiField('int', {
    optional: true,
    description: "Type action: the action's position in the deployment's actions (from 0)",
  })
  index!: number | null;

  @ApiField(DeploymentActionModel, {
    optional: true,
    description: 'Type action: the action as it stands now',
  })
  action!: DeploymentActionModel | null;

  @ApiField(DeploymentModel, { optional: true, description: 'Type finished: the deployment as it ended' })
  deployment!: DeploymentModel | null;
}
