import { Module } from '@nestjs/common';
import { ResourceLookup } from './resource-lookup';

// Resolution of references shared by the features (networks, containers, connectivity).
@Module({ providers: [ResourceLookup], exports: [ResourceLookup] })
export class LookupModule {}
