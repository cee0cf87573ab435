// The vocabulary of topology templates, shared by the validator, the planner, the applier, compose
// import/export and the two transports. Plain types: the transports have their own models.

import type { NetworkSpec, RestartPolicy, StringMap } from '../engine/engine.types';

// ---------------------------------------------------------------------------------------------
// The document a user writes (JSON, or YAML with Content-Type application/yaml).

export interface TemplateEndpoint {
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  aliases?: string[];
}

// The same spec as network create (CreateNetworkInput), minus `name`.
export interface TemplateNetwork {
  driver?: string;
  internal?: boolean;
  attachable?: boolean;
  enableIPv6?: boolean;
  ipam?: {
    driver?: string;
    config?: { subnet?: string; gateway?: string; ipRange?: string; auxAddresses?: StringMap }[];
    options?: StringMap;
  };
  options?: StringMap;
  labels?: StringMap;
}

// The same spec as container run (RunContainerInput), minus `name`, with `networks` as a map of
// network name (declared in the template) to the endpoint, like compose.
export interface TemplateContainer {
  image: string;
  command?: string[];
  // Replaces the image's entrypoint (argv), like compose's `entrypoint`.
  entrypoint?: string[];
  env?: StringMap;
  labels?: StringMap;
  hostname?: string;
  restartPolicy?: { name: string; maximumRetryCount?: number };
  networkMode?: 'bridge' | 'host' | 'none';
  networks?: Record<string, TemplateEndpoint>;
  // Start it (default true).
  start?: boolean;
}

export interface TemplateExpectation {
  // Container names declared in the template.
  from: string;
  to: string;
  reachable: boolean;
}

export interface TemplateDocument {
  name: string;
  description?: string;
  // Put on every network and container of the template.
  labels?: StringMap;
  networks?: Record<string, TemplateNetwork>;
  containers?: Record<string, TemplateContainer>;
  expectations?: TemplateExpectation[];
}

// One problem found by validation: `path` is a JSON path into the document (`$.networks.a.ipam`).
export interface TemplateProblem {
  path: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Stored templates.

export interface TemplateRecord {
  name: string;
  revision: number;
  description: string | null;
  labels: StringMap;
  document: TemplateDocument;
  createdAt: string;
  updatedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Desired state: a document normalised into engine terms (defaults filled in), each resource with
// the hash of its normalised spec (label io.switchyard.hash). Names are engine names.

export interface DesiredEndpoint {
  network: string;
  ipv4Address: string | null;
  ipv6Address: string | null;
  macAddress: string | null;
  aliases: string[];
}

export interface DesiredContainerSpec {
  image: string;
  command: string[] | null;
  entrypoint: string[] | null;
  env: StringMap;
  // The labels the container gets, without io.switchyard.revision and io.switchyard.hash.
  labels: StringMap;
  hostname: string | null;
  restartPolicy: RestartPolicy;
  // bridge | host | none, or null when the container joins `networks`.
  networkMode: string | null;
  // In document order (the first one is joined at create).
  networks: DesiredEndpoint[];
  start: boolean;
}

export interface DesiredNetwork {
  name: string;
  // Labels without io.switchyard.revision and io.switchyard.hash.
  spec: NetworkSpec;
  hash: string;
}

export interface DesiredContainer {
  name: string;
  spec: DesiredContainerSpec;
  hash: string;
}

export interface DesiredState {
  template: string;
  revision: number;
  networks: DesiredNetwork[];
  containers: DesiredContainer[];
  expectations: TemplateExpectation[];
}

// ---------------------------------------------------------------------------------------------
// Plans, deployments, status (the public shapes; the transports present these).

export type ResourceKind = 'network' | 'container';
export type ActionVerb = 'create' | 'recreate' | 'remove' | 'unchanged';

export interface Change {
  path: string;
  from: unknown;
  to: unknown;
}

export interface PlanAction {
  action: ActionVerb;
  kind: ResourceKind;
  name: string;
  reason: string | null;
  changes: Change[];
  // The engine id of the live resource (recreate, remove, unchanged): internal, not presented.
  liveId?: string | null;
}

export interface PlanConflict {
  kind: ResourceKind;
  name: string;
  reason: string;
}

export interface Plan {
  template: string;
  revision: number;
  actions: PlanAction[];
  conflicts: PlanConflict[];
}

export type DeploymentKind = 'apply' | 'destroy';
export type DeploymentStatus = 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'interrupted';
export type ActionStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'skipped';

export interface DeploymentAction {
  action: ActionVerb;
  kind: ResourceKind;
  name: string;
  status: ActionStatus;
  durationMs: number | null;
  error: string | null;
}

export interface ExpectationResult {
  from: string;
  to: string;
  reachable: boolean;
  passed: boolean;
  // Why the outcome differs from the expectation (null when it passed).
  diagnosis: { code: string; message: string } | null;
}

export interface Deployment {
  id: string;
  template: string;
  revision: number | null;
  kind: DeploymentKind;
  status: DeploymentStatus;
  actions: DeploymentAction[];
  expectations: ExpectationResult[];
  // The name of the API key that started it.
  actor: string;
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

export interface DriftItem {
  kind: ResourceKind;
  name: string;
  reason: string;
}

export interface TemplateStatus {
  template: string;
  // Something of the template is on the engine (or a deployment succeeded and was not destroyed).
  deployed: boolean;
  // The revision of the last successful apply, null when never applied (or destroyed since).
  revision: number | null;
  inSync: boolean;
  drift: DriftItem[];
  // The template's current revision (null once deleted): newer than `revision` when a change is
  // stored but not applied yet (not drift: the plan shows it).
  latestRevision: number | null;
}
