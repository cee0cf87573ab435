import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { AccessPolicy } from './access-policy';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysResolver } from './api-keys.resolver';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';

// API keys, roles and the access policy. Global: every feature asks AccessPolicy about scope.
@Global()
@Module({
  imports: [DatabaseModule, TypeOrmModule.forFeature([ApiKeyEntity])],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeysResolver, AccessPolicy, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeysService, AccessPolicy],
})
export class AuthModule {}
