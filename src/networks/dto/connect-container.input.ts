import { InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsOptional, ValidateBy } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { IsIpAddress, IsMacAddress, IsReference, IsResourceName } from '../../common/validation/validators';

@InputType('ConnectContainerInput')
export class ConnectContainerInput {
  @ApiField('string', { description: 'Container name or id' })
  @IsReference()
  container!: string;

  @ApiField('string', { optional: true, example: '10.20.0.10' })
  @IsOptional()
  @IsIpAddress(4)
  ipv4Address?: string;

  @ApiField('string', { optional: true, example: 'fd00:20::10' })
  @IsOptional()
  @IsIpAddress(6)
  ipv6Address?: string;

  @ApiField('string', {
    optional: true,
    example: '02:42:0a:14:00:0a',
    description: 'Honoured on connect only by engines with API 1.54 or newer; older engines answer 422',
  })
  @IsOptional()
  @IsMacAddress()
  macAddress?: string;

  @ApiField('string', { array: true, optional: true, example: ['db'] })
  @IsOptional()
  @ArrayMaxSize(32)
  @IsResourceName({ each: true })
  @ValidateBy({
    name: 'uniqueItems',
    validator: {
      validate: (v: unknown) => !Array.isArray(v) || new Set(v).size === v.length,
      defaultMessage: () => 'aliases must not repeat',
    },
  })
  aliases?: string[];
}
