import { AuditAnchorEntity } from '../audit/audit-anchor.entity';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { InstanceEntity } from '../instance/instance.entity';
import { DeploymentEntity, TemplateEntity, TemplateRevisionEntity } from '../templates/template.entity';

// Every entity, for the data source and for the check that migrations match them.
export const ENTITIES = [
  ApiKeyEntity,
  AuditEntryEntity,
  AuditAnchorEntity,
  InstanceEntity,
  TemplateEntity,
  TemplateRevisionEntity,
  DeploymentEntity,
];
