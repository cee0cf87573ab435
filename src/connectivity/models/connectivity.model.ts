import { ObjectType } from '@nestjs/graphql';
import { ApiField } from '../../common/api/api-field';

@ObjectType('RoundTrip')
export class RoundTripModel {
  @ApiField('float', { description: 'Milliseconds' })
  min!: number;

  @ApiField('float')
  avg!: number;

  @ApiField('float')
  max!: number;
}

@ObjectType('Diagnosis', { description: 'Why the target was not reached' })
export class DiagnosisModel {
  @ApiField('string', {
    enum: [
      'SOURCE_NOT_RUNNING',
      'TARGET_NOT_RUNNING',
      'NO_SHARED_NETWORK',
      'NAME_NOT_RESOLVED',
      'NETWORK_INTERNAL',
      'PACKET_LOSS',
      'NO_PROBE',
    ],
  })
  code!: string;

  @ApiField('string')
  message!: string;
}

@ObjectType('PingResult')
export class PingResultModel {
  @ApiField('string', { description: 'Source container name' })
  from!: string;

  @ApiField('string')
  to!: string;

  @ApiField('boolean')
  reachable!: boolean;

  @ApiField('string', { optional: true, description: 'The address the name resolved to' })
  resolvedAddress!: string | null;

  @ApiField('int')
  transmitted!: number;

  @ApiField('int')
  received!: number;

  @ApiField('float', { optional: true, description: 'Percent of packets lost' })
  packetLoss!: number | null;

  @ApiField(RoundTripModel, { optional: true })
  rttMs!: RoundTripModel | null;

  @ApiField('string', {
    optional: true,
    enum: ['exec', 'helper'],
    description: "exec: the source's own ping; helper: a probe container in its network namespace",
  })
  probe!: string | null;

  @ApiField(DiagnosisModel, { optional: true })
  diagnosis!: DiagnosisModel | null;
}

@ObjectType('MatrixEntry')
export class MatrixEntryModel {
  @ApiField('string')
  from!: string;

  @ApiField('string')
  to!: string;

  @ApiField('string', { description: "The target's address on the network" })
  address!: string;

  @ApiField('boolean')
  reachable!: boolean;

  @ApiField(RoundTripModel, { optional: true })
  rttMs!: RoundTripModel | null;
}

@ObjectType('ConnectivityMatrix')
export class ConnectivityMatrixModel {
  @ApiField('string')
  network!: string;

  @ApiField('int')
  durationMs!: number;

  @ApiField(MatrixEntryModel, { array: true })
  results!: MatrixEntryModel[];
}
