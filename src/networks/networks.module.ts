import { Module } from '@nestjs/common';
import { NetworkConnectionsService } from './network-connections.service';
import { LookupModule } from '../lookup/lookup.module';
import { NetworkPresenter } from './network-presenter';
import { NetworksController } from './networks.controller';
import { NetworksResolver } from './networks.resolver';
import { NetworksService } from './networks.service';

@Module({
  controllers: [NetworksController],
  imports: [LookupModule],
  providers: [NetworksService, NetworkConnectionsService, NetworkPresenter, NetworksResolver],
  exports: [NetworksService],
})
export class NetworksModule {}
