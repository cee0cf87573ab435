import { Injectable } from '@nestjs/common';
import type { Deployment, DeploymentAction } from '../template.types';

// The live side of deployments: the runtime reports here as a deployment runs, and the client
// streams (deploymentProgress over graphql-ws, GET /api/v1/deployments/{id}/events) read from it.
// Owned by the live-events workstream; the three report methods are the runtime's contract.
@Injectable()
export class DeploymentEvents {
  // A deployment was stored and is about to run (all its actions pending).
  started(_deployment: Deployment): void {}

  // The actions as they stand now (called on every change of any action; the same array may come
  // again unchanged).
  progress(_deploymentId: string, _actions: readonly DeploymentAction[]): void {}

  // The deployment ended (succeeded, failed, rolled_back) and its final state was written.
  finished(_deployment: Deployment): void {}
}
