import { Module } from '@nestjs/common';
import { ContainersModule } from '../containers/containers.module';
import { LookupModule } from '../lookup/lookup.module';
import { ConnectivityController } from './connectivity.controller';
import { ConnectivityResolver } from './connectivity.resolver';
import { ConnectivityService } from './connectivity.service';

@Module({
  imports: [LookupModule, ContainersModule],
  controllers: [ConnectivityController],
  providers: [ConnectivityService, ConnectivityResolver],
  // Templates check their expectations with it.
  exports: [ConnectivityService],
})
export class ConnectivityModule {}
