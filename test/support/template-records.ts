import type { DataSource } from 'typeorm';
import { TemplateEntity, TemplateRevisionEntity } from '../../src/templates/template.entity';
import type { TemplateDocument, TemplateRecord } from '../../src/templates/template.types';

// Stores `document` as revision `revision` of its template (a life of the name that began at
// `firstRevision`; default: this revision), as the templates service does, for tests that drive the runtime directly.
export async function storeTemplate(
  data: DataSource,
  document: TemplateDocument,
  {
    revision = 1,
    firstRevision = 1,
    actor = 'test',
  }: { revision?: number; firstRevision?: number; actor?: string } = {},
): Promise<TemplateRecord> {
  const now = new Date().toISOString();
  const labels = document.labels ?? {};
  await data.getRepository(TemplateRevisionEntity).save({
    template: document.name,
    revision,
    documentJson: JSON.stringify(document),
    createdAt: now,
    actor,
  });
  // A later revision of the same life keeps the template's creation time.
  const existing = await data.getRepository(TemplateEntity).findOneBy({ name: document.name });
  await data.getRepository(TemplateEntity).save({
    name: document.name,
    revision,
    firstRevision,
    description: null,
    labelsJson: JSON.stringify(labels),
    createdAt: existing && firstRevision !== revision ? existing.createdAt : now,
    updatedAt: now,
    deletedAt: null,
  });
  return {
    name: document.name,
    revision,
    description: null,
    labels,
    document,
    createdAt: now,
    updatedAt: now,
  };
}
