import { InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { LabelFilterField } from '../../common/api/label-filter-field';
import { toArray } from '../../common/validation/transforms';
import { HasNoNul, IsReference } from '../../common/validation/validators';
import { TOPOLOGY_FORMATS } from '../topology.types';

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
  network?: string[];

  @LabelFilterField()
  label?: string[];

  @ApiField('string', {
    optional: true,
    description:
      'Template name: its networks and containers (made by this instance), and its expectations with their last results',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @HasNoNul()
  template?: string;

  @ApiField('string', {
    optional: true,
    description:
      "The engine's id, id prefix or name (every topology answer names its engine); another engine is a 404 ENGINE_NOT_FOUND",
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @HasNoNul()
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
  @IsIn(TOPOLOGY_FORMATS, { message: `format must be one of ${TOPOLOGY_FORMATS.join(', ')}` })
  format?: (typeof TOPOLOGY_FORMATS)[number];

  @ApiField('string', {
    optional: true,
    enum: SVG_THEMES,
    description: 'format=svg only: light, dark, or auto (default: follows the reader)',
  })
  @IsOptional()
  @IsIn(SVG_THEMES, { message: `theme must be one of ${SVG_THEMES.join(', ')}` })
  theme?: SvgTheme;
}
