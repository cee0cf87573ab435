import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import { type Life, ofLife, presentDeployment } from '../templates/apply/deployment-store';
import { DeploymentEntity, TemplateEntity, TemplateRevisionEntity } from '../templates/template.entity';
import type { Deployment, TemplateDocument, TemplateExpectation } from '../templates/template.types';

// What the topology needs of a template: that it exists for the key, its current expectations,
// and the last deployment of its current life that checked expectations.
export interface TopologyTemplate {
  name: string;
  expectations: TemplateExpectation[];
  lastChecked: Deployment | null;
}

export interface TopologyTemplateSource {
  read(name: string, actor: Actor): Promise<TopologyTemplate>;
}

// How many deployments are looked through for the last one that checked expectations (a destroy,
// an apply without expectations or one that failed before them checked none).
const LOOK_BACK = 50;

// Read-only access to the templates' tables (the templates module owns the writes).
@Injectable()
export class TopologyTemplates implements TopologyTemplateSource {
  constructor(private readonly dataSource: DataSource) {}

  async read(name: string, actor: Actor): Promise<TopologyTemplate> {
    const row = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name, deletedAt: IsNull() });
    // A template outside the key's scope is answered like a missing one, as everywhere.
    const labels = row ? (JSON.parse(row.labelsJson) as Record<string, string>) : {};
    const inScope = Object.entries(actor.scope).every(([key, value]) => labels[key] === value);
    if (!row || !inScope) {
      throw new DomainError(
        'TEMPLATE_NOT_FOUND',
        `No template is named "${name}"; GET /api/v1/templates (or the templates query) lists the templates this key can see.`,
        { context: { name } },
      );
    }
    const revision = await this.dataSource
      .getRepository(TemplateRevisionEntity)
      .findOneBy({ template: name, revision: row.revision });
    const document = revision ? (JSON.parse(revision.documentJson) as TemplateDocument) : null;
    return {
      name,
      expectations: document?.expectations ?? [],
      lastChecked: await this.lastChecked(name, {
        firstRevision: row.firstRevision,
        createdAt: row.createdAt,
      }),
    };
  }

  private async lastChecked(name: string, life: Life): Promise<Deployment | null> {
    const rows = await this.dataSource
      .getRepository(DeploymentEntity)
      .createQueryBuilder('d')
      .where('d.template = :name', { name })
      .andWhere("d.kind = 'apply'")
      .orderBy('d.started_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(LOOK_BACK)
      .getMany();
    const row = rows.find((r) => ofLife(r, life) && r.expectationsJson !== '[]');
    return row ? presentDeployment(row) : null;
  }
}
