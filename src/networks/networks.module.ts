import { Module } from '@nestjs/common';
import { NetworksController } from './networks.controller';
import { NetworksResolver } from './networks.resolver';
import { NetworksService } from './networks.service';

@Module({
  controllers: [NetworksController],
  providers: [NetworksService, NetworksResolver],
  exports: [NetworksService],
})
export class NetworksModule {}
