import type { Deployment, DeploymentAction } from '../templates/template.types';

// The contract of the client streams (src/live): engine events and deployment progress, served
// over SSE (REST) and graphql-ws (GraphQL subscriptions) from the same hub.

// The filters of `engineEvents(filter:)` and of GET /api/v1/events (query parameters of the same names).
export interface EngineEventFilter {
  // network | container
  type?: string;
  // e.g. create, destroy, start, die, connect, disconnect
  action?: string;
  // A network the event concerns: name, id or id prefix.
  network?: string;
  // A container the event concerns: name, id or id prefix.
  container?: string;
  // key or key=value; every one must match the subject's labels.
  label?: string[];
}

// What a client receives: `engineEvents { type action id name attributes time }`.
export interface PublishedEngineEvent {
  type: string;
  action: string;
  id: string;
  name: string | null;
  attributes: Record<string, string>;
  time: string;
}

// `deploymentProgress(id)`: one message per change of an action's status, in order, then one
// `finished` message with the deployment as it ended.
export interface DeploymentProgressEvent {
  deploymentId: string;
  // action: an action changed status; finished: the deployment ended (last message).
  type: 'action' | 'finished';
  // Position of the action in the deployment's action list (type action).
  index: number | null;
  action: DeploymentAction | null;
  deployment: Deployment | null;
}

// One message of a stream: its id (for Last-Event-ID) and its data.
export interface StreamMessage<T> {
  id: string;
  data: T;
}

// A client's stream. Iterating ends when the stream is closed (by the client, a revoked key, a
// full buffer, the service stopping); endReason then says why.
export interface LiveStream<T> extends AsyncIterable<StreamMessage<T>> {
  close(reason: string): void;
  readonly endReason: string | null;
}
