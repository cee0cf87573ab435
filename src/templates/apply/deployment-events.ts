import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { DeploymentProgressEvent, StreamMessage } from '../../live/live.types';
import type { Deployment, DeploymentAction } from '../template.types';

// How long a finished deployment's messages stay in memory (a client that subscribes or resumes
// in that time gets exactly the messages it would have had live), and how many at most.
export const KEEP_FINISHED_MS = 5 * 60_000;
export const KEEP_FINISHED_MAX = 200;

export type ProgressMessage = StreamMessage<DeploymentProgressEvent>;
type Listener = (message: ProgressMessage) => void;

// A deployment's messages in memory. Bounded: one per change of an action's status (a bounded
// action list, each action changing a few times) and one `finished`.
interface Run {
  messages: ProgressMessage[];
  actions: readonly DeploymentAction[];
  finished: boolean;
  listeners: Set<Listener>;
  forget?: NodeJS.Timeout;
}

// The actions whose status changed from `before` to `after` (or that are new), in index order.
export function changedActions(
  before: readonly DeploymentAction[],
  after: readonly DeploymentAction[],
): { index: number; action: DeploymentAction }[] {
  const changes: { index: number; action: DeploymentAction }[] = [];
  after.forEach((action, index) => {
    if (before[index]?.status !== action.status) changes.push({ index, action: { ...action } });
  });
  return changes;
}

// The messages of a deployment known only by its stored state (it ended in another process, or
// long ago): each action's final state, then `finished`. Ids count from 1 as live ones do.
export function messagesOfStored(deployment: Deployment): ProgressMessage[] {
  const messages: DeploymentProgressEvent[] = deployment.actions.map((action, index) => ({
    deploymentId: deployment.id,
    type: 'action',
    index,
    action: { ...action },
    deployment: null,
  }));
  if (deployment.status !== 'running')
    messages.push({ deploymentId: deployment.id, type: 'finished', index: null, action: null, deployment });
  return messages.map((data, i) => ({ id: String(i + 1), data }));
}

// What a follower gets: the messages so far, whether the deployment finished, and how to stop.
export interface Following {
  history: readonly ProgressMessage[];
  finished: boolean;
  stop: () => void;
}

// The live side of deployments: the runtime reports here as a deployment runs, and the client
// streams (deploymentProgress over graphql-ws, GET /api/v1/deployments/{id}/events) read from it.
// Owned by the live-events workstream; the three report methods are the runtime's contract.
@Injectable()
export class DeploymentEvents implements OnModuleDestroy {
  private readonly runs = new Map<string, Run>();
  private readonly finishedOrder: string[] = [];

  // A deployment was stored and is about to run (all its actions pending).
  started(deployment: Deployment): void {
    this.runs.set(deployment.id, {
      messages: [],
      actions: deployment.actions.map((a) => ({ ...a })),
      finished: false,
      listeners: new Set(),
    });
  }

  // The actions as they stand now (called on every change of any action; the same array may come
  // again unchanged).
  progress(deploymentId: string, actions: readonly DeploymentAction[]): void {
    const run = this.runs.get(deploymentId);
    if (!run || run.finished) return;
    this.record(deploymentId, run, actions);
  }

  // The deployment ended (succeeded, failed, rolled_back) and its final state was written.
  finished(deployment: Deployment): void {
    const run = this.runs.get(deployment.id);
    if (!run || run.finished) return;
    this.record(deployment.id, run, deployment.actions);
    run.finished = true;
    this.emit(run, { deploymentId: deployment.id, type: 'finished', index: null, action: null, deployment });
    run.listeners.clear();
    run.forget = setTimeout(() => this.forget(deployment.id), KEEP_FINISHED_MS);
    run.forget.unref();
    this.finishedOrder.push(deployment.id);
    while (this.finishedOrder.length > KEEP_FINISHED_MAX) this.forget(this.finishedOrder[0]);
  }

  // Follows a deployment this process runs or ran lately: null when memory does not hold it.
  follow(deploymentId: string, listener: Listener): Following | null {
    const run = this.runs.get(deploymentId);
    if (!run) return null;
    if (!run.finished) run.listeners.add(listener);
    return { history: [...run.messages], finished: run.finished, stop: () => run.listeners.delete(listener) };
  }

  onModuleDestroy(): void {
    for (const run of this.runs.values()) clearTimeout(run.forget);
    this.runs.clear();
  }

  private record(deploymentId: string, run: Run, actions: readonly DeploymentAction[]): void {
    for (const { index, action } of changedActions(run.actions, actions))
      this.emit(run, { deploymentId, type: 'action', index, action, deployment: null });
    run.actions = actions.map((a) => ({ ...a }));
  }

  private emit(run: Run, data: DeploymentProgressEvent): void {
    const message = { id: String(run.messages.length + 1), data };
    run.messages.push(message);
    // A listener must not throw (the hub's do not); one that does cannot stop the runtime.
    for (const listener of run.listeners) {
      try {
        listener(message);
      } catch {
        run.listeners.delete(listener);
      }
    }
  }

  private forget(deploymentId: string): void {
    const run = this.runs.get(deploymentId);
    if (run) clearTimeout(run.forget);
    this.runs.delete(deploymentId);
    const at = this.finishedOrder.indexOf(deploymentId);
    if (at >= 0) this.finishedOrder.splice(at, 1);
  }
}
