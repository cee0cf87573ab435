import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DockerodeEngine } from './dockerode.engine';
import { parseDockerHost } from './engine-connection';
import { CONTAINER_ENGINE } from './engine.port';

// The one module that knows how to talk to Docker. Features inject CONTAINER_ENGINE.
@Global()
@Module({
  providers: [
    {
      provide: CONTAINER_ENGINE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new DockerodeEngine(
          parseDockerHost(config.DOCKER_HOST, config.dockerTlsVerify, config.DOCKER_CERT_PATH),
          config.ENGINE_TIMEOUT_MS,
        ),
    },
  ],
  exports: [CONTAINER_ENGINE],
})
export class EngineModule {}
