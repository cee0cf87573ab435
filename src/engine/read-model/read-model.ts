import { Logger } from '@nestjs/common';
import type {
  ContainerEndpoint,
  ContainerInfo,
  ContainerListFilter,
  ContainerSummary,
  NetworkEndpoint,
  NetworkFilter,
  NetworkInfo,
} from '../engine.types';
import type { FeedHandlers } from './event-feed';
import type { ModelContainer, ModelEnginePort } from './model-port';
import { deepFreeze, findByReference, matchesContainerFilter, matchesNetworkFilter } from './model-queries';
import type {
  EngineEvent,
  EngineEventSource,
  EventSubject,
  ObservedEvent,
  ReadModelPhase,
  ReadModelStatus,
} from './read-model.types';
import { statusWords, wordsValidUntil } from './status-words';

// What the model reports about itself after each change (metrics).
export interface ModelObserver {
  eventLag(seconds: number): void;
  size(size: { networks: number; containers: number; endpoints: number; bytes: number }): void;
}

export interface ReadModelOptions {
  // READ_MODEL: whether reads may be served from the model (the feed runs either way).
  serveReads: boolean;
  // Engine reads of the model at once (event refreshes and resyncs).
  concurrency: number;
  // Backoff between attempts of a resync that failed while the stream stayed up.
  resyncRetryMs: number;
}

const DEFAULTS: ReadModelOptions = { serveReads: true, concurrency: 8, resyncRetryMs: 500 };

// Subjects of removed objects kept for their destroy event (the oldest dropped past this).
const GONE_LIMIT = 4096;

// Container actions that change nothing the model holds (exec, attach, copy...): no re-inspect.
const QUIET_ACTIONS = new Set([
  'exec_create',
  'exec_start',
  'exec_die',
  'exec_detach',
  'attach',
  'detach',
  'resize',
  'top',
  'export',
  'copy',
  'archive-path',
  'extract-to-dir',
  'commit',
  'kill',
]);

// Rough bytes per object, for the size gauge (measured order of magnitude, not exact).
const BYTES = { network: 1500, container: 3000, endpoint: 300 };

interface ContainerRecord extends ModelContainer {
  // The endpoints as a list shows them: the engine lists no aliases.
  listedEndpoints: ContainerEndpoint[];
  // The list answer, worded at some moment and valid until its status sentence changes.
  summary: ContainerSummary | null;
  summaryUntil: number;
}

type Kind = 'network' | 'container';

// At most `limit` tasks at once, in arrival order; no timers.
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((grant) => this.waiting.push(grant));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

// The in-memory copy of the engine's networks, containers and endpoints, fed by the engine's
// events (EventFeed) and by the service's own writes. Every object is set by a read of the
// engine that carries a ticket taken when the read began: a read that began earlier never
// overwrites one that began later, whatever order the answers arrive in.
export class ReadModel implements EngineEventSource, FeedHandlers {
  private readonly logger = new Logger('ReadModel');
  private readonly options: ReadModelOptions;
  private phase: ReadModelPhase = 'starting';
  private message: string | undefined;
  private readonly networks = new Map<string, NetworkInfo>();
  private readonly containers = new Map<string, ContainerRecord>();
  // network id -> container id -> endpoint: the endpoints of running containers (those with an
  // endpoint id), which a network's inspect lists.
  private readonly endpoints = new Map<string, Map<string, NetworkEndpoint>>();
  private endpointCount = 0;
  // The ticket of the read that last set each object ('n:id', 'c:id'), kept a while after it is gone.
  private readonly tickets = new Map<string, number>();
  private readonly inflight = new Set<number>();
  private nextTicket = 0;
  // Refreshes waiting for a slot: a second event for the same object joins the waiting read
  // (which has not begun, so it will see the later state).
  private readonly waiting = new Map<string, Promise<void>>();
  private readonly slots: Slots;
  private networkList: readonly NetworkInfo[] | null = null;
  private containerOrder: readonly ContainerRecord[] | null = null;
  // The containers a list without `all` answers (running, paused, restarting), newest first: most
  // lists are of those, and they are few beside the created and exited ones.
  private listedOrder: readonly ContainerRecord[] | null = null;
  // Bumped by every change applied to the networks or containers: answers computed from the model
  // may be kept as long as it has not moved (src/networks/network-list-cache.ts).
  private changes = 0;

  // Events go through `work` in order: a resync holds the events behind it until it is done.
  private work: Promise<void> = Promise.resolve();
  // Events are published in the engine's order, each once its re-read is applied.
  private published: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(event: ObservedEvent) => void>();
  private readonly gapListeners = new Set<(reason: string) => void>();
  private seq = 0;
  // Events received and not yet published (applied).
  private pending = 0;
  // Objects whose destroy event is received and not yet applied.
  private readonly doomed = new Set<string>();
  // The last known subject of objects the model dropped ('n:id', 'c:id') whose destroy event is not
  // published yet: the service's own removal (or a re-read that found the object gone) usually
  // comes before the engine's destroy event, which must still tell what was destroyed (its
  // labels, for filters and scoped keys). Bounded; an entry goes with its destroy event.
  private readonly gone = new Map<string, EventSubject>();
  private connection = 0;
  private streamUp = false;
  private stopped = false;
  private firstSyncDone = false;
  private unsure = true;
  private resyncQueued = false;
  private resyncReason = 'start';

  private lagMs: number | null = null;
  private lastEventAt: string | null = null;
  private liveSince: string | null = null;
  private resyncs = 0;
  reconnects = 0;

  constructor(
    private readonly port: ModelEnginePort,
    private readonly observer: ModelObserver = { eventLag: () => {}, size: () => {} },
    options: Partial<ReadModelOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.slots = new Slots(this.options.concurrency);
  }

  // --- the source of events (ENGINE_EVENTS) --------------------------------------------------

  subscribe(listener: (event: ObservedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onGap(listener: (reason: string) => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  status(): ReadModelStatus {
    const off = !this.options.serveReads;
    return {
      state: off ? 'off' : this.phase,
      lagMs: this.lagMs,
      lastEventAt: this.lastEventAt,
      networks: this.networks.size,
      containers: this.containers.size,
      endpoints: this.endpointCount,
      reconnects: this.reconnects,
      resyncs: this.resyncs,
      liveSince: this.liveSince,
      ...(off
        ? { message: `READ_MODEL=false: reads go to the engine; the event feed runs (${this.phase})` }
        : this.message
          ? { message: this.message }
          : {}),
    };
  }

  // Reads may be answered from the model: it is live and READ_MODEL allows it.
  serves(): boolean {
    return this.options.serveReads && this.phase === 'live';
  }

  stop(): void {
    this.stopped = true;
    this.listeners.clear();
    this.gapListeners.clear();
  }

  // Settles once everything received so far is applied and published (tests, shutdown).
  async settled(): Promise<void> {
    for (;;) {
      const work = this.work;
      const published = this.published;
      await work;
      await published;
      if (work === this.work && published === this.published) return;
    }
  }

  // --- the feed ------------------------------------------------------------------------------

  connected(resumed: boolean, reason: string): void {
    this.connection++;
    this.streamUp = true;
    if (resumed && this.firstSyncDone && !this.unsure) {
      this.goLive();
      return;
    }
    this.enqueueResync(reason);
  }

  broken(reason: string): void {
    this.streamUp = false;
    if (this.phase !== 'starting')
      this.setPhase('stale', `the engine's event stream broke (${reason}); reads go to the engine`);
    else this.message = `connecting to the engine's event stream (${reason})`;
  }

  event(event: EngineEvent): void {
    // The subject before anything is applied: what a destroy was.
    const before = this.subjects(event);
    if (event.action === 'destroy')
      this.doomed.add(keyOf(event.type === 'network' ? 'network' : 'container', event.id));
    let applied: Promise<void> = Promise.resolve();
    this.work = this.work.then(() => {
      try {
        applied = this.apply(event).catch((error: unknown) =>
          this.logger.error({ err: error }, 'the read model could not apply an event'),
        );
      } catch (error) {
        this.logger.error({ err: error }, 'the read model could not apply an event');
      }
    });
    const work = this.work;
    this.pending++;
    this.published = this.published
      .then(() => work)
      .then(() => applied)
      .then(() => {
        this.pending--;
        safely(() => this.publish(event, before));
      });
  }

  // Waits until every event received so far is applied, for at most `waitMs`: a read must not be
  // answered from a model that has events in hand it has not applied yet (state known to be
  // stale). Answers false when they are not applied in time (the read then goes to the engine).
  caughtUp(waitMs: number): Promise<boolean> | true {
    if (this.pending === 0) return true;
    const target = this.published;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      void target.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  // The model is unsure of the engine's state until a resync completes.
  private enqueueResync(reason: string): void {
    this.unsure = true;
    this.resyncReason = reason;
    if (this.resyncQueued) return;
    this.resyncQueued = true;
    this.work = this.work.then(() => this.resyncWhileUnsure());
  }

  private async resyncWhileUnsure(): Promise<void> {
    this.resyncQueued = false;
    while (!this.stopped && this.streamUp && this.unsure) {
      const reason = this.resyncReason;
      this.unsure = false;
      this.setPhase('syncing', `reading the engine's whole state (${reason})`);
      try {
        await this.resync();
      } catch (error) {
        this.unsure = true;
        this.logger.warn({ err: error }, 'the read model could not read the engine state; retrying');
        this.message = `reading the engine's state failed (${(error as Error).message}); retrying`;
        await new Promise((resolve) => setTimeout(resolve, this.options.resyncRetryMs));
        continue;
      }
      if (this.unsure) continue;
      this.resyncs++;
      if (this.firstSyncDone) for (const listener of this.gapListeners) safely(() => listener(reason));
      this.firstSyncDone = true;
      if (this.streamUp) this.goLive();
    }
  }

  private goLive(): void {
    if (this.phase !== 'live') this.liveSince = new Date().toISOString();
    this.setPhase('live', undefined);
  }

  private setPhase(phase: ReadModelPhase, message: string | undefined): void {
    if (this.phase !== phase) {
      // One info line when it becomes live, a warning when it goes stale; the steps between are debug.
      const line = `read model ${phase}${message ? `: ${message}` : ''}`;
      if (phase === 'stale') this.logger.warn(line);
      else if (phase === 'live') this.logger.log(line);
      else this.logger.debug(line);
    }
    this.phase = phase;
    this.message = message;
  }

  // Reads the whole state again. Objects the engine no longer has are dropped unless a read that
  // began after this one set them.
  private async resync(): Promise<void> {
    const ticket = this.take();
    try {
      const [networks, ids] = await Promise.all([this.port.networks(), this.port.containerIds()]);
      for (const network of networks) this.setNetwork(network.id, ticket, network);
      const listed = new Set(networks.map((n) => n.id));
      for (const id of [...this.networks.keys()]) {
        if (!listed.has(id)) this.setNetwork(id, ticket, null);
      }
      const present = new Set(ids);
      for (const id of [...this.containers.keys()]) {
        if (!present.has(id)) this.setContainer(id, ticket, null);
      }
      await Promise.all(ids.map((id) => this.slots.run(() => this.readStrict('container', id))));
    } finally {
      this.release(ticket);
    }
  }

  // --- applying events -------------------------------------------------------------------------

  // Starts the re-reads an event calls for; resolves when they are applied.
  private apply(event: EngineEvent): Promise<void> {
    const action = event.action.split(':')[0];
    if (event.type === 'container') {
      if (QUIET_ACTIONS.has(action)) return Promise.resolve();
      if (action === 'destroy') {
        this.doomed.delete(keyOf('container', event.id));
        this.setContainer(event.id, this.taken(), null);
        return Promise.resolve();
      }
      // Its destroy is in hand already (a probe's whole life arrives at once): no read.
      if (this.doomed.has(keyOf('container', event.id))) return Promise.resolve();
      return this.refresh('container', event.id);
    }
    if (action === 'destroy') {
      this.doomed.delete(keyOf('network', event.id));
      this.setNetwork(event.id, this.taken(), null);
      return Promise.resolve();
    }
    if (action === 'create' && this.doomed.has(keyOf('network', event.id))) return Promise.resolve();
    const container = event.attributes.container;
    if ((action === 'connect' || action === 'disconnect') && container) {
      return Promise.all([this.refresh('container', container), this.refresh('network', event.id)]).then(
        () => {},
      );
    }
    return this.refresh('network', event.id);
  }

  private publish(
    event: EngineEvent,
    before: { network: EventSubject | null; container: EventSubject | null },
  ): void {
    if (this.stopped) return;
    const stamp = Number(BigInt(event.timeNano) / 1_000_000n);
    this.lagMs = Math.max(0, Date.now() - stamp);
    this.lastEventAt = event.time;
    this.observer.eventLag(this.lagMs / 1000);
    const now = this.subjects(event);
    const observed: ObservedEvent = {
      ...event,
      seq: ++this.seq,
      network: now.network ?? before.network,
      container: now.container ?? before.container,
    };
    if (baseActionOf(event) === 'destroy')
      this.gone.delete(keyOf(event.type === 'network' ? 'network' : 'container', event.id));
    for (const listener of this.listeners) safely(() => listener(observed));
  }

  private subjects(event: EngineEvent): { network: EventSubject | null; container: EventSubject | null } {
    if (event.type === 'container') {
      return { network: null, container: this.containerSubject(event.id) };
    }
    const container = event.attributes.container;
    return {
      network: this.networkSubject(event.id),
      container: container ? this.containerSubject(container) : null,
    };
  }

  private networkSubject(id: string): EventSubject | null {
    const n = this.networks.get(id);
    return n ? { id: n.id, name: n.name, labels: n.labels } : (this.gone.get(keyOf('network', id)) ?? null);
  }

  private containerSubject(id: string): EventSubject | null {
    const c = this.containers.get(id);
    return c
      ? { id: c.info.id, name: c.info.name, labels: c.info.labels }
      : (this.gone.get(keyOf('container', id)) ?? null);
  }

  // Keeps what a dropped object was until its destroy event is published.
  private rememberGone(key: string, subject: EventSubject): void {
    this.gone.delete(key);
    this.gone.set(key, subject);
    if (this.gone.size > GONE_LIMIT) this.gone.delete(this.gone.keys().next().value as string);
  }

  // An event's re-read, waiting for a slot; joins one that waits already for the same object.
  private refresh(kind: Kind, id: string): Promise<void> {
    const key = keyOf(kind, id);
    const waiting = this.waiting.get(key);
    if (waiting) return waiting;
    // The read may begin at once (a free slot), before `slot.promise` is set.
    const slot: { begun: boolean; promise?: Promise<void> } = { begun: false };
    slot.promise = this.slots.run(() => {
      slot.begun = true;
      if (slot.promise && this.waiting.get(key) === slot.promise) this.waiting.delete(key);
      return this.read(kind, id);
    });
    if (!slot.begun) this.waiting.set(key, slot.promise);
    return slot.promise;
  }

  // One unshared read of an object, applied under the ticket taken as it began. A failed read
  // leaves the model unsure: it is read whole again.
  private async read(kind: Kind, id: string): Promise<void> {
    try {
      await this.readStrict(kind, id);
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn({ err: error, kind, id }, 'the read model could not re-read an object');
      if (this.phase === 'live')
        this.setPhase('stale', `a re-read of ${kind} ${id} failed; reads go to the engine`);
      this.unsure = true;
      if (this.streamUp) this.enqueueResync(`a re-read of ${kind} ${id} failed`);
    }
  }

  // `ref` is an id, except for a write the model did not know the object of (a name): the
  // answer is kept under its id.
  private async readStrict(kind: Kind, ref: string): Promise<void> {
    const ticket = this.take();
    try {
      if (kind === 'network') {
        const network = await this.port.network(ref);
        this.setNetwork(network?.id ?? ref, ticket, network);
      } else {
        const container = await this.port.container(ref);
        this.setContainer(container?.info.id ?? ref, ticket, container);
      }
    } finally {
      this.release(ticket);
    }
  }

  // --- the service's own writes -------------------------------------------------------------

  // Re-reads an object the service just changed, before the change answers (read your writes).
  // Never throws: a failed re-read makes the model read everything again.
  async syncNetwork(ref: string): Promise<void> {
    await this.read('network', this.findNetwork(ref)?.id ?? ref);
  }

  async syncContainer(ref: string): Promise<void> {
    await this.read('container', this.findContainer(ref)?.info.id ?? ref);
  }

  // The service removed it (the engine said so).
  forgetNetwork(id: string): void {
    this.setNetwork(id, this.taken(), null);
  }

  forgetContainer(id: string): void {
    this.setContainer(id, this.taken(), null);
  }

  networkIdOf(ref: string): string | null {
    return this.findNetwork(ref)?.id ?? null;
  }

  containerIdOf(ref: string): string | null {
    return this.findContainer(ref)?.info.id ?? null;
  }

  // --- tickets -----------------------------------------------------------------------------

  private take(): number {
    const ticket = ++this.nextTicket;
    this.inflight.add(ticket);
    return ticket;
  }

  // A ticket for something known now (a destroy event, a removal the engine confirmed).
  private taken(): number {
    return ++this.nextTicket;
  }

  private release(ticket: number): void {
    this.inflight.delete(ticket);
  }

  // True when a read with this ticket may set the object (no later read set it already).
  private admit(key: string, ticket: number): boolean {
    if ((this.tickets.get(key) ?? 0) > ticket) return false;
    this.tickets.set(key, ticket);
    return true;
  }

  // Tickets of objects that are gone matter only while an older read is in flight.
  private pruneTickets(): void {
    if (this.tickets.size < 2 * (this.networks.size + this.containers.size) + 1024) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const t of this.inflight) oldest = Math.min(oldest, t);
    for (const [key, ticket] of this.tickets) {
      if (ticket >= oldest) continue;
      const id = key.slice(2);
      if (key.startsWith('n:') ? !this.networks.has(id) : !this.containers.has(id)) this.tickets.delete(key);
    }
  }

  // --- the store ---------------------------------------------------------------------------

  private setNetwork(id: string, ticket: number, value: NetworkInfo | null): void {
    if (!this.admit(keyOf('network', id), ticket)) return;
    if (value) {
      const { endpoints: _ignored, ...listed } = value;
      this.networks.set(id, deepFreeze(listed));
      this.gone.delete(keyOf('network', id));
    } else {
      const previous = this.networks.get(id);
      if (!previous) return;
      this.networks.delete(id);
      this.rememberGone(keyOf('network', id), { id, name: previous.name, labels: previous.labels });
      this.pruneTickets();
    }
    this.changes++;
    this.networkList = null;
    this.reportSize();
  }

  private setContainer(id: string, ticket: number, value: ModelContainer | null): void {
    if (!this.admit(keyOf('container', id), ticket)) return;
    const previous = this.containers.get(id);
    if (previous) this.dropEndpoints(previous);
    if (value) {
      const record: ContainerRecord = {
        ...value,
        info: deepFreeze(value.info),
        listedEndpoints: deepFreeze(value.info.endpoints.map((e) => ({ ...e, aliases: [] }))),
        summary: null,
        summaryUntil: 0,
      };
      this.containers.set(id, record);
      this.addEndpoints(record);
      this.gone.delete(keyOf('container', id));
    } else {
      if (!previous) return;
      this.containers.delete(id);
      const { info } = previous;
      this.rememberGone(keyOf('container', id), { id, name: info.name, labels: info.labels });
      this.pruneTickets();
    }
    this.changes++;
    this.containerOrder = null;
    this.listedOrder = null;
    this.reportSize();
  }

  private addEndpoints(record: ContainerRecord): void {
    const { info } = record;
    for (const e of info.endpoints) {
      // Only a container whose sandbox is up has an endpoint id: the one the network lists.
      if (!e.endpointId || !e.networkId) continue;
      let onNetwork = this.endpoints.get(e.networkId);
      if (!onNetwork) this.endpoints.set(e.networkId, (onNetwork = new Map<string, NetworkEndpoint>()));
      if (!onNetwork.has(info.id)) this.endpointCount++;
      onNetwork.set(
        info.id,
        Object.freeze({
          containerId: info.id,
          containerName: info.name,
          endpointId: e.endpointId,
          ipv4Address: e.ipv4Address,
          ipv6Address: e.ipv6Address,
          macAddress: e.macAddress,
        }),
      );
    }
  }

  private dropEndpoints(record: ContainerRecord): void {
    for (const e of record.info.endpoints) {
      const onNetwork = this.endpoints.get(e.networkId);
      if (onNetwork?.delete(record.info.id)) {
        this.endpointCount--;
        if (!onNetwork.size) this.endpoints.delete(e.networkId);
      }
    }
  }

  private reportSize(): void {
    const networks = this.networks.size;
    const containers = this.containers.size;
    const endpoints = this.endpointCount;
    this.observer.size({
      networks,
      containers,
      endpoints,
      bytes: networks * BYTES.network + containers * BYTES.container + endpoints * BYTES.endpoint,
    });
  }

  // --- reads ---------------------------------------------------------------------------------

  // A new array each time (callers may sort it); the objects in it are frozen and shared.
  listNetworks(filter: NetworkFilter = {}): NetworkInfo[] {
    if (!this.networkList) this.networkList = Object.freeze([...this.networks.values()]);
    if (!filter.driver?.length && !filter.label?.length && !filter.scope?.length)
      return this.networkList.slice();
    return this.networkList.filter((n) => matchesNetworkFilter(n, filter));
  }

  // With the endpoints of the running containers on it; null when the model cannot tell.
  inspectNetwork(ref: string): NetworkInfo | null {
    const network = this.findNetwork(ref);
    // A swarm network's inspect is the engine's local view of it, not what the model keeps.
    if (!network || network.scope === 'swarm') return null;
    const endpoints = this.endpoints.get(network.id);
    return Object.freeze({
      ...network,
      endpoints: Object.freeze(endpoints ? [...endpoints.values()] : []),
    }) as NetworkInfo;
  }

  // The model's version: it increases with every change applied to its networks or containers, so
  // that two reads at the same version read the same state.
  version(): number {
    return this.changes;
  }

  // Newest first, like the engine.
  listContainers(filter: ContainerListFilter = {}, now = Date.now()): ContainerSummary[] {
    const answer: ContainerSummary[] = [];
    const everyState = filter.all === true || (filter.status?.length ?? 0) > 0;
    for (const record of everyState ? this.orderedContainers() : this.listedContainers()) {
      if (matchesContainerFilter(record.info, filter)) answer.push(this.summaryOf(record, now));
    }
    return answer;
  }

  inspectContainer(ref: string): ContainerInfo | null {
    return this.findContainer(ref)?.info ?? null;
  }

  private orderedContainers(): readonly ContainerRecord[] {
    if (!this.containerOrder) {
      this.containerOrder = [...this.containers.values()].sort(
        (a, b) => b.createdMs - a.createdMs || (a.info.id < b.info.id ? 1 : -1),
      );
    }
    return this.containerOrder;
  }

  // What a list without `all` may answer, in the list's order: the filter is still applied to them.
  private listedContainers(): readonly ContainerRecord[] {
    if (!this.listedOrder) {
      this.listedOrder = this.orderedContainers().filter((record) =>
        matchesContainerFilter(record.info, { all: false }),
      );
    }
    return this.listedOrder;
  }

  private summaryOf(record: ContainerRecord, now: number): ContainerSummary {
    if (record.summary && now < record.summaryUntil) return record.summary;
    const { info } = record;
    const summary: ContainerSummary = {
      id: info.id,
      names: info.names,
      image: info.image,
      state: info.state,
      status: statusWords(record.words, now),
      // The list stamps creation to the second.
      createdAt: record.createdMs ? new Date(Math.floor(record.createdMs / 1000) * 1000).toISOString() : null,
      labels: info.labels,
      networkMode: info.networkMode,
      endpoints: record.listedEndpoints,
    };
    record.summary = Object.freeze(summary);
    record.summaryUntil = wordsValidUntil(record.words, now);
    return record.summary;
  }

  private findNetwork(ref: string): NetworkInfo | null {
    return findByReference(ref, this.networks, (n) => n.name);
  }

  private findContainer(ref: string): ContainerRecord | null {
    return findByReference(ref.startsWith('/') ? ref.slice(1) : ref, this.containers, (c) => c.info.name);
  }
}

function baseActionOf(event: EngineEvent): string {
  return event.action.split(':')[0];
}

function keyOf(kind: Kind, id: string): string {
  return `${kind === 'network' ? 'n' : 'c'}:${id}`;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener must not throw (the contract); one that does cannot stop the others.
  }
}
