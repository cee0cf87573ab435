import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { OPERATION_JOURNAL, type OperationJournal } from '../common/operation-context';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { DockerodeEngine } from './dockerode.engine';
import { parseDockerHost } from './engine-connection';
import { CONTAINER_ENGINE, type ContainerEngine } from './engine.port';

// The one module that knows how to talk to Docker. Features inject CONTAINER_ENGINE.
@Global()
@Module({})
export class EngineModule {
  // The dockerode adapter on DOCKER_HOST, unless another implementation of the port is given
  // (tests run the whole application on an in-memory engine).
  static forRoot(engine?: ContainerEngine): DynamicModule {
    const provider: Provider = engine
      ? { provide: CONTAINER_ENGINE, useValue: engine }
      : {
          provide: CONTAINER_ENGINE,
          inject: [AppConfig, Metrics, { token: OPERATION_JOURNAL, optional: true }],
          useFactory: (config: AppConfig, metrics: Metrics, journal?: OperationJournal) =>
            new DockerodeEngine(
              parseDockerHost(config.DOCKER_HOST, config.dockerTlsVerify, config.DOCKER_CERT_PATH),
              config.ENGINE_TIMEOUT_MS,
              journal,
              (operation, outcome, seconds) => metrics.observeEngineCall(operation, outcome, seconds),
            ),
        };
    return { module: EngineModule, providers: [provider], exports: [CONTAINER_ENGINE] };
  }
}
