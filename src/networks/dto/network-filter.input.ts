import { InputType } from '@nestjs/graphql';
import { toArray } from '../../common/validation/transforms';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { DRIVER_PATTERN } from './create-network.input';

@InputType('NetworkFilterInput')
export class NetworkFilterInput {
  @ApiField('string', { optional: true, example: 'bridge' })
  @IsOptional()
  @IsString()
  @Matches(DRIVER_PATTERN, { message: 'driver must be a driver name such as bridge' })
  driver?: string;

  @ApiField('string', { optional: true, description: 'Exact network name' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @ApiField('string', {
    array: true,
    optional: true,
    description: 'Label `key` or `key=value`; several must all match',
    example: ['team=a'],
  })
  @IsOptional()
  @Transform(toArray)
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  label?: string[];

  @ApiField('string', { optional: true, enum: ['local', 'swarm', 'global'] })
  @IsOptional()
  @IsIn(['local', 'swarm', 'global'], { message: 'scope must be local, swarm or global' })
  scope?: string;
}
