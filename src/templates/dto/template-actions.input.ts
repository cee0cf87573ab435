import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { REVISION_MAX } from '../templates.service';

const REVISION_MESSAGE = `revision must be a revision number (an integer from 1 to ${REVISION_MAX})`;

// The optional JSON bodies of plan, apply and destroy (an empty body is the defaults).

export class PlanTemplateInput {
  @ApiPropertyOptional({ description: 'The revision to plan (default: the current one)', type: 'integer' })
  @IsOptional()
  @IsInt({ message: REVISION_MESSAGE })
  @Min(1, { message: REVISION_MESSAGE })
  @Max(REVISION_MAX, { message: REVISION_MESSAGE })
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
