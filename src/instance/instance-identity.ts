import { INSTANCE_LABEL } from '../common/labels';

// Which Switchyard made a network or container: each instance (one SQLite database) has an id of
// its own, generated once when its database is created. Several instances may share one engine;
// the id keeps each one's prune to what it created itself.
export class InstanceIdentity {
  constructor(readonly id: string) {}

  // The label every network and container this instance creates carries.
  get label(): string {
    return `${INSTANCE_LABEL}=${this.id}`;
  }

  stamp(labels: Record<string, string>): Record<string, string> {
    return { ...labels, [INSTANCE_LABEL]: this.id };
  }
}
