import { ArgsType, Field } from '@nestjs/graphql';
import { toInt } from '../../common/validation/transforms';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { IsReference } from '../../common/validation/validators';
import { toBoolean } from '../../common/validation/transforms';

// Query parameters on REST, arguments in GraphQL: one class, one set of rules.

@ArgsType()
export class StopArgs {
  @ApiField('int', {
    optional: true,
    description: 'Seconds to wait after SIGTERM before SIGKILL (0-300, default 10)',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'timeout must be whole seconds from 0 to 300' })
  @Min(0, { message: 'timeout must be whole seconds from 0 to 300' })
  @Max(300, { message: 'timeout must be whole seconds from 0 to 300' })
  timeout?: number;
}

@ArgsType()
export class RemoveArgs {
  @ApiField('boolean', { optional: true, description: 'Remove a running container too (it is killed)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'force must be true or false' })
  force?: boolean;
}

@ArgsType()
export class LogsArgs {
  @ApiField('int', { optional: true, description: 'The last N lines (1-10000, default 100)' })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'tail must be an integer from 1 to 10000' })
  @Min(1, { message: 'tail must be an integer from 1 to 10000' })
  @Max(10000, { message: 'tail must be an integer from 1 to 10000' })
  tail?: number;

  @ApiField('string', {
    optional: true,
    description: 'Only lines since then: RFC 3339 (2026-11-29T10:00:00Z) or Unix seconds',
  })
  @IsOptional()
  @Matches(/^(\d{1,11}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))$/, {
    message: 'since must be an RFC 3339 time such as 2026-11-29T10:00:00Z, or Unix seconds',
  })
  since?: string;
}

// GraphQL passes the container reference among the same arguments.
@ArgsType()
export class StopContainerArgs extends StopArgs {
  @Field({ description: 'Container name or id' })
  @IsReference()
  ref!: string;
}

@ArgsType()
export class RemoveContainerArgs extends RemoveArgs {
  @Field({ description: 'Container name or id' })
  @IsReference()
  ref!: string;
}

@ArgsType()
export class ContainerLogsArgs extends LogsArgs {
  @Field({ description: 'Container name or id' })
  @IsReference()
  ref!: string;
}
