import { InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { ARGV_FIELDS, IsArgvList } from '../../common/validation/argv';
import {
  HasNoNul,
  IsIpAddress,
  IsMacAddress,
  IsReference,
  IsResourceName,
  IsStringMap,
  LABEL_RULES,
  type StringMapRules,
} from '../../common/validation/validators';

// Docker's reference grammar: [registry[:port]/]path[:tag][@sha256:digest], or an image id.
// A first component is a registry only when it has a dot or a port, or is localhost.
export const IMAGE_REFERENCE =
  /^(?:sha256:[a-f0-9]{64}|(?:(?:[a-zA-Z0-9-]+\.[a-zA-Z0-9.-]+|[a-zA-Z0-9.-]+:[0-9]+|localhost)(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?)$/;

export const ENV_RULES: StringMapRules = {
  maxEntries: 128,
  keyPattern: /^[a-zA-Z_][a-zA-Z0-9_]*$/,
  keyHint: 'an environment variable name (letters, digits and "_", not starting with a digit)',
  maxKeyLength: 255,
  maxValueLength: 32768,
};

export const RESTART_POLICIES = ['no', 'always', 'unless-stopped', 'on-failure'] as const;
export const NETWORK_MODES = ['bridge', 'host', 'none'] as const;

@InputType('ContainerNetworkInput')
export class ContainerNetworkInput {
  @ApiField('string', { description: 'Network name or id' })
  @IsReference()
  network!: string;

  @ApiField('string', { optional: true, example: '10.20.0.10' })
  @IsOptional()
  @IsIpAddress(4)
  ipv4Address?: string;

  @ApiField('string', { optional: true })
  @IsOptional()
  @IsIpAddress(6)
  ipv6Address?: string;

  @ApiField('string', {
    optional: true,
    example: '02:42:0a:14:00:0a',
    description: 'Before engine API 1.44 only the first network can have a chosen MAC address',
  })
  @IsOptional()
  @IsMacAddress()
  macAddress?: string;

  @ApiField('string', { array: true, optional: true, example: ['db'] })
  @IsOptional()
  @ArrayMaxSize(32)
  @IsResourceName({ each: true })
  aliases?: string[];
}

@InputType('RestartPolicyInput')
export class RestartPolicyInput {
  @ApiField('string', { enum: RESTART_POLICIES, example: 'unless-stopped' })
  @IsIn(RESTART_POLICIES, { message: `name must be one of ${RESTART_POLICIES.join(', ')}` })
  name!: string;

  @ApiField('int', { optional: true, description: 'Only with on-failure' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  maximumRetryCount?: number;
}

@InputType('RunContainerInput')
export class RunContainerInput {
  @ApiField('string', {
    optional: true,
    example: 'web',
    description: 'The engine picks a name when none is given',
  })
  @IsOptional()
  @IsResourceName()
  name?: string;

  @ApiField('string', {
    example: 'switchyard/busybox:latest',
    description: 'An image already on the engine: nothing is pulled',
  })
  @IsString()
  @MaxLength(512)
  @Matches(IMAGE_REFERENCE, {
    message: 'image must be an image reference such as busybox:latest or registry:5000/team/app:1.2',
  })
  image!: string;

  @ApiField('string', {
    array: true,
    optional: true,
    example: ['sleep', '3600'],
    description: 'argv, no shell',
  })
  @IsOptional()
  @IsArgvList(ARGV_FIELDS.RunContainerInput.command)
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(8192, { each: true })
  @HasNoNul({ each: true })
  command?: string[];

  @ApiField('stringMap', { optional: true, example: { LOG_LEVEL: 'debug' } })
  @IsOptional()
  @IsStringMap(ENV_RULES)
  env?: Record<string, string>;

  @ApiField('stringMap', { optional: true, example: { team: 'a' } })
  @IsOptional()
  @IsStringMap(LABEL_RULES)
  labels?: Record<string, string>;

  @ApiField('string', { optional: true, example: 'web-1' })
  @IsOptional()
  @Matches(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/, {
    message: 'hostname must be a host name label of at most 63 letters, digits and "-"',
  })
  hostname?: string;

  @ApiField(RestartPolicyInput, { optional: true })
  @IsOptional()
  @IsObject({ message: 'restartPolicy must be an object { name, maximumRetryCount }' })
  @ValidateNested()
  @Type(() => RestartPolicyInput)
  restartPolicy?: RestartPolicyInput;

  @ApiField(ContainerNetworkInput, {
    array: true,
    optional: true,
    description: 'Networks to join, the first at create; leave out for the default bridge',
  })
  @IsOptional()
  @IsArray({
    message: 'networks must be a list of { network, ipv4Address, ipv6Address, macAddress, aliases }',
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  // ValidateNested alone walks into an inner array as if it were an item: [[{...}]] passed.
  @IsObject({
    each: true,
    message:
      'each item of networks must be an object { network, ipv4Address, ipv6Address, macAddress, aliases }',
  })
  @ValidateNested({ each: true })
  @Type(() => ContainerNetworkInput)
  networks?: ContainerNetworkInput[];

  @ApiField('string', {
    optional: true,
    enum: NETWORK_MODES,
    description: 'host or none instead of networks',
  })
  @IsOptional()
  @IsIn(NETWORK_MODES, { message: `networkMode must be one of ${NETWORK_MODES.join(', ')}` })
  networkMode?: string;

  @ApiField('boolean', { optional: true, description: 'Start it (default true, like docker run -d)' })
  @IsOptional()
  @IsBoolean()
  start?: boolean;
}
