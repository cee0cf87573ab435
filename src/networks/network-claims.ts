import { DomainError } from '../common/errors/domain-error';
import { cidrsOverlap, type Cidr } from '../common/net/ip';
import type { NetworkSpec } from '../engine/engine.types';
import { BRIDGE_NAME_OPTION } from './network-spec';

// What a network create takes for itself while it runs: its name, its subnets, its bridge
// interface and its parent interface.
export interface CreateClaim {
  spec: NetworkSpec;
  subnets: Cidr[];
}

// How long a network create waits for colliding creates before it is refused.
export const CREATE_CLAIM_WAIT_MS = 3000;

// True when `promise` settles before `deadline` (a Date.now() time).
async function settlesBefore(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

function conflict(a: CreateClaim, b: CreateClaim): boolean {
  if (a.spec.name === b.spec.name) return true;
  if (a.subnets.some((x) => b.subnets.some((y) => cidrsOverlap(x, y)))) return true;
  const bridge = (c: CreateClaim) =>
    c.spec.driver === 'bridge' ? c.spec.options[BRIDGE_NAME_OPTION] : undefined;
  if (bridge(a) && bridge(a) === bridge(b)) return true;
  const parent = (c: CreateClaim) =>
    c.spec.driver === 'macvlan' || c.spec.driver === 'ipvlan' ? c.spec.options.parent : undefined;
  return Boolean(parent(a) && a.spec.driver === b.spec.driver && parent(a) === parent(b));
}

// The checks of a create (name free, subnets free, bridge and parent free) are check-then-act.
// Creates that could collide run one after the other; creates that cannot collide run at once, so
// that a create the engine is slow with (a missing IPAM plugin, a stuck engine) holds up only
// creates of the same name, subnet, bridge or parent, never unrelated ones.
// A create waits for colliding ones at most `maxWaitMs`, then is refused with ENGINE_BUSY: one
// key's slow create never holds every other key's creates for the full engine timeout.
export class CreateClaims {
  private readonly running = new Set<CreateClaim & { done: Promise<void> }>();

  constructor(private readonly maxWaitMs = CREATE_CLAIM_WAIT_MS) {}

  async run<T>(claim: CreateClaim, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const blocking = [...this.running].filter((other) => conflict(other, claim));
      if (!blocking.length) break;
      if (!(await settlesBefore(Promise.all(blocking.map((other) => other.done)), deadline))) {
        throw new DomainError(
          'ENGINE_BUSY',
          `Another create of a network with the same name, an overlapping subnet, or the same bridge or parent interface is in progress on the engine; retry in a few seconds.`,
          { context: { network: claim.spec.name, waitedMs: this.maxWaitMs } },
        );
      }
    }
    // No await between the check above and taking the claim: two colliding creates never both pass.
    let finish!: () => void;
    const entry = { ...claim, done: new Promise<void>((resolve) => (finish = resolve)) };
    this.running.add(entry);
    try {
      return await fn();
    } finally {
      this.running.delete(entry);
      finish();
    }
  }
}
