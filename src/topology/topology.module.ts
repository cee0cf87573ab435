import { Module } from '@nestjs/common';
import { LookupModule } from '../lookup/lookup.module';
import { TopologyController } from './topology.controller';
import { TopologyResolver } from './topology.resolver';
import { TopologyService } from './topology.service';
import { TopologyTemplates } from './topology-templates';

// The live graph (issue 13) on both transports, in JSON, Mermaid, DOT and SVG.
@Module({
  imports: [LookupModule],
  controllers: [TopologyController],
  providers: [TopologyService, TopologyTemplates, TopologyResolver],
  exports: [TopologyService],
})
export class TopologyModule {}
