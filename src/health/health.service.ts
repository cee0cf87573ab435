import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import {
  ENGINE_EVENTS,
  type EngineEventSource,
  type ReadModelPhase,
  type ReadModelStatus,
} from '../engine/read-model/read-model.types';
import { InstanceIdentity } from '../instance/instance-identity';

export interface CheckResult {
  status: 'up' | 'down';
  latencyMs: number;
  message?: string;
  [detail: string]: unknown;
}

export interface Readiness {
  status: 'ready' | 'not_ready';
  checks: { database: CheckResult; engine: CheckResult };
  // The read model (never makes the service unready: while it is not live, reads go to the engine).
  readModel: ReadModelStatus;
}

// What anyone may learn: whether the service and each dependency is up. Where the engine is, its
// version and why a check failed are for callers with an unscoped key.
export interface PublicReadiness {
  status: Readiness['status'];
  checks: { database: { status: CheckResult['status'] }; engine: { status: CheckResult['status'] } };
  readModel: { state: ReadModelPhase };
}

export function publicView(readiness: Readiness): PublicReadiness {
  return {
    status: readiness.status,
    checks: {
      database: { status: readiness.checks.database.status },
      engine: { status: readiness.checks.engine.status },
    },
    readModel: { state: readiness.readModel.state },
  };
}

const ENGINE_CHECK_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly instance: InstanceIdentity,
    @Inject(ENGINE_EVENTS) private readonly events: EngineEventSource,
  ) {}

  async readiness(): Promise<Readiness> {
    const [database, engine] = await Promise.all([this.checkDatabase(), this.checkEngine()]);
    return {
      status: database.status === 'up' && engine.status === 'up' ? 'ready' : 'not_ready',
      checks: { database, engine },
      readModel: this.events.status(),
    };
  }

  private async checkDatabase(): Promise<CheckResult> {
    const started = performance.now();
    try {
      await this.dataSource.query('SELECT 1');
      // The database is the instance: its id is on what this instance creates (io.switchyard.instance).
      return { status: 'up', latencyMs: elapsed(started), instanceId: this.instance.id };
    } catch (error) {
      return {
        status: 'down',
        latencyMs: elapsed(started),
        message: `The SQLite database does not answer: ${(error as Error).message}`,
      };
    }
  }

  private async checkEngine(): Promise<CheckResult> {
    const started = performance.now();
    try {
      await this.engine.ping(ENGINE_CHECK_TIMEOUT_MS);
      const version = await this.engine.version();
      return {
        status: 'up',
        latencyMs: elapsed(started),
        endpoint: this.engine.endpoint,
        version: version.version,
        apiVersion: version.negotiatedApiVersion,
      };
    } catch (error) {
      const message =
        error instanceof DomainError ? error.message : `The engine check failed: ${(error as Error).message}`;
      return { status: 'down', latencyMs: elapsed(started), endpoint: this.engine.endpoint, message };
    }
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
