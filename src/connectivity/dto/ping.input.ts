import { InputType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Max, Min, Matches } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { IsReference } from '../../common/validation/validators';

@InputType('PingInput')
export class PingInput {
  @ApiField('string', { description: 'Source container: name or id' })
  @IsReference()
  from!: string;

  @ApiField('string', { description: 'Target: a container name, a network alias or an IP address' })
  @IsString()
  @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,252}$/, {
    message: 'to must be a container name, an alias or an IP address',
  })
  to!: string;

  @ApiField('int', { optional: true, description: 'Echo requests to send (1-20, default 3)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  count?: number;

  @ApiField('int', {
    optional: true,
    description: 'Deadline for the whole ping in ms (1000-30000, default 5000)',
  })
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(30000)
  timeoutMs?: number;
}

@InputType('MatrixInput')
export class MatrixInput {
  @ApiField('string', { description: 'Network name or id' })
  @IsReference()
  network!: string;

  @ApiField('int', { optional: true, description: 'Echo requests per pair (1-5, default 1)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  count?: number;

  @ApiField('int', { optional: true, description: 'Deadline per source in ms (1000-10000, default 2000)' })
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(10000)
  timeoutMs?: number;
}
