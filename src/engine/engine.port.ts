import type {
  ContainerInfo,
  ContainerListFilter,
  ContainerSpec,
  ContainerSummary,
  EndpointSpec,
  ExecLimits,
  ExecResult,
  ExecSpec,
  ImageInfo,
  LogAnswer,
  LogQuery,
  ProbeSpec,
  EngineFeatures,
  EngineInfo,
  EngineVersion,
  NetworkFilter,
  NetworkInfo,
  NetworkSpec,
} from './engine.types';
import type { HostNetwork } from '../common/net/host-interfaces';

export const CONTAINER_ENGINE = Symbol('CONTAINER_ENGINE');

// The port every feature talks to. Implementations throw EngineRejection for what the engine
// refused, and DomainError ENGINE_UNAVAILABLE / ENGINE_TIMEOUT for transport failures.
// Answers of reads may be shared between concurrent callers: treat them as read-only.
export interface ContainerEngine {
  // Where the engine is, for messages (`unix:///var/run/docker.sock`).
  readonly endpoint: string;
  // The network of the host the engine runs on (its interfaces and their subnets), where this
  // machine can see it (a local socket); null for a remote engine.
  hostNetwork(): HostNetwork | null;

  ping(timeoutMs?: number): Promise<void>;
  version(): Promise<EngineVersion>;
  features(): Promise<EngineFeatures>;
  info(): Promise<EngineInfo>;

  // Optional: a number that changes whenever what the reads below answer may have changed (the
  // read model's version), or null when no such promise holds (every read asks the engine).
  // Callers may keep answers derived from reads made at one version while it stays the same.
  readVersion?(): Promise<number | null>;

  listNetworks(filter?: NetworkFilter): Promise<NetworkInfo[]>;
  inspectNetwork(id: string): Promise<NetworkInfo>;
  createNetwork(spec: NetworkSpec): Promise<string>;
  removeNetwork(id: string): Promise<void>;
  pruneNetworks(labelFilters: string[]): Promise<string[]>;
  connectNetwork(networkId: string, containerId: string, endpoint: EndpointSpec): Promise<void>;
  disconnectNetwork(networkId: string, containerId: string, force: boolean): Promise<void>;

  listContainers(filter?: ContainerListFilter): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerInfo>;
  createContainer(spec: ContainerSpec): Promise<string>;
  // Start and stop treat "already in that state" as done.
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  restartContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string, force: boolean): Promise<void>;
  // Gives the container another name (the id stays): templates move a container aside while its
  // replacement starts, and back again if the replacement fails.
  renameContainer(id: string, name: string): Promise<void>;
  // Streams the log and stops at query.limitBytes (truncated): never the whole log in memory.
  containerLogs(id: string, query: LogQuery): Promise<LogAnswer>;
  // Runs a command until it ends or the deadline passes; at the deadline (or when the connection
  // breaks) the command is ended in the container too.
  exec(containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult>;
  // Runs a probe container in another container's network namespace until it exits or the
  // deadline passes, then removes it.
  runProbe(spec: ProbeSpec, limits: ExecLimits): Promise<ExecResult>;
  // Null when the image is not on the engine (nothing is ever pulled).
  inspectImage(ref: string): Promise<ImageInfo | null>;
}
