import { InputType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { ARGV_FIELDS, IsArgvList } from '../../common/validation/argv';
import { HasNoNul, IsStringMap } from '../../common/validation/validators';
import { ENV_RULES } from './run-container.input';

@InputType('ExecInput')
export class ExecInput {
  @ApiField('string', {
    array: true,
    example: ['cat', '/etc/hostname'],
    description: 'argv; no shell is involved',
  })
  @IsArgvList(ARGV_FIELDS.ExecInput.command)
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(8192, { each: true })
  @HasNoNul({ each: true })
  @MinLength(1, { message: 'command must not contain empty strings', each: true })
  command!: string[];

  @ApiField('stringMap', { optional: true })
  @IsOptional()
  @IsStringMap(ENV_RULES)
  env?: Record<string, string>;

  @ApiField('string', { optional: true, example: '/tmp' })
  @IsOptional()
  @Matches(/^\/[^\0]{0,4095}$/, { message: 'workingDir must be an absolute path' })
  workingDir?: string;

  @ApiField('string', { optional: true, example: 'nobody', description: 'user, uid, user:group or uid:gid' })
  @IsOptional()
  @Matches(/^[a-zA-Z0-9_.-]{1,64}(:[a-zA-Z0-9_.-]{1,64})?$/, {
    message: 'user must look like name, uid, name:group or uid:gid',
  })
  user?: string;

  @ApiField('int', {
    optional: true,
    description: 'Deadline in milliseconds (default EXEC_TIMEOUT_MS, at most EXEC_MAX_TIMEOUT_MS)',
  })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(600000)
  timeoutMs?: number;
}
