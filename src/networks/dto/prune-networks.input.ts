import { InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsLabelFilter } from '../../common/validation/validators';
import { ApiField } from '../../common/api/api-field';

@InputType('PruneNetworksInput')
export class PruneNetworksInput {
  @ApiField('boolean', {
    optional: true,
    description:
      'Prune every unused network on the engine, also those of other Switchyard instances and those made outside Switchyard ' +
      '(unscoped admin keys only; default: only the unused networks this instance created)',
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
  @IsArray({ message: 'labels must be a list of label filters, e.g. ["team=a"]' })
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  @IsLabelFilter({ each: true })
  labels?: string[];
}
