import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CURSOR_PATTERN } from '../../common/paging/page-cursor';
import { IsResourceName } from '../../common/validation/validators';
import { REVISION_MAX, TEMPLATE_PAGE_MAX } from '../templates.service';

const LIMIT_MESSAGE = `limit must be an integer from 1 to ${TEMPLATE_PAGE_MAX}`;
const REVISION_MESSAGE = (field: string) =>
  `${field} must be a revision number (an integer from 1 to ${REVISION_MAX})`;

// Digits only, as sent: no sign, no spaces (`%202`), and a number past REVISION_MAX stays one that
// the range rule refuses rather than a rounded float.
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;

// The query strings of the template routes: each route declares its parameters (an undeclared one
// is refused, not ignored).

export class TemplatePageQuery {
  @ApiPropertyOptional({ description: `Page size, 1-${TEMPLATE_PAGE_MAX} (default 50)` })
  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(TEMPLATE_PAGE_MAX, { message: LIMIT_MESSAGE })
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(CURSOR_PATTERN, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class TemplateRevisionQuery {
  @ApiPropertyOptional({ description: 'A revision of the template (default: the current one)' })
  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: REVISION_MESSAGE('revision') })
  @Min(1, { message: REVISION_MESSAGE('revision') })
  @Max(REVISION_MAX, { message: REVISION_MESSAGE('revision') })
  revision?: number;
}

export class TemplateDiffQuery {
  @ApiProperty({ description: 'The older revision', type: 'integer' })
  @Transform(toNumber)
  @IsInt({ message: REVISION_MESSAGE('from') })
  @Min(1, { message: REVISION_MESSAGE('from') })
  @Max(REVISION_MAX, { message: REVISION_MESSAGE('from') })
  from!: number;

  @ApiProperty({ description: 'The newer revision', type: 'integer' })
  @Transform(toNumber)
  @IsInt({ message: REVISION_MESSAGE('to') })
  @Min(1, { message: REVISION_MESSAGE('to') })
  @Max(REVISION_MAX, { message: REVISION_MESSAGE('to') })
  to!: number;
}

export class TemplateExportQuery extends TemplateRevisionQuery {
  @ApiPropertyOptional({
    description: 'The format: compose (the only one, and the default)',
    enum: ['compose'],
  })
  @IsOptional()
  @IsIn(['compose'], { message: 'format must be compose' })
  format?: string;
}

export class TemplateImportQuery {
  @ApiProperty({ description: 'The name of the new template' })
  @IsResourceName()
  name!: string;
}
