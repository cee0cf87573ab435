import { type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DockerodeEngine } from '../dockerode.engine';
import { EventFeed } from './event-feed';
import { ModelBackedEngine } from './model-engine';
import { ReadModel, type ModelObserver } from './read-model';
import type { EngineEventSource, ObservedEvent, ReadModelStatus } from './read-model.types';

export interface RuntimeHooks extends ModelObserver {
  reconnected(): void;
  fallback(operation: string): void;
}

// The read model with its feed, over the dockerode adapter: started with the module, stopped
// (stream closed, no timer left) when the module is destroyed.
export class ReadModelRuntime implements OnModuleInit, OnModuleDestroy {
  readonly model: ReadModel;
  readonly engine: ModelBackedEngine;
  private readonly feed: EventFeed;

  constructor(
    readonly direct: DockerodeEngine,
    serveReads: boolean,
    hooks: RuntimeHooks,
  ) {
    this.model = new ReadModel(direct.modelPort(), hooks, { serveReads });
    this.feed = new EventFeed(direct.modelPort(), this.model, {}, () => {
      this.model.reconnects++;
      hooks.reconnected();
    });
    this.engine = new ModelBackedEngine(direct, this.model, (operation) => hooks.fallback(operation));
    direct.onProbeRemoved = (id) => this.model.forgetContainer(id);
  }

  onModuleInit(): void {
    this.feed.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.model.stop();
    await this.feed.stop();
  }
}

// ENGINE_EVENTS where the engine is not Docker (an in-memory engine in tests): no feed.
export class NoEngineEvents implements EngineEventSource {
  subscribe(_listener: (event: ObservedEvent) => void): () => void {
    return () => {};
  }

  onGap(_listener: (reason: string) => void): () => void {
    return () => {};
  }

  status(): ReadModelStatus {
    return {
      state: 'off',
      lagMs: null,
      lastEventAt: null,
      networks: 0,
      containers: 0,
      endpoints: 0,
      reconnects: 0,
      resyncs: 0,
      liveSince: null,
      message: 'the engine is not a Docker engine: no event feed',
    };
  }
}
