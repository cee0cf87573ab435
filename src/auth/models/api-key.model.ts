import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { ApiField } from '../../common/api/api-field';

@ObjectType('ApiKey')
export class ApiKeyModel {
  @ApiField('string')
  id!: string;

  @ApiField('string')
  name!: string;

  @ApiField('string', { enum: ['viewer', 'operator', 'admin'] })
  role!: string;

  @ApiField('stringMap')
  scope!: Record<string, string>;

  @ApiField('string', { example: 'sy_AbCd...', description: 'The first characters of the key' })
  keyPrefix!: string;

  @ApiField('datetime')
  createdAt!: Date;

  @ApiField('datetime', { optional: true })
  expiresAt!: Date | null;

  @ApiField('datetime', { optional: true, description: 'Updated at most once a minute' })
  lastUsedAt!: Date | null;

  @ApiField('datetime', { optional: true })
  revokedAt!: Date | null;

  @ApiField('string', { optional: true, description: 'Name of the key that created it' })
  createdBy!: string | null;
}

@ObjectType('CreatedApiKey')
export class CreatedApiKeyModel extends ApiKeyModel {
  @ApiField('string', { description: 'The key itself: shown only in this answer, store it now' })
  key!: string;
}

export class ApiKeyListModel {
  @ApiProperty({ type: () => ApiKeyModel, isArray: true })
  items!: ApiKeyModel[];
}
