import type { ErrorCode } from '../common/errors/error-codes';
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

// What a client receives: `engineEvents { type action id name attributes time }`. One kind is the
// stream's own, not the engine's: `type: "stream", action: "missed"` says that events may have been
// missed (a Last-Event-ID outside the replay window, or a gap in the engine's feed); its `id` is
// empty and `attributes` has `reason` (resume-unknown | resume-too-old | feed-gap) and `message`.
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
// endCode is the catalogue code of an end that the client should be told about (UNAUTHENTICATED
// for a revoked or expired key, STREAM_OVERFLOW, SERVICE_STOPPING); null when the stream ended
// normally (a deployment finished) or the client closed it.
export interface LiveStream<T> extends AsyncIterable<StreamMessage<T>> {
  close(reason: string, code?: ErrorCode): void;
  readonly endReason: string | null;
  readonly endCode?: ErrorCode | null;
}

export const MISSED_EVENTS_TYPE = 'stream';
export const MISSED_EVENTS_ACTION = 'missed';
