import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { formatGraphqlError, requestIdPlugin } from './common/graphql/format-error';
import { documentRulesOf, introspectionNeedsKeyPlugin } from './common/graphql/document-rules';
import { GraphqlWsServer } from './common/graphql/graphql-ws.server';
import { argvStringsPlugin } from './common/graphql/argv-strings';
import { safelistPlugin } from './common/graphql/safelist';
import { subscriptionsOverHttpPlugin } from './common/graphql/subscriptions-over-http';
import { graphqlLogPlugin } from './common/logging/graphql-log.plugin';
import { AuthModule } from './auth/auth.module';
import { AuditModule } from './audit/audit.module';
import { AuditService } from './audit/audit.service';
import { ProblemFilter, REFUSAL_RECORDER } from './common/http/problem.filter';
import { QueryStringInterceptor } from './common/http/query-string.interceptor';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConnectivityModule } from './connectivity/connectivity.module';
import { ContainersModule } from './containers/containers.module';
import { DatabaseModule } from './database/database.module';
import { EngineModule } from './engine/engine.module';
import type { ContainerEngine } from './engine/engine.port';
import { HealthModule } from './health/health.module';
import { InstanceModule } from './instance/instance.module';
import { LiveModule } from './live/live.module';
import { MetricsModule } from './metrics/metrics.module';
import { NetworksModule } from './networks/networks.module';
import { TemplatesModule } from './templates/templates.module';
import { TopologyModule } from './topology/topology.module';

function graphqlOptions(config: AppConfig, audit: AuditService): ApolloDriverConfig {
  const rules = documentRulesOf(config);
  const plugins = [requestIdPlugin(), audit.graphqlRefusalPlugin()];
  plugins.push(introspectionNeedsKeyPlugin());
  plugins.push(argvStringsPlugin());
  plugins.push(graphqlLogPlugin());
  plugins.push(subscriptionsOverHttpPlugin());
  if (rules.safelist) plugins.push(safelistPlugin(rules.safelist));
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    graphiql: false,
    introspection: rules.introspection,
    csrfPrevention: true,
    // One operation per request: a JSON array of operations is refused.
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // The token limit: parsing stops there, before a tree is built.
    parseOptions: rules.parseOptions,
    validationRules: rules.validationRules,
    // On Fastify Apollo calls the context function with (request, reply); the request gate has
    // put the caller on the request.
    context: (request: unknown, reply: unknown) => ({ req: request, reply }),
    formatError: formatGraphqlError,
    plugins,
    // graphql-ws is served by GraphqlWsServer, behind the same gate and document rules.
  };
}

@Module({})
export class AppModule {
  // `engine` replaces the dockerode adapter (tests run on an in-memory engine); the service always
  // uses the adapter.
  static forRoot(config: AppConfig, engine?: ContainerEngine): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        DatabaseModule,
        InstanceModule,
        EngineModule.forRoot(engine),
        AuditModule,
        AuthModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [AuditModule],
          inject: [AuditService],
          useFactory: (audit: AuditService): ApolloDriverConfig => graphqlOptions(config, audit),
        }),
        HealthModule,
        NetworksModule,
        ContainersModule,
        ConnectivityModule,
        TemplatesModule,
        TopologyModule,
        LiveModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: QueryStringInterceptor },
        { provide: REFUSAL_RECORDER, useExisting: AuditService },
        GraphqlWsServer,
      ],
    };
  }
}
