import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InstanceEntity } from './instance.entity';
import { InstanceIdentity } from './instance-identity';

// The instance id, read once at startup from the database (the migration wrote it).
@Global()
@Module({
  providers: [
    {
      provide: InstanceIdentity,
      inject: [DataSource],
      useFactory: async (dataSource: DataSource) => {
        const row = await dataSource.getRepository(InstanceEntity).findOneBy({ id: 1 });
        if (!row) throw new Error('The database has no instance id: its migrations did not run.');
        return new InstanceIdentity(row.instanceId);
      },
    },
  ],
  exports: [InstanceIdentity],
})
export class InstanceModule {}
