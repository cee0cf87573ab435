import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

// A template by name. A deleted template keeps its row (deleted_at set) so that revision numbers
// stay unique per name: engine resources carry them in io.switchyard.revision. Creating the name
// again starts a new life at the next revision number (first_revision).
@Entity('templates')
export class TemplateEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  // The current revision.
  @Column({ type: 'integer' })
  revision!: number;

  // The first revision of this life of the name: earlier ones belong to a deleted template.
  @Column({ type: 'integer', name: 'first_revision' })
  firstRevision!: number;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  // JSON object of labels.
  @Column({ type: 'text', name: 'labels_json', default: '{}' })
  labelsJson!: string;

  @Column({ type: 'text', name: 'created_at' })
  createdAt!: string;

  @Column({ type: 'text', name: 'updated_at' })
  updatedAt!: string;

  @Index('IDX_templates_deleted_at')
  @Column({ type: 'text', name: 'deleted_at', nullable: true })
  deletedAt!: string | null;
}

// Every revision of every template, never changed once written.
@Entity('template_revisions')
export class TemplateRevisionEntity {
  @PrimaryColumn({ type: 'text' })
  template!: string;

  @PrimaryColumn({ type: 'integer' })
  revision!: number;

  // The document as validated, JSON.
  @Column({ type: 'text', name: 'document_json' })
  documentJson!: string;

  @Column({ type: 'text', name: 'created_at' })
  createdAt!: string;

  // The name of the API key that stored it.
  @Column({ type: 'text' })
  actor!: string;
}

// One apply or destroy of a template: its actions with their state, updated while it runs.
@Entity('deployments')
@Index('IDX_deployments_template_started', ['template', 'startedAt'])
export class DeploymentEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  template!: string;

  @Column({ type: 'integer', nullable: true })
  revision!: number | null;

  // apply | destroy
  @Column({ type: 'text' })
  kind!: string;

  // running | succeeded | failed | rolled_back | interrupted
  @Index('IDX_deployments_status')
  @Column({ type: 'text' })
  status!: string;

  // JSON list of DeploymentAction.
  @Column({ type: 'text', name: 'actions_json', default: '[]' })
  actionsJson!: string;

  // JSON list of ExpectationResult.
  @Column({ type: 'text', name: 'expectations_json', default: '[]' })
  expectationsJson!: string;

  // The name and id of the API key that started it.
  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text', name: 'actor_key_id', nullable: true })
  actorKeyId!: string | null;

  @Column({ type: 'text', name: 'started_at' })
  startedAt!: string;

  @Column({ type: 'text', name: 'finished_at', nullable: true })
  finishedAt!: string | null;

  // JSON { code, message } when it failed.
  @Column({ type: 'text', name: 'error_json', nullable: true })
  errorJson!: string | null;
}
