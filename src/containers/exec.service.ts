import { Inject, Injectable } from '@nestjs/common';
import { Semaphore } from '../common/concurrency/semaphore';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import type { ExecResult, ExecSpec, ProbeSpec } from '../engine/engine.types';
import { containerFailure } from './container-errors';

// Commands in containers, within bounds: the engine's exec throughput stops growing past a few
// at a time, so at most EXEC_CONCURRENCY run at once (probes included); others wait briefly in
// line, then get 429 EXEC_BUSY.
@Injectable()
export class ExecService {
  private readonly slots: Semaphore;

  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly config: AppConfig,
  ) {
    const retryAfter = Math.max(1, Math.ceil(config.EXEC_QUEUE_TIMEOUT_MS / 1000));
    this.slots = new Semaphore(
      config.EXEC_CONCURRENCY,
      config.EXEC_CONCURRENCY * 16,
      config.EXEC_QUEUE_TIMEOUT_MS,
      () =>
        new DomainError(
          'EXEC_BUSY',
          `${config.EXEC_CONCURRENCY} commands are running and the queue did not move within ${config.EXEC_QUEUE_TIMEOUT_MS} ms; retry shortly.`,
          {
            headers: { 'retry-after': String(retryAfter) },
            context: { concurrency: config.EXEC_CONCURRENCY },
          },
        ),
    );
  }

  // The deadline asked for, within EXEC_MAX_TIMEOUT_MS.
  deadline(timeoutMs?: number): number {
    return Math.min(timeoutMs ?? this.config.EXEC_TIMEOUT_MS, this.config.EXEC_MAX_TIMEOUT_MS);
  }

  run(containerId: string, containerName: string, spec: ExecSpec, timeoutMs?: number): Promise<ExecResult> {
    return this.slots.run(async () => {
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

  probe(spec: ProbeSpec, timeoutMs: number): Promise<ExecResult> {
    return this.slots.run(() =>
      this.engine.runProbe(spec, {
        timeoutMs: this.deadline(timeoutMs),
        outputLimitBytes: this.config.EXEC_OUTPUT_LIMIT_BYTES,
      }),
    );
  }
}
