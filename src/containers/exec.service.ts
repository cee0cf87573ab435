import { Inject, Injectable } from '@nestjs/common';
import { FairSemaphore } from '../common/concurrency/semaphore';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import type { ExecResult, ExecSpec, ProbeSpec } from '../engine/engine.types';
import { Metrics } from '../metrics/metrics';
import { containerFailure } from './container-errors';

// Commands in containers, within bounds: the engine's exec throughput stops growing past a few
// at a time, so at most EXEC_CONCURRENCY run at once (probes included); others wait briefly in
// line, then get 429 EXEC_BUSY. The slots are shared fairly: one key holds at most half of them
// (at least one), so one key's slow commands cannot keep another key's from running.
@Injectable()
export class ExecService {
  private readonly slots: FairSemaphore;
  // Commands run by the service for diagnostics (ping, matrix) without a key of their own share
  // this one.
  static readonly SHARED_KEY = 'switchyard:diagnostics';

  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    const retryAfter = Math.max(1, Math.ceil(config.EXEC_QUEUE_TIMEOUT_MS / 1000));
    const perKey = Math.max(1, Math.floor(config.EXEC_CONCURRENCY / 2));
    this.slots = new FairSemaphore(
      config.EXEC_CONCURRENCY,
      perKey,
      config.EXEC_CONCURRENCY * 16,
      config.EXEC_QUEUE_TIMEOUT_MS,
      () =>
        new DomainError(
          'EXEC_BUSY',
          `No command slot came free within ${config.EXEC_QUEUE_TIMEOUT_MS} ms: at most ${config.EXEC_CONCURRENCY} commands run at once, ` +
            `and at most ${perKey} of them for one key. Retry shortly.`,
          {
            headers: { 'retry-after': String(retryAfter) },
            context: { concurrency: config.EXEC_CONCURRENCY, perKey },
          },
        ),
    );
    metrics.trackExecQueue(() => this.slots.waiting);
  }

  // How many commands one key may run at once.
  get perKeyConcurrency(): number {
    return this.slots.perKey;
  }

  // The deadline asked for, within EXEC_MAX_TIMEOUT_MS.
  deadline(timeoutMs?: number): number {
    return Math.min(timeoutMs ?? this.config.EXEC_TIMEOUT_MS, this.config.EXEC_MAX_TIMEOUT_MS);
  }

  run(
    containerId: string,
    containerName: string,
    spec: ExecSpec,
    timeoutMs?: number,
    keyId: string = ExecService.SHARED_KEY,
  ): Promise<ExecResult> {
    return this.slots.run(keyId, async () => {
      try {
        return await this.engine.exec(containerId, spec, {
          timeoutMs: this.deadline(timeoutMs),
          outputLimitBytes: this.config.EXEC_OUTPUT_LIMIT_BYTES,
        });
      } catch (error) {
        throw containerFailure(error, containerName, 'run a command in');
      }
    });
  }

  probe(spec: ProbeSpec, timeoutMs: number, keyId: string = ExecService.SHARED_KEY): Promise<ExecResult> {
    return this.slots.run(keyId, () =>
      this.engine.runProbe(spec, {
        timeoutMs: this.deadline(timeoutMs),
        outputLimitBytes: this.config.EXEC_OUTPUT_LIMIT_BYTES,
      }),
    );
  }
}
