import { ApiKeyEntity } from '../auth/api-key.entity';

// Every entity, for the data source and for the check that migrations match them.
export const ENTITIES = [ApiKeyEntity];
