import { InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import {
  IsCidr,
  IsIpAddress,
  IsResourceName,
  IsStringMap,
  LABEL_RULES,
  type StringMapRules,
} from '../../common/validation/validators';

export const DRIVER_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.:/-]*$/;

const OPTION_RULES: StringMapRules = {
  maxEntries: 64,
  keyPattern: /^[a-zA-Z0-9][a-zA-Z0-9_.:/-]*$/,
  keyHint: 'letters, digits, ".", "_", ":", "/" and "-", starting with a letter or digit',
  maxKeyLength: 255,
  maxValueLength: 1024,
};

const AUX_RULES: StringMapRules = {
  maxEntries: 64,
  keyPattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
  keyHint: 'a host name (letters, digits, "_", "." and "-")',
  maxKeyLength: 253,
  maxValueLength: 45,
};

@InputType('IpamConfigInput')
export class IpamConfigInput {
  @ApiField('string', { optional: true, example: '10.20.0.0/24' })
  @IsOptional()
  @IsCidr()
  subnet?: string;

  @ApiField('string', { optional: true, example: '10.20.0.1' })
  @IsOptional()
  @IsIpAddress()
  gateway?: string;

  @ApiField('string', {
    optional: true,
    example: '10.20.0.128/25',
    description: 'Part of the subnet that containers get addresses from',
  })
  @IsOptional()
  @IsCidr()
  ipRange?: string;

  @ApiField('stringMap', {
    optional: true,
    description: 'Addresses the IPAM driver must not hand out, by host name',
    example: { router: '10.20.0.254' },
  })
  @IsOptional()
  @IsStringMap(AUX_RULES)
  auxAddresses?: Record<string, string>;
}

@InputType('IpamInput')
export class IpamInput {
  @ApiField('string', { optional: true, example: 'default' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(DRIVER_PATTERN, { message: 'driver must be a driver name such as default' })
  driver?: string;

  @ApiField(IpamConfigInput, { array: true, optional: true })
  @IsOptional()
  @IsArray({ message: 'config must be a list of { subnet, gateway, ipRange, auxAddresses }' })
  @ArrayMaxSize(8)
  // ValidateNested alone walks into an inner array as if it were an item: [[{...}]] passed.
  @IsObject({
    each: true,
    message: 'each item of config must be an object { subnet, gateway, ipRange, auxAddresses }',
  })
  @ValidateNested({ each: true })
  @Type(() => IpamConfigInput)
  config?: IpamConfigInput[];

  @ApiField('stringMap', { optional: true })
  @IsOptional()
  @IsStringMap(OPTION_RULES)
  options?: Record<string, string>;
}

@InputType('CreateNetworkInput')
export class CreateNetworkInput {
  @ApiField('string', { example: 'backend' })
  @IsResourceName()
  name!: string;

  @ApiField('string', {
    optional: true,
    example: 'bridge',
    description: 'bridge (default), overlay, macvlan, ipvlan or an installed plugin driver',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(DRIVER_PATTERN, {
    message: 'driver must be a driver name such as bridge, overlay, macvlan or ipvlan',
  })
  driver?: string;

  @ApiField('boolean', { optional: true, description: 'No route outside the network' })
  @IsOptional()
  @IsBoolean()
  internal?: boolean;

  @ApiField('boolean', {
    optional: true,
    description: 'Overlay: plain containers may join, not only services',
  })
  @IsOptional()
  @IsBoolean()
  attachable?: boolean;

  @ApiField('boolean', { optional: true })
  @IsOptional()
  @IsBoolean()
  enableIPv6?: boolean;

  @ApiField(IpamInput, { optional: true })
  @IsOptional()
  @IsObject({ message: 'ipam must be an object { driver, config, options }' })
  @ValidateNested()
  @Type(() => IpamInput)
  ipam?: IpamInput;

  @ApiField('stringMap', {
    optional: true,
    description:
      'Driver options, e.g. {"parent": "eth1", "macvlan_mode": "bridge"} or {"com.docker.network.driver.mtu": "1400"}',
  })
  @IsOptional()
  @IsStringMap(OPTION_RULES)
  options?: Record<string, string>;

  @ApiField('stringMap', { optional: true, example: { team: 'a' } })
  @IsOptional()
  @IsStringMap(LABEL_RULES)
  labels?: Record<string, string>;
}
