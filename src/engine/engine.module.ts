import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { OPERATION_JOURNAL, type OperationJournal } from '../common/operation-context';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { DockerodeEngine } from './dockerode.engine';
import { ENGINE_DIRECT } from './engine-direct';
import { parseDockerHost } from './engine-connection';
import { CONTAINER_ENGINE, type ContainerEngine } from './engine.port';
import { ENGINE_EVENTS } from './read-model/read-model.types';
import { NoEngineEvents, ReadModelRuntime } from './read-model/read-model.runtime';

export { ENGINE_DIRECT };

// The one module that knows how to talk to Docker. Features inject CONTAINER_ENGINE (reads served
// by the read model while it is live); ENGINE_EVENTS is the engine's event feed.
@Global()
@Module({})
export class EngineModule {
  // The dockerode adapter on DOCKER_HOST, unless another implementation of the port is given
  // (tests run the whole application on an in-memory engine: no feed, no model).
  static forRoot(engine?: ContainerEngine): DynamicModule {
    const exported = [CONTAINER_ENGINE, ENGINE_EVENTS, ENGINE_DIRECT];
    if (engine) {
      return {
        module: EngineModule,
        providers: [
          { provide: CONTAINER_ENGINE, useValue: engine },
          { provide: ENGINE_DIRECT, useValue: engine },
          { provide: ENGINE_EVENTS, useValue: new NoEngineEvents() },
        ],
        exports: exported,
      };
    }
    const runtime: Provider = {
      provide: ReadModelRuntime,
      inject: [AppConfig, Metrics, { token: OPERATION_JOURNAL, optional: true }],
      useFactory: (config: AppConfig, metrics: Metrics, journal?: OperationJournal) =>
        new ReadModelRuntime(
          new DockerodeEngine(
            parseDockerHost(config.DOCKER_HOST, config.dockerTlsVerify, config.DOCKER_CERT_PATH),
            config.ENGINE_TIMEOUT_MS,
            journal,
            (operation, outcome, seconds) => metrics.observeEngineCall(operation, outcome, seconds),
          ),
          config.READ_MODEL,
          {
            eventLag: (seconds) => metrics.observeEventLag(seconds),
            size: (size) => metrics.setReadModelSize(size),
            reconnected: () => metrics.eventStreamReconnected(),
            fallback: (operation) => metrics.readModelFallback(operation),
          },
        ),
    };
    return {
      module: EngineModule,
      providers: [
        runtime,
        {
          provide: CONTAINER_ENGINE,
          inject: [ReadModelRuntime],
          useFactory: (r: ReadModelRuntime) => r.engine,
        },
        { provide: ENGINE_DIRECT, inject: [ReadModelRuntime], useFactory: (r: ReadModelRuntime) => r.direct },
        { provide: ENGINE_EVENTS, inject: [ReadModelRuntime], useFactory: (r: ReadModelRuntime) => r.model },
      ],
      exports: exported,
    };
  }
}
