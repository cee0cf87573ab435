// The contract of the read model (src/engine/read-model): an in-memory copy of the engine's
// networks, containers and endpoints, fed by ONE subscription to the engine's event stream.

// One event of the engine's stream, in our words (type network | container).
export interface EngineEvent {
  type: string;
  action: string;
  // The object's id (Actor.ID) and name (attributes.name; null when the engine gave none).
  id: string;
  name: string | null;
  // The engine's attributes as they came (container events carry the container's labels here).
  attributes: Record<string, string>;
  // ISO 8601 with the engine's nanoseconds cut to milliseconds; timeNano is the exact stamp.
  time: string;
  timeNano: string;
}

// What the subject of an event was (or is) according to the model: what scope rules need.
export interface EventSubject {
  id: string;
  name: string;
  labels: Record<string, string>;
}

// An event after the model applied it: reads made after receiving it see its effect. Published to
// every listener in the engine's order.
export interface ObservedEvent extends EngineEvent {
  // Increases by one per event this process saw (within one service process).
  seq: number;
  // The network the event is about, or the one a connect/disconnect concerns; its state before a
  // destroy. Null when the model never knew it.
  network: EventSubject | null;
  // The container the event is about, or the one connected/disconnected.
  container: EventSubject | null;
}

// off: READ_MODEL=false; starting: not yet connected; syncing: reading the whole state;
// live: serving reads; stale: the stream broke, reads go to the engine until it is live again.
export type ReadModelPhase = 'off' | 'starting' | 'syncing' | 'live' | 'stale';

export interface ReadModelStatus {
  state: ReadModelPhase;
  // Milliseconds between the engine's stamp of the last event and the model applying it.
  lagMs: number | null;
  lastEventAt: string | null;
  networks: number;
  containers: number;
  endpoints: number;
  reconnects: number;
  resyncs: number;
  // When it last became live.
  liveSince: string | null;
  // Why it is stale or off, for people.
  message?: string;
}

// Injected as ENGINE_EVENTS by whoever needs the live feed (the client streams, health, metrics).
export const ENGINE_EVENTS = Symbol('ENGINE_EVENTS');

export interface EngineEventSource {
  // Called for each event after the model applied it; returns the unsubscribe function. A listener
  // must not throw or block (it is called synchronously).
  subscribe(listener: (event: ObservedEvent) => void): () => void;
  // Called when the feed had a gap it could not replay (after an engine restart or a lost
  // connection past the engine's 256 buffered events): listeners learn that events were missed.
  onGap(listener: (reason: string) => void): () => void;
  status(): ReadModelStatus;
}
