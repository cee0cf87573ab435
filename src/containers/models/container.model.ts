import { ObjectType } from '@nestjs/graphql';
import { ApiField } from '../../common/api/api-field';

@ObjectType('ContainerNetwork', { description: "A container's endpoint on a network" })
export class ContainerNetworkModel {
  @ApiField('string', { description: 'Network name' })
  network!: string;

  @ApiField('string', { optional: true, description: 'Null until the container first starts on it' })
  networkId!: string | null;

  @ApiField('string', { optional: true })
  ipv4Address!: string | null;

  @ApiField('string', { optional: true })
  ipv6Address!: string | null;

  @ApiField('string', { optional: true })
  macAddress!: string | null;

  @ApiField('string', { array: true })
  aliases!: string[];
}

@ObjectType('RestartPolicy')
export class RestartPolicyModel {
  @ApiField('string', { example: 'no' })
  name!: string;

  @ApiField('int')
  maximumRetryCount!: number;
}

@ObjectType('Container')
export class ContainerModel {
  @ApiField('string')
  id!: string;

  @ApiField('string', { example: 'web' })
  name!: string;

  @ApiField('string', { example: 'switchyard/busybox:latest' })
  image!: string;

  @ApiField('string', { array: true, example: ['sleep', '3600'], description: 'argv' })
  command!: string[];

  @ApiField('string', {
    example: 'running',
    description: 'created, running, paused, restarting, removing, exited or dead',
  })
  state!: string;

  @ApiField('string', { example: 'Up 5 minutes', description: "The engine's own words" })
  status!: string;

  @ApiField('datetime', { optional: true })
  createdAt!: Date | null;

  @ApiField('datetime', { optional: true })
  startedAt!: Date | null;

  @ApiField('datetime', { optional: true })
  finishedAt!: Date | null;

  @ApiField('int', { optional: true, description: 'Of the last run, while not running' })
  exitCode!: number | null;

  @ApiField('stringMap')
  labels!: Record<string, string>;

  @ApiField('string', { example: 'web-1' })
  hostname!: string;

  @ApiField('string', {
    example: 'backend',
    description: 'host, none, bridge, or the network it was created on',
  })
  networkMode!: string;

  @ApiField(RestartPolicyModel)
  restartPolicy!: RestartPolicyModel;

  @ApiField(ContainerNetworkModel, { array: true })
  networks!: ContainerNetworkModel[];
}

@ObjectType('ContainerPage')
export class ContainerPageModel {
  @ApiField(ContainerModel, { array: true })
  items!: ContainerModel[];

  @ApiField('string', {
    optional: true,
    description: 'Pass as cursor for the next page; null on the last one',
  })
  nextCursor!: string | null;
}

@ObjectType('ExecResult')
export class ExecResultModel {
  @ApiField('int', {
    optional: true,
    description: 'Null when the command did not finish before the deadline',
  })
  exitCode!: number | null;

  @ApiField('string')
  stdout!: string;

  @ApiField('string')
  stderr!: string;

  @ApiField('int')
  durationMs!: number;

  @ApiField('boolean', {
    description: 'The deadline passed; the command (and what it started) was ended in the container',
  })
  timedOut!: boolean;

  @ApiField('boolean', { description: 'Output past EXEC_OUTPUT_LIMIT_BYTES per stream was dropped' })
  truncated!: boolean;
}

@ObjectType('LogLine')
export class LogLineModel {
  @ApiField('string', { enum: ['stdout', 'stderr'] })
  stream!: string;

  @ApiField('string', { optional: true, description: 'RFC 3339 with nanoseconds, as the engine wrote it' })
  timestamp!: string | null;

  @ApiField('string')
  text!: string;
}

@ObjectType('ContainerLogs')
export class ContainerLogsModel {
  @ApiField(LogLineModel, { array: true })
  items!: LogLineModel[];

  @ApiField('boolean', {
    description:
      'The log went on past LOGS_LIMIT_BYTES: the lines stop there. Ask for a smaller tail or a later since to see the rest',
  })
  truncated!: boolean;
}
