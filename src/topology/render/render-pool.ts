import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SvgTheme } from '../dto/topology-filter.input';
import type { TopologyGraph } from '../topology.types';
import { renderSvg } from './svg';
import { SVG_WORKER_MARK, type SvgJob, type SvgReply } from './svg-worker';

// Draws one picture. The worker's and the in-process one have the same shape so that the queue
// in front of them is the same.
export type SvgDraw = (graph: TopologyGraph, theme?: SvgTheme) => Promise<string>;

// Thrown by RenderQueue.run when the queue is full; the renderer turns it into a DomainError.
export class RenderQueueFull extends Error {
  constructor(
    readonly waiting: number,
    // True when the caller's own renders fill its share (not the whole queue).
    readonly ownShare = false,
  ) {
    super(ownShare ? `${waiting} renders of this caller are waiting` : `${waiting} renders are waiting`);
    this.name = 'RenderQueueFull';
  }
}

interface Job {
  owner: string | undefined;
  start: () => Promise<string>;
  resolve: (svg: string) => void;
  reject: (error: unknown) => void;
}

// One render at a time, at most `maxWaiting` waiting behind it, and a render asked for again
// while it waits or runs (the same key: what the picture shows) shared by every caller rather
// than done twice. Past that the caller is refused at once: waiting longer only makes every
// answer later, while a refusal tells the client to retry.
export class RenderQueue {
  private readonly pending = new Map<string, Promise<string>>();
  private readonly waiting: Job[] = [];
  private running = false;

  // `maxWaitingPerOwner`: renders one caller (an API key) may have waiting, so that one key cannot
  // fill the queue and have everyone else refused.
  constructor(
    readonly maxWaiting: number,
    readonly maxWaitingPerOwner = maxWaiting,
  ) {}

  // Renders waiting behind the one that runs.
  get queued(): number {
    return this.waiting.length;
  }

  run(key: string, start: () => Promise<string>, owner?: string): Promise<string> {
    const shared = this.pending.get(key);
    if (shared) return shared;
    if (this.waiting.length >= this.maxWaiting) throw new RenderQueueFull(this.waiting.length);
    if (owner !== undefined) {
      const own = this.waiting.filter((job) => job.owner === owner).length;
      if (own >= this.maxWaitingPerOwner) throw new RenderQueueFull(own, true);
    }
    const done = new Promise<string>((resolve, reject) => {
      this.waiting.push({ owner, start, resolve, reject });
    });
    this.pending.set(key, done);
    // Forgotten once answered, whatever the answer: the renderer's cache keeps the pictures.
    const forget = () => this.pending.delete(key);
    done.then(forget, forget);
    this.next();
    return done;
  }

  private next(): void {
    if (this.running) return;
    const job = this.waiting.shift();
    if (!job) return;
    this.running = true;
    // A start that throws rather than rejects fails its job alone, not the queue.
    const started = Promise.resolve().then(job.start);
    started.then(job.resolve, job.reject).finally(() => {
      this.running = false;
      this.next();
    });
  }
}

// The compiled worker script, next to this file in dist/. Under ts-jest this file is the .ts
// source and there is no compiled worker: the caller draws in-process instead.
export function workerScript(): string | null {
  if (!__filename.endsWith('.js')) return null;
  const script = join(__dirname, 'svg-worker.js');
  return existsSync(script) ? script : null;
}

// Draws on the event loop, but as a task of its own (after the I/O that is waiting), so that the
// queue behaves as with the worker. Only for tests run from the TypeScript sources.
export const drawInProcess: SvgDraw = (graph, theme) =>
  new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(renderSvg(graph, { theme }));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    }),
  );

// One worker thread that draws the SVGs, so that dagre's synchronous layout (up to a second for
// a large graph) never holds the event loop. Started with the first picture, started again after
// it died (the render it had is refused, the next one gets a new worker), ended by close().
// How long one picture may take in the worker before the worker is taken for hung.
export const DRAW_DEADLINE_MS = 30_000;

export class SvgWorker {
  private worker: Worker | null = null;
  private readonly calls = new Map<number, { resolve: (svg: string) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly script: string,
    private readonly deadlineMs = DRAW_DEADLINE_MS,
  ) {}

  draw: SvgDraw = (graph, theme) => {
    if (this.closed) return Promise.reject(new Error('The SVG worker is closed: the service is stopping.'));
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      // A picture of at most 300 nodes takes about a second; one that takes far longer is a worker
      // that hangs, and the queue behind it would never move: it is ended (and the next picture
      // starts a new one).
      const deadline = setTimeout(() => {
        this.died(
          worker,
          new Error(`The SVG renderer took longer than ${this.deadlineMs} ms; it was stopped.`),
        );
        void worker.terminate();
      }, this.deadlineMs);
      deadline.unref();
      const settle =
        <T>(then: (value: T) => void) =>
        (value: T) => {
          clearTimeout(deadline);
          then(value);
        };
      this.calls.set(id, { resolve: settle(resolve), reject: settle(reject) });
      const job: SvgJob = { id, graph, theme };
      worker.postMessage(job);
    });
  };

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('The SVG worker was stopped: the service is stopping.'));
    if (worker) await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { workerData: SVG_WORKER_MARK });
    worker.on('message', (reply: SvgReply) => {
      const call = this.calls.get(reply.id);
      if (!call) return;
      this.calls.delete(reply.id);
      if ('svg' in reply) call.resolve(reply.svg);
      else call.reject(new Error(`The SVG renderer failed: ${reply.error}`));
    });
    worker.on('error', (error) => this.died(worker, error));
    worker.on('exit', (code) => this.died(worker, new Error(`The SVG worker exited (code ${code}).`)));
    // The worker alone must not keep the process alive (shutdown ends it anyway).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private died(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
  }
}
