import { InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiField } from '../../common/api/api-field';

@InputType('PruneNetworksInput')
export class PruneNetworksInput {
  @ApiField('boolean', {
    optional: true,
    description: 'Also prune unused networks that Switchyard did not create (default: only its own)',
  })
  @IsOptional()
  @IsBoolean()
  all?: boolean;

  @ApiField('string', {
    array: true,
    optional: true,
    description: 'Only networks with these labels (`key` or `key=value`)',
  })
  @IsOptional()
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  labels?: string[];
}
