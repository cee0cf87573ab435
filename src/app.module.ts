import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { formatGraphqlError, requestIdPlugin } from './common/graphql/format-error';
import { ProblemFilter } from './common/http/problem.filter';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConnectivityModule } from './connectivity/connectivity.module';
import { ContainersModule } from './containers/containers.module';
import { DatabaseModule } from './database/database.module';
import { EngineModule } from './engine/engine.module';
import { HealthModule } from './health/health.module';
import { NetworksModule } from './networks/networks.module';

function httpLogOptions(config: AppConfig): PinoHttpOptions {
  return {
    level: config.LOG_LEVEL,
    // Fastify has already chosen the id (from X-Request-Id or a new UUID); log the same one.
    genReqId: (req) => (req as { id?: string }).id ?? '',
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
    autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health/live') },
    quietReqLogger: true,
  };
}

@Module({})
export class AppModule {
  // `logStream` lets tests read the log lines; the service logs to stdout.
  static forRoot(config: AppConfig, logStream?: NodeJS.WritableStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: logStream
            ? [httpLogOptions(config), logStream as DestinationStream]
            : httpLogOptions(config),
          // The default route pattern does not match under platform-fastify's middie: log everything.
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
        DatabaseModule,
        EngineModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          graphiql: false,
          introspection: true,
          csrfPrevention: true,
          includeStacktraceInErrorResponses: false,
          // On Fastify Apollo calls the context function with (request, reply).
          context: (request: unknown, reply: unknown) => ({ req: request, reply }),
          formatError: formatGraphqlError,
          plugins: [requestIdPlugin()],
        }),
        HealthModule,
        NetworksModule,
        ContainersModule,
        ConnectivityModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
