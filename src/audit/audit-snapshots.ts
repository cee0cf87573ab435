import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { ResourceLookup } from '../lookup/resource-lookup';
import { TemplateEntity } from '../templates/template.entity';

export type SnapshotKind = 'network' | 'container' | 'template';

export interface Snapshot {
  kind: SnapshotKind;
  id: string;
  name: string;
  // Its labels: what decides which scopes see the entries about it.
  labels: Record<string, string>;
  // The network or container as the engine reported it.
  state: unknown;
}

export const isEngineKind = (kind: string | null | undefined): kind is 'network' | 'container' =>
  kind === 'network' || kind === 'container';

// The kinds whose entries carry the target's identity and labels (what scoped keys read by).
export const isSnapshotKind = (kind: string | null | undefined): kind is SnapshotKind =>
  isEngineKind(kind) || kind === 'template';

// The state of a network or container at one moment, for the audit log; null when it does not
// exist (or cannot be read: the entry says so by the absence).
@Injectable()
export class AuditSnapshots {
  constructor(
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly lookup: ResourceLookup,
    private readonly dataSource: DataSource,
  ) {}

  async take(kind: SnapshotKind, ref: string): Promise<Snapshot | null> {
    if (kind === 'template') return this.template(ref);
    try {
      if (kind === 'network') {
        const network = await this.engine.inspectNetwork((await this.lookup.network(ref)).id);
        return { kind, id: network.id, name: network.name, labels: network.labels, state: network };
      }
      const { info } = await this.lookup.container(ref);
      return { kind, id: info.id, name: info.name, labels: info.labels, state: info };
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  // Which resource a reference names right now, for entries that keep no snapshot (refusals,
  // failures before the engine): never throws, since the entry must be written either way.
  async identify(kind: SnapshotKind, ref: string): Promise<Snapshot | null> {
    return this.take(kind, ref).catch(() => null);
  }

  // A template as stored (a deleted one too: its destroy is still audited under its labels). The
  // state is its row, not its document: the revisions keep those.
  private async template(name: string): Promise<Snapshot | null> {
    const row = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name });
    if (!row) return null;
    const labels = JSON.parse(row.labelsJson) as Record<string, string>;
    return {
      kind: 'template',
      id: row.name,
      name: row.name,
      labels,
      state: {
        name: row.name,
        revision: row.revision,
        labels,
        updatedAt: row.updatedAt,
        deletedAt: row.deletedAt,
      },
    };
  }
}
