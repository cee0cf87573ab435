import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import type request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { HASH_LABEL, REVISION_LABEL, TEMPLATE_LABEL } from '../../src/common/labels';
import type { Deployment, TemplateDocument } from '../../src/templates/template.types';
import { cleanupEngine, docker } from './engine';
import { sleep, waitFor } from './wait';

// What the templates' end-to-end scenarios share: the REST calls of issue #11's interface, the
// engine seen through the template labels, the engine's event stream, and the SQLite file read
// directly (deployments, revisions, audit), so that every scenario asserts real state.

export { HASH_LABEL, REVISION_LABEL, TEMPLATE_LABEL };

// ---------------------------------------------------------------------------------------------
// REST

// The template calls of one key (supertest agent with its Authorization header).
export function templatesApi(agent: TestAgent) {
  const base = '/api/v1/templates';
  const at = (name: string) => `${base}/${encodeURIComponent(name)}`;
  return {
    create: (document: unknown) => agent.post(base).send(document as object),
    createYaml: (text: string) => agent.post(base).set('content-type', 'application/yaml').send(text),
    list: (query: Record<string, string | number> = {}) => agent.get(base).query(query),
    get: (name: string, revision?: number) =>
      agent.get(at(name)).query(revision === undefined ? {} : { revision }),
    replace: (name: string, document: unknown) => agent.put(at(name)).send(document as object),
    remove: (name: string) => agent.delete(at(name)),
    revisions: (name: string) => agent.get(`${at(name)}/revisions`),
    diff: (name: string, from: number, to: number) => agent.get(`${at(name)}/diff`).query({ from, to }),
    plan: (name: string, body: { revision?: number } = {}) => agent.post(`${at(name)}/plan`).send(body),
    apply: (name: string, body: { revision?: number; wait?: boolean } = {}) =>
      agent.post(`${at(name)}/apply`).send(body),
    status: (name: string) => agent.get(`${at(name)}/status`),
    destroy: (name: string, body: { wait?: boolean } = {}) => agent.post(`${at(name)}/destroy`).send(body),
    deployments: (name: string) => agent.get(`${at(name)}/deployments`),
    deployment: (id: string) => agent.get(`/api/v1/deployments/${encodeURIComponent(id)}`),
    importCompose: (name: string, compose: string) =>
      agent.post(`${base}/import`).query({ name }).set('content-type', 'application/yaml').send(compose),
    exportCompose: (name: string, revision?: number) =>
      agent
        .get(`${at(name)}/export`)
        .query({ format: 'compose', ...(revision === undefined ? {} : { revision }) })
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => done(null, text));
        }),
  };
}

export type TemplatesApi = ReturnType<typeof templatesApi>;

// Shows the whole answer when a status is not the expected one: a failing scenario says why.
export function expectStatus(res: request.Response, status: number): request.Response {
  if (res.status !== status) {
    const req = (res as unknown as { req?: { method?: string; path?: string } }).req;
    throw new Error(
      `expected ${status}, got ${res.status} for ${req?.method ?? ''} ${req?.path ?? ''}: ${JSON.stringify(res.body)}`,
    );
  }
  return res;
}

// A deployment as both transports present it.
export type DeploymentBody = Deployment;

// Polls a deployment until it is no longer running.
export function finished(api: TemplatesApi, id: string, timeoutMs = 90_000): Promise<DeploymentBody> {
  return waitFor(
    async () => {
      const res = expectStatus(await api.deployment(id), 200);
      const body = res.body as DeploymentBody;
      return body.status === 'running' ? null : body;
    },
    { what: `deployment ${id} to finish`, timeoutMs, intervalMs: 100 },
  );
}

// ---------------------------------------------------------------------------------------------
// The engine, through the template labels

export interface Owned {
  containers: Docker.ContainerInfo[];
  networks: Docker.NetworkInspectInfo[];
}

// Everything on the engine that carries the template's label.
export async function ownedBy(template: string): Promise<Owned> {
  const label = [`${TEMPLATE_LABEL}=${template}`];
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: { label } }),
    docker.listNetworks({ filters: { label } }),
  ]);
  return { containers, networks };
}

export const containerName = (c: Docker.ContainerInfo) => c.Names[0].replace(/^\//, '');

// Names and ids of what a template owns, sorted by name: two snapshots compare with toEqual.
export async function snapshot(template: string): Promise<{ containers: string[]; networks: string[] }> {
  const owned = await ownedBy(template);
  return {
    containers: owned.containers.map((c) => `${containerName(c)}=${c.Id}`).sort(),
    networks: owned.networks.map((n) => `${n.Name}=${n.Id}`).sort(),
  };
}

// Removes what a scenario left: everything labelled with a template of the file (its name starts
// with `prefix`), and everything named with the prefix.
export async function cleanupTemplates(prefix: string): Promise<void> {
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [TEMPLATE_LABEL] } }),
    docker.listNetworks({ filters: { label: [TEMPLATE_LABEL] } }),
  ]);
  const ours = (labels: Record<string, string> | undefined) => labels?.[TEMPLATE_LABEL]?.startsWith(prefix);
  await Promise.all(
    containers
      .filter((c) => ours(c.Labels))
      .map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
  );
  await Promise.all(
    networks
      .filter((n) => ours(n.Labels))
      .map((n) =>
        docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined),
      ),
  );
  await cleanupEngine(prefix);
}

// ---------------------------------------------------------------------------------------------
// The engine's event stream

export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

// Actions that change a container or a network (exec_* and health events are not writes).
export const WRITE_ACTIONS = new Set([
  'create',
  'destroy',
  'start',
  'stop',
  'kill',
  'die',
  'restart',
  'rename',
  'update',
  'pause',
  'unpause',
  'connect',
  'disconnect',
  'remove',
]);

// The engine's events between two instants (ms since the epoch), as the engine recorded them.
export async function engineEvents(sinceMs: number, untilMs: number): Promise<EngineEvent[]> {
  const stream = await docker.getEvents({ since: sinceMs / 1000, until: untilMs / 1000 });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EngineEvent);
}

// The write events of a window that concern the given names or ids (the engines are shared: other
// files' events are in the stream too). Waits a little first: the engine logs an event just after
// it answers.
export async function writesTouching(
  sinceMs: number,
  untilMs: number,
  namesAndIds: string[],
): Promise<EngineEvent[]> {
  await sleep(300);
  const wanted = new Set(namesAndIds);
  const events = await engineEvents(sinceMs, untilMs);
  return events.filter(
    (e) =>
      (e.Type === 'container' || e.Type === 'network') &&
      WRITE_ACTIONS.has(e.Action) &&
      (wanted.has(e.Actor.ID) ||
        wanted.has(e.Actor.Attributes.name) ||
        wanted.has(e.Actor.Attributes.container)),
  );
}

// ---------------------------------------------------------------------------------------------
// The database, read directly (another connection than the service's, read only)

interface SqliteFile {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  close(): void;
}
type SqliteOpen = new (path: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteFile;
const Sqlite = createRequire(__filename)('better-sqlite3') as SqliteOpen;

export function dbRows<T>(databasePath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Sqlite(databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export interface DeploymentRow {
  id: string;
  template: string;
  revision: number | null;
  kind: string;
  status: string;
  actions_json: string;
  expectations_json: string;
  actor: string;
  error_json: string | null;
  finished_at: string | null;
}

export const deploymentRow = (databasePath: string, id: string): DeploymentRow | undefined =>
  dbRows<DeploymentRow>(databasePath, 'SELECT * FROM deployments WHERE id = ?', id)[0];

export const deploymentRows = (databasePath: string, template: string): DeploymentRow[] =>
  dbRows<DeploymentRow>(
    databasePath,
    'SELECT * FROM deployments WHERE template = ? ORDER BY started_at',
    template,
  );

export interface RevisionRow {
  template: string;
  revision: number;
  document_json: string;
  actor: string;
}

export const revisionRows = (databasePath: string, template: string): RevisionRow[] =>
  dbRows<RevisionRow>(
    databasePath,
    'SELECT template, revision, document_json, actor FROM template_revisions WHERE template = ? ORDER BY revision',
    template,
  );

export interface AuditRecord {
  action: string;
  phase: string;
  actor: string;
  transport: string;
  outcome: string | null;
  error_code: string | null;
  target_kind: string | null;
  target_name: string | null;
  input: string | null;
}

// The audit entries of one action, oldest first.
export const auditOf = (databasePath: string, action: string): AuditRecord[] =>
  dbRows<AuditRecord>(
    databasePath,
    'SELECT action, phase, actor, transport, outcome, error_code, target_kind, target_name, input FROM audit_log WHERE action = ? ORDER BY id',
    action,
  );

// The audit entries of one action about a template (its name as the target or in the input).
export const auditAbout = (databasePath: string, action: string, template: string): AuditRecord[] =>
  auditOf(databasePath, action).filter(
    (e) => e.target_name === template || (e.input ?? '').includes(JSON.stringify(template)),
  );

// ---------------------------------------------------------------------------------------------
// Documents

// The document without its name: what a round trip or a copy must keep.
export function withoutName(document: TemplateDocument): Omit<TemplateDocument, 'name'> {
  const { name, ...rest } = document;
  void name;
  return rest;
}
