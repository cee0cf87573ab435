import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Mutex } from '../common/concurrency/mutex';

// TypeORM shares one SQLite connection: two transactions open at once interleave on it and can
// report failure for rows that were committed. Every write transaction goes through here, one at
// a time. Never hold one across an engine call.
@Injectable()
export class WriteQueue {
  private readonly mutex = new Mutex();

  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.mutex.run(() => this.dataSource.transaction(work));
  }
}
