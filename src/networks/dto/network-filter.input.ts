import { InputType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { LabelFilterField } from '../../common/api/label-filter-field';
import { DRIVER_PATTERN } from './create-network.input';

@InputType('NetworkFilterInput')
export class NetworkFilterInput {
  @ApiField('string', { optional: true })
  @IsOptional()
  @IsString()
  @Matches(DRIVER_PATTERN, { message: 'driver must be a driver name such as bridge' })
  driver?: string;

  @ApiField('string', { optional: true, description: 'Exact network name' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @LabelFilterField()
  label?: string[];

  @ApiField('string', { optional: true, enum: ['local', 'swarm', 'global'] })
  @IsOptional()
  @IsIn(['local', 'swarm', 'global'], { message: 'scope must be local, swarm or global' })
  scope?: string;
}
