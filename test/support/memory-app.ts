import { createRequire } from 'node:module';
import type request from 'supertest';
import type { TestApp } from './test-app';

// Helpers of the unit tier's tests that boot the real app on the in-memory engine.

export const IMAGE = 'switchyard/busybox:latest';

// better-sqlite3 ships no types; this is the little the tests use of it.
interface SqliteFile {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  close(): void;
}
type SqliteOpen = new (path: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteFile;
const Sqlite = createRequire(__filename)('better-sqlite3') as SqliteOpen;

export interface AuditRow {
  id: number;
  at: string;
  request_id: string;
  actor: string;
  transport: string;
  action: string;
  phase: string;
  operation_id: string;
  target_kind: string | null;
  target_name: string | null;
  target_id: string | null;
  input: string | null;
  outcome: string | null;
  error_code: string | null;
  before: string | null;
  after: string | null;
  detail: string | null;
}

// The audit log as the SQLite file holds it (another connection than the app's, read only).
export function auditRows(t: TestApp, where = '1 = 1', ...params: unknown[]): AuditRow[] {
  const db = new Sqlite(t.databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT * FROM audit_log WHERE ${where} ORDER BY id`).all(...params) as AuditRow[];
  } finally {
    db.close();
  }
}

// A new API key of that role (and scope), made through the API.
export async function createKey(
  t: TestApp,
  name: string,
  role: 'viewer' | 'operator' | 'admin',
  scope?: Record<string, string>,
): Promise<string> {
  const res = await t.http
    .post('/api/v1/api-keys')
    .send({ name, role, ...(scope ? { scope } : {}) })
    .expect(201);
  return (res.body as { key: string }).key;
}

// The codes of a GraphQL answer's errors.
export function gqlCodes(res: request.Response): string[] {
  return ((res.body as { errors?: Array<{ extensions?: { code?: string } }> }).errors ?? []).map(
    (e) => e.extensions?.code ?? '',
  );
}
