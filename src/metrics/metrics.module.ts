import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';

// The service's own metrics: one registry for the process, injectable everywhere.
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
