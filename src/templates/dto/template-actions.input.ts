import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Min } from 'class-validator';

// The optional JSON bodies of plan, apply and destroy (an empty body is the defaults).

export class PlanTemplateInput {
  @ApiPropertyOptional({ description: 'The revision to plan (default: the current one)', type: 'integer' })
  @IsOptional()
  @IsInt({ message: 'revision must be a revision number (an integer from 1)' })
  @Min(1, { message: 'revision must be a revision number (an integer from 1)' })
  revision?: number;
}

export class ApplyTemplateInput extends PlanTemplateInput {
  @ApiPropertyOptional({
    description: 'Answer when the apply has finished (default true); false answers 202 with it running',
  })
  @IsOptional()
  @IsBoolean({ message: 'wait must be true or false' })
  wait?: boolean;
}

export class DestroyTemplateInput {
  @ApiPropertyOptional({
    description: 'Answer when the destroy has finished (default true); false answers 202 with it running',
  })
  @IsOptional()
  @IsBoolean({ message: 'wait must be true or false' })
  wait?: boolean;
}
