import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InstanceEntity } from './instance.entity';
import { InstanceIdentity } from './instance-identity';
import { PageCursors } from '../common/paging/page-cursor';

const INSTANCE_ROW = Symbol('INSTANCE_ROW');

// The instance id and cursor key, read once at startup from the database (the migration wrote them).
@Global()
@Module({
  providers: [
    {
      provide: INSTANCE_ROW,
      inject: [DataSource],
      useFactory: async (dataSource: DataSource) => {
        const row = await dataSource.getRepository(InstanceEntity).findOneBy({ id: 1 });
        if (!row) throw new Error('The database has no instance id: its migrations did not run.');
        return row;
      },
    },
    {
      provide: InstanceIdentity,
      inject: [INSTANCE_ROW],
      useFactory: (row: InstanceEntity) => new InstanceIdentity(row.instanceId),
    },
    // Page cursors are signed with the instance's own key, so they survive its restarts.
    {
      provide: PageCursors,
      inject: [INSTANCE_ROW],
      useFactory: (row: InstanceEntity) => new PageCursors(Buffer.from(row.cursorKey, 'hex')),
    },
  ],
  exports: [InstanceIdentity, PageCursors],
})
export class InstanceModule {}
