import type { Readable } from 'node:stream';
import type { DockerClient } from '../docker-client';
import {
  timeOrNull,
  toContainerInfo,
  toNetwork,
  type RawContainerInspect,
  type RawNetwork,
} from '../dockerode.mappers';
import { EngineRejection } from '../engine.errors';
import type { ContainerInfo, NetworkInfo } from '../engine.types';
import type { EventStreamPort } from './event-feed';
import { engineTimeOf, parseEventLine } from './event-lines';
import type { EngineEvent } from './read-model.types';
import type { StatusInputs } from './status-words';

// A container as the model keeps it: the inspect answer in the port's words, and what the list's
// status sentence is worded from.
export interface ModelContainer {
  info: ContainerInfo;
  words: StatusInputs;
  // Creation to the millisecond (the list orders by it, newest first).
  createdMs: number;
}

// What the read model reads from the engine. Every read is its own request: never joined to a
// read that began before the change the model is catching up with.
export interface ModelEnginePort extends EventStreamPort {
  network(id: string): Promise<NetworkInfo | null>;
  container(id: string): Promise<ModelContainer | null>;
  networks(): Promise<NetworkInfo[]>;
  containerIds(): Promise<string[]>;
}

const EVENT_FILTERS = JSON.stringify({ type: ['network', 'container'] });

export function toModelContainer(raw: RawContainerInspect): ModelContainer {
  const info = toContainerInfo(raw);
  const stamp = (value: string | undefined) => {
    const time = timeOrNull(value);
    return time ? Date.parse(time) : null;
  };
  return {
    info,
    words: {
      state: info.state,
      health: raw.State?.Health?.Status || null,
      exitCode: raw.State?.ExitCode ?? 0,
      startedAtMs: stamp(raw.State?.StartedAt),
      finishedAtMs: stamp(raw.State?.FinishedAt),
    },
    createdMs: stamp(raw.Created) ?? 0,
  };
}

function notFoundToNull<T>(promise: Promise<T>): Promise<T | null> {
  return promise.catch((error: unknown) => {
    if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return null;
    throw error;
  });
}

export class DockerodeModelPort implements ModelEnginePort {
  constructor(private readonly client: DockerClient) {}

  // A swarm-scope network inspects differently from how it lists (another creation time, the
  // local instance's view): the model keeps the list's form, so such a network is listed by id.
  network(id: string): Promise<NetworkInfo | null> {
    return notFoundToNull(
      this.client.versioned('network.inspect', async (signal) => {
        const raw = (await this.client.docker.getNetwork(id).inspect({ abortSignal: signal })) as RawNetwork;
        if (raw.Scope !== 'swarm') return toNetwork(raw, false);
        const listed = (await this.client.docker.listNetworks({
          filters: JSON.stringify({ id: [raw.Id] }),
          abortSignal: signal,
        })) as RawNetwork[];
        return toNetwork(listed.find((n) => n.Id === raw.Id) ?? raw, false);
      }),
    );
  }

  container(id: string): Promise<ModelContainer | null> {
    return notFoundToNull(
      this.client.versioned('container.inspect', async (signal) =>
        toModelContainer(
          (await this.client.docker.getContainer(id).inspect({ abortSignal: signal })) as RawContainerInspect,
        ),
      ),
    );
  }

  async networks(): Promise<NetworkInfo[]> {
    const raw = (await this.client.versioned('network.list', (signal) =>
      this.client.docker.listNetworks({ filters: '{}', abortSignal: signal }),
    )) as RawNetwork[];
    return raw.map((n) => toNetwork(n, false));
  }

  async containerIds(): Promise<string[]> {
    const raw = (await this.client.versioned('container.list', (signal) =>
      this.client.docker.listContainers({ all: true, filters: '{}', abortSignal: signal }),
    )) as { Id: string }[];
    return raw.map((c) => c.Id);
  }

  // No deadline on the stream itself: it stays open as long as the engine runs.
  // Opening it has the usual deadline: an engine that accepts and never answers is left.
  openEvents(since: string | null, signal: AbortSignal): Promise<Readable> {
    const options = { filters: EVENT_FILTERS, ...(since ? { since } : {}) };
    return this.client.versioned('events.open', (deadline) =>
      this.dial(options, AbortSignal.any([signal, deadline])),
    );
  }

  async eventsAt(timeNano: string, signal: AbortSignal): Promise<EngineEvent[]> {
    const stamp = engineTimeOf(timeNano);
    return this.client.versioned('events.replay', async (deadline) => {
      const both = AbortSignal.any([signal, deadline]);
      const stream = await this.dial({ filters: EVENT_FILTERS, since: stamp, until: stamp }, both);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        // At most the engine's 256 buffered events: anything far bigger is not an answer to this.
        if (size > 4 * 1024 * 1024) throw new Error('the engine answered more than 4 MiB of events');
        chunks.push(chunk);
      }
      return Buffer.concat(chunks)
        .toString('utf8')
        .split('\n')
        .map((line) => (line.trim() ? parseEventLine(line.trim()) : null))
        .filter((e): e is EngineEvent => e !== null && e !== 'unreadable');
    });
  }

  private dial(options: Record<string, string>, signal: AbortSignal): Promise<Readable> {
    return new Promise((resolve, reject) => {
      this.client.docker.modem.dial(
        {
          path: '/events?',
          method: 'GET',
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
          options,
        },
        (error, data) => (error ? reject(error) : resolve(data as Readable)),
      );
    });
  }
}
