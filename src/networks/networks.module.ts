import { Module } from '@nestjs/common';
import { NetworkConnectionsService } from './network-connections.service';
import { NetworkLookup } from './network-lookup';
import { NetworksController } from './networks.controller';
import { NetworksResolver } from './networks.resolver';
import { NetworksService } from './networks.service';

@Module({
  controllers: [NetworksController],
  providers: [NetworksService, NetworkConnectionsService, NetworkLookup, NetworksResolver],
  exports: [NetworksService, NetworkLookup],
})
export class NetworksModule {}
