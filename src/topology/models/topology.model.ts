import { ObjectType } from '@nestjs/graphql';
import { ApiField } from '../../common/api/api-field';

// The TopologyGraph of topology.types.ts, described once for OpenAPI and GraphQL (field for field).

@ObjectType('TopologyNode', { description: 'A network or a container' })
export class TopologyNodeModel {
  @ApiField('string', {
    description:
      '`network:<full engine id>` or `container:<full engine id>`: stable for the life of the object',
    example: 'network:3f2a9c...',
  })
  id!: string;

  @ApiField('string', { enum: ['network', 'container'], enumName: 'TopologyNodeKind' })
  kind!: 'network' | 'container';

  @ApiField('string', { example: 'demo' })
  name!: string;

  @ApiField('string', { optional: true, description: 'Networks: the driver', example: 'bridge' })
  driver?: string;

  @ApiField('string', {
    optional: true,
    description:
      "Containers: the engine's state (created, running, paused, restarting, exited, dead, removing)",
    example: 'running',
  })
  state?: string;

  @ApiField('string', { optional: true, description: 'Containers: the image' })
  image?: string;

  @ApiField('string', { array: true, optional: true, description: 'Networks: the IPAM subnets' })
  subnets?: string[];

  @ApiField('boolean', { optional: true, description: 'Networks: no route out' })
  internal?: boolean;

  @ApiField('boolean', {
    optional: true,
    description: "Networks: one of Docker's own (bridge, host, none, ...)",
  })
  builtIn?: boolean;

  @ApiField('string', { optional: true, description: 'The template that made it (io.switchyard.template)' })
  template?: string;

  @ApiField('stringMap', { optional: true })
  labels?: Record<string, string>;
}

@ObjectType('TopologyEdge', { description: 'An endpoint: a container attached to a network' })
export class TopologyEdgeModel {
  @ApiField('string', { description: '`<from>|<to>`' })
  id!: string;

  @ApiField('string', { description: 'The container node id' })
  from!: string;

  @ApiField('string', { description: 'The network node id' })
  to!: string;

  @ApiField('string', {
    optional: true,
    description: 'Without prefix length; a stopped container shows the address it asked for, else null',
    example: '10.20.0.2',
  })
  ipv4Address!: string | null;

  @ApiField('string', { optional: true })
  ipv6Address!: string | null;

  @ApiField('string', { optional: true, example: '02:42:0a:14:00:02' })
  macAddress!: string | null;

  @ApiField('string', { array: true, description: 'DNS names of the container on this network' })
  aliases!: string[];
}

@ObjectType('TopologyDiagnosis', { description: 'Why a check did not turn out as expected' })
export class TopologyDiagnosisModel {
  @ApiField('string', { example: 'NO_SHARED_NETWORK' })
  code!: string;

  @ApiField('string')
  message!: string;
}

@ObjectType('TopologyExpectation', {
  description: "One of the template's expectations with its result in the last deployment that checked them",
})
export class TopologyExpectationModel {
  @ApiField('string', { description: 'The source container as the template names it' })
  fromName!: string;

  @ApiField('string')
  toName!: string;

  @ApiField('string', {
    optional: true,
    description: 'The source container node id; null when not in the graph',
  })
  from!: string | null;

  @ApiField('string', { optional: true })
  to!: string | null;

  @ApiField('boolean', { description: 'What the template expects: reachable or not' })
  reachable!: boolean;

  @ApiField('boolean', { optional: true, description: 'The last check passed; null: never checked' })
  passed!: boolean | null;

  @ApiField(TopologyDiagnosisModel, { optional: true })
  diagnosis!: TopologyDiagnosisModel | null;

  @ApiField('string', { optional: true, description: 'The deployment that checked it' })
  deploymentId!: string | null;

  @ApiField('string', { optional: true, description: 'When (ISO 8601)' })
  checkedAt!: string | null;
}

@ObjectType('TopologyEngine', {
  description:
    'The engine the graph was read from: its details only for unscoped keys (null for a scoped key)',
})
export class TopologyEngineModel {
  @ApiField('string', { optional: true, description: "The engine's id (null for a key with a label scope)" })
  id!: string | null;

  @ApiField('string', {
    optional: true,
    description: "The engine's name (null for a key with a label scope)",
  })
  name!: string | null;

  @ApiField('string', {
    optional: true,
    example: '26.1.5',
    description: "The engine's version (null for a key with a label scope)",
  })
  version!: string | null;
}

@ObjectType('Topology', { description: 'The live graph: networks, containers and an edge per endpoint' })
export class TopologyModel {
  @ApiField(TopologyEngineModel)
  engine!: TopologyEngineModel;

  @ApiField(TopologyNodeModel, { array: true, description: 'Networks, then containers, each by name' })
  nodes!: TopologyNodeModel[];

  @ApiField(TopologyEdgeModel, { array: true })
  edges!: TopologyEdgeModel[];

  @ApiField(TopologyExpectationModel, {
    array: true,
    optional: true,
    description: 'With a template filter only (possibly empty)',
  })
  expectations?: TopologyExpectationModel[];

  @ApiField('string', { optional: true, description: 'The template filter, when given' })
  template?: string;

  @ApiField('string', { description: 'When the graph was read (ISO 8601)' })
  generatedAt!: string;
}
