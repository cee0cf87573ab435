import { ApiProperty } from '@nestjs/swagger';

// The data of one SSE message (OpenAPI only: GraphQL has its own types in src/live/graphql).

export class EngineEventMessage {
  @ApiProperty({
    example: 'container',
    description:
      "network or container; `stream` for the stream's own notice that events may have been missed",
  })
  type!: string;

  @ApiProperty({
    example: 'start',
    description: "The engine's action (create, destroy, start, die, connect, ...); `missed` for the notice",
  })
  action!: string;

  @ApiProperty({ example: '4f1c0e5a9b2d...', description: "The object's full id (empty for the notice)" })
  id!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: 'web',
    description: "The object's name, when the engine gave one",
  })
  name!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      "The engine's attributes (container events carry the container's labels; connect and disconnect the container id); " +
      'for the notice `reason` (resume-unknown, resume-too-old or feed-gap) and `message`',
  })
  attributes!: Record<string, string>;

  @ApiProperty({
    example: '2026-11-30T12:00:00.123Z',
    description: 'When the engine stamped it (ISO 8601, UTC)',
  })
  time!: string;
}

export class DeploymentProgressMessage {
  @ApiProperty({ format: 'uuid' })
  deploymentId!: string;

  @ApiProperty({
    enum: ['action', 'finished'],
    description: 'action: an action changed status; finished: the deployment ended (last message)',
  })
  type!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "The action's position in the deployment's action list (type action)",
  })
  index!: number | null;

  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'The action with its new status, as in GET /api/v1/deployments/{id} (type action)',
  })
  action!: unknown;

  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'The deployment as it ended, as GET /api/v1/deployments/{id} answers it (type finished)',
  })
  deployment!: unknown;
}
