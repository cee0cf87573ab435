import { InputType } from '@nestjs/graphql';
import { IsDateString, IsIn, IsOptional } from 'class-validator';
import { ApiField } from '../../common/api/api-field';
import { IsResourceName, IsStringMap, LABEL_RULES } from '../../common/validation/validators';
import { ROLES } from '../roles';

@InputType('CreateApiKeyInput')
export class CreateApiKeyInput {
  @ApiField('string', { example: 'portal-team-a' })
  @IsResourceName()
  name!: string;

  @ApiField('string', {
    enum: ROLES,
    description: 'viewer reads; operator also changes; admin also manages keys and host-level settings',
  })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: string;

  @ApiField('string', {
    optional: true,
    example: '2027-01-01T00:00:00Z',
    description: 'RFC 3339; the key stops working then',
  })
  @IsOptional()
  @IsDateString(
    { strict: true },
    { message: 'expiresAt must be an RFC 3339 time such as 2027-01-01T00:00:00Z' },
  )
  expiresAt?: string;

  @ApiField('stringMap', {
    optional: true,
    example: { team: 'a' },
    description:
      'Labels a network or container must carry to be within reach of this key (added to what it creates)',
  })
  @IsOptional()
  @IsStringMap({ ...LABEL_RULES, maxEntries: 8 })
  scope?: Record<string, string>;
}
