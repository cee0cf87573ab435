import { Module } from '@nestjs/common';
import { LookupModule } from '../lookup/lookup.module';
import { ContainerRunner } from './container-runner';
import { ContainersController } from './containers.controller';
import { ContainersResolver } from './containers.resolver';
import { ContainersService } from './containers.service';
import { ExecService } from './exec.service';

@Module({
  imports: [LookupModule],
  controllers: [ContainersController],
  providers: [ContainersService, ContainerRunner, ExecService, ContainersResolver],
  exports: [ContainersService, ExecService],
})
export class ContainersModule {}
