import { InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateBy,
  buildMessage,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { LabelFilterField } from '../../common/api/label-filter-field';
import { toArray } from '../../common/validation/transforms';
import { IsReference, NUL_MESSAGE, hasNul } from '../../common/validation/validators';
import { TOPOLOGY_FORMATS } from '../topology.types';

// Control characters (C0, DEL, C1, line and paragraph separators) and bidirectional controls
// (embeddings, overrides, isolates, marks): no name the API makes has them, and echoed into a
// NETWORK_NOT_FOUND or a log line they could forge or disguise text. Every filter refuses them
// alike, a NUL with the message the rest of the API gives it.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export function filterTextProblem(value: unknown): string | null {
  if (hasNul(value)) return NUL_MESSAGE;
  if (typeof value === 'string' && CONTROL.test(value)) {
    const char = CONTROL.exec(value)?.[0] ?? '';
    const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `must not contain control or bidirectional characters (found ${code})`;
  }
  return null;
}

function HasNoControlCharacters(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoControlCharacters',
      validator: {
        validate: (value: unknown) => filterTextProblem(value) === null,
        // With `each`, the value told is the whole list: tell its first bad item.
        defaultMessage: buildMessage((each, args) => {
          const values: unknown[] = Array.isArray(args?.value) ? args.value : [args?.value];
          const problem = values.map(filterTextProblem).find((p) => p !== null);
          return `${each}$property ${problem ?? 'is invalid'}`;
        }, options),
      },
    },
    options,
  );
}

// A single-valued query parameter given twice (`?format=svg&format=json`) arrives as a list: say
// that, rather than that one of two valid values is not valid.
const once =
  (otherwise: string) =>
  ({ property, value }: ValidationArguments): string =>
    Array.isArray(value) ? `${property} is given more than once: give it once` : `${property} ${otherwise}`;

export const SVG_THEMES = ['light', 'dark', 'auto'] as const;
export type SvgTheme = (typeof SVG_THEMES)[number];

// The filters of GET /api/v1/topology and of the GraphQL `topology` query (they combine with AND).
@InputType('TopologyFilterInput')
export class TopologyFilterInput {
  @ApiField('string', {
    array: true,
    optional: true,
    description:
      'Network name, full id or id prefix (repeatable): those networks, the containers on them, and their endpoints on them',
  })
  @IsOptional()
  @Transform(toArray)
  @ArrayMaxSize(16)
  @IsReference({ each: true })
  @HasNoControlCharacters({ each: true })
  network?: string[];

  @LabelFilterField()
  @HasNoControlCharacters({ each: true })
  label?: string[];

  @ApiField('string', {
    optional: true,
    description:
      'Template name: its networks and containers (made by this instance), and its expectations with their last results',
  })
  @IsOptional()
  @IsString({ message: once('must be a string') })
  @MinLength(1)
  @MaxLength(255)
  @HasNoControlCharacters()
  template?: string;

  @ApiField('string', {
    optional: true,
    description:
      "The engine's id, id prefix or name (every topology answer names its engine); another engine is a 404 ENGINE_NOT_FOUND",
  })
  @IsOptional()
  @IsString({ message: once('must be a string') })
  @MinLength(1)
  @MaxLength(255)
  @HasNoControlCharacters()
  engine?: string;
}

// REST alone: how the graph is written. GraphQL asks for fields (mermaid, dot, svg) instead.
export class TopologyQuery extends TopologyFilterInput {
  @ApiField('string', {
    optional: true,
    enum: TOPOLOGY_FORMATS,
    description: 'json (default), mermaid, dot (Graphviz) or svg',
  })
  @IsOptional()
  @IsIn(TOPOLOGY_FORMATS, { message: once(`must be one of ${TOPOLOGY_FORMATS.join(', ')}`) })
  format?: (typeof TOPOLOGY_FORMATS)[number];

  @ApiField('string', {
    optional: true,
    enum: SVG_THEMES,
    description: 'format=svg only: light, dark, or auto (default: follows the reader)',
  })
  @IsOptional()
  @IsIn(SVG_THEMES, { message: once(`must be one of ${SVG_THEMES.join(', ')}`) })
  theme?: SvgTheme;
}
