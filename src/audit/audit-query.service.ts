import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { type CursorQuery, PageCursors } from '../common/paging/page-cursor';
import { ANCHOR_ROW, AuditWriter, HEAD_ROW } from './audit-writer';
import { GENESIS_HASH, type HashedFields } from './audit-hash';
import type { AuditFilterInput } from './dto/audit-filter.input';
import type { AuditEntryModel, AuditVerificationModel } from './models/audit-entry.model';

interface Row {
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
  duration_ms: number | null;
  before: string | null;
  after: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
  // Set for a scoped reader only: 1 when the entry's target carried the reader's scope, 0 when
  // it did not (then the entry is the reader's own); 1 when the reader's key wrote the entry.
  in_scope?: number;
  own?: number;
}

export interface AuditPage {
  items: AuditEntryModel[];
  nextCursor: string | null;
  // The cursor that continues after an entry of this page (GraphQL's edge cursors).
  cursorOf?: (id: number) => string;
}

// The filters a cursor carries: a history's target among them, so that a cursor of one
// resource's history never continues another's.
function cursorQueryOf(filter: Filter): CursorQuery {
  const { targetOf, ...rest } = filter;
  return {
    ...rest,
    targetOf: targetOf ? `${targetOf.kind}:${targetOf.id ?? ''}:${targetOf.name ?? ''}` : undefined,
  };
}

const isEntryId = (value: unknown): value is number => Number.isSafeInteger(value);

// A resource's history: the entries of the operations on it (by its id), or by name once it
// is gone and no entry knows its id.
export interface TargetFilter {
  kind: string;
  id?: string;
  name?: string;
}

// Who reads: a scoped key sees the entries whose target carried its scope's labels when they
// were written, and its own entries (those whose target is outside its scope without the
// target's id and snapshots). An unscoped key sees everything.
export interface AuditReader {
  keyId: string;
  scope: Record<string, string>;
}

export const readerOf = (actor: { keyId: string; scope: Record<string, string> }): AuditReader => ({
  keyId: actor.keyId,
  scope: actor.scope,
});

type Filter = AuditFilterInput & { targetOf?: TargetFilter };

const DEFAULT_PAGE = 50;
const EXPORT_CHUNK = 1000;
const VERIFY_CHUNK = 5000;

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

function fieldsOf(row: Row): HashedFields {
  return {
    id: row.id,
    at: row.at,
    requestId: row.request_id,
    actor: row.actor,
    transport: row.transport,
    action: row.action,
    phase: row.phase,
    operationId: row.operation_id,
    targetKind: row.target_kind,
    targetName: row.target_name,
    targetId: row.target_id,
    input: row.input,
    outcome: row.outcome,
    errorCode: row.error_code,
    durationMs: row.duration_ms,
    before: row.before,
    after: row.after,
    detail: row.detail,
    prevHash: row.prev_hash,
  };
}

// As a reader may see it. An unscoped reader sees every entry whole. A scoped reader never
// learns through the log what lies outside its scope:
// - entries of other keys (about targets of its scope) show no input and no detail: other
//   callers' arguments and the engine's words may name anything (addresses, aliases, other
//   scopes' containers);
// - its own entries about a target outside its scope (refused, not found, or not created) show
//   no target name or id and no snapshots: only what the key itself sent and was told, so that
//   such an entry reads the same whether the reference named something or nothing;
// - snapshots lose every part that can name another resource (see scrubbed).
export function present(row: Row): AuditEntryModel {
  const entry = presentAll(row);
  if (row.in_scope === undefined) return entry;
  if (row.in_scope === 0)
    return { ...entry, target: { ...entry.target, name: null, id: null }, before: null, after: null };
  const snapshots = { before: scrubbed(entry.before), after: scrubbed(entry.after) };
  if (row.own === 1) return { ...entry, ...snapshots };
  return { ...entry, ...snapshots, input: null, detail: null };
}

// Network modes that name no other resource; any other mode names a network (by name or id)
// or a container ("container:<id>").
const PLAIN_MODES = new Set(['bridge', 'host', 'none', 'default']);
// What a scoped reader reads in a snapshot instead of a reference to another resource.
export const HIDDEN_REFERENCE = '(hidden)';

// A snapshot without the parts that name other resources: the endpoints (the containers on a
// network, the networks of a container) and a container's network mode when it names a network
// or a container.
export function scrubbed(snapshot: unknown): unknown {
  if (!snapshot || typeof snapshot !== 'object' || Array.isArray(snapshot)) return snapshot;
  const { endpoints: _endpoints, ...rest } = snapshot as Record<string, unknown>;
  if (typeof rest.networkMode === 'string' && !PLAIN_MODES.has(rest.networkMode))
    rest.networkMode = HIDDEN_REFERENCE;
  return rest;
}

function presentAll(row: Row): AuditEntryModel {
  return {
    id: row.id,
    at: new Date(row.at),
    requestId: row.request_id,
    actor: row.actor,
    transport: row.transport,
    action: row.action,
    phase: row.phase,
    operationId: row.operation_id,
    target: { kind: row.target_kind, name: row.target_name, id: row.target_id },
    input: parse(row.input),
    outcome: row.outcome,
    errorCode: row.error_code,
    durationMs: row.duration_ms,
    before: parse(row.before),
    after: parse(row.after),
    detail: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

// Reading the audit log: filtered pages newest first, exports, per-resource history, and the
// check of the whole chain.
@Injectable()
export class AuditQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: AuditWriter,
    private readonly cursors: PageCursors,
  ) {}

  async list(
    filter: Filter,
    page: { limit?: number; cursor?: string; cursorField?: string },
    reader?: AuditReader,
  ): Promise<AuditPage> {
    // A cursor alone continues its own listing: its filters and page size.
    const list = filter.targetOf ? `history:${filter.targetOf.kind}` : 'audit-logs';
    let given = page.limit ?? undefined;
    let after: number | null = null;
    // An empty cursor is a cursor too (and refused): never the first page.
    if (page.cursor !== undefined && page.cursor !== null) {
      const cursor = this.cursors.decode(
        list,
        page.cursor,
        cursorQueryOf(filter),
        isEntryId,
        page.cursorField,
        filter.targetOf ? { keys: ['targetOf'], other: "a cursor of another resource's history" } : undefined,
      );
      if (!filter.targetOf) filter = cursor.query;
      given ??= cursor.limit;
      after = cursor.position;
    }
    const limit = given ?? DEFAULT_PAGE;
    const { select, where, params } = this.where(filter, reader);
    if (after !== null) {
      where.push('id < ?');
      params.push(after);
    }
    const rows = await this.dataSource.query<Row[]>(
      `SELECT ${select.sql} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...select.params, ...params, limit + 1],
    );
    const items = rows.slice(0, limit).map(present);
    const query = cursorQueryOf(filter);
    const cursorOf = (id: number) => this.cursors.encode(list, query, given, id);
    return { items, nextCursor: rows.length > limit ? cursorOf(items[items.length - 1].id) : null, cursorOf };
  }

  // Every entry in the range, oldest first, as NDJSON or CSV lines, read a chunk at a time.
  async *export(
    filter: AuditFilterInput,
    format: 'ndjson' | 'csv',
    reader?: AuditReader,
  ): AsyncGenerator<string> {
    const { select, where, params } = this.where(filter, reader);
    if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
    let after = 0;
    for (;;) {
      const rows = await this.dataSource.query<Row[]>(
        `SELECT ${select.sql} FROM audit_log WHERE ${[...where, 'id > ?'].join(' AND ')} ORDER BY id ASC LIMIT ?`,
        [...select.params, ...params, after, EXPORT_CHUNK],
      );
      if (rows.length === 0) return;
      for (const row of rows) {
        const entry = present(row);
        yield format === 'ndjson' ? `${JSON.stringify(entry)}\n` : `${csvLine(entry)}\n`;
      }
      after = rows[rows.length - 1].id;
    }
  }

  // Walks the chain from its anchor to its sealed head and names the first entry that does not
  // hold: altered (its hash), removed (a gap in the ids or a short head), or moved (its link).
  async verify(): Promise<AuditVerificationModel> {
    const anchors = await this.dataSource.query<
      Array<{
        id: number;
        next_id: number;
        hash: string;
      }>
    >('SELECT id, next_id, hash FROM audit_anchor');
    const anchor = anchors.find((a) => a.id === ANCHOR_ROW);
    const head = anchors.find((a) => a.id === HEAD_ROW);
    let expectedId = anchor?.next_id ?? 1;
    let expectedPrev = anchor?.hash ?? GENESIS_HASH;
    // Entries appended while this runs are past the head read here and are left for next time.
    const end = head ? head.next_id : Number.MAX_SAFE_INTEGER;
    let checked = 0;
    const bad = (id: number, reason: string): AuditVerificationModel => ({
      ok: false,
      checked,
      firstBadId: id,
      reason,
    });
    for (;;) {
      const rows = await this.dataSource.query<Row[]>(
        'SELECT * FROM audit_log WHERE id >= ? AND id < ? ORDER BY id ASC LIMIT ?',
        [expectedId, end, VERIFY_CHUNK],
      );
      for (const row of rows) {
        if (row.id !== expectedId) return bad(expectedId, `entry ${expectedId} is missing`);
        if (row.prev_hash !== expectedPrev)
          return bad(row.id, `entry ${row.id} does not link to the entry before it`);
        if (this.writer.entryHash(fieldsOf(row)) !== row.hash)
          return bad(row.id, `entry ${row.id} was altered`);
        expectedPrev = row.hash;
        expectedId++;
        checked++;
      }
      if (rows.length < VERIFY_CHUNK) break;
      // Thousands of hashes at a time, then let requests run.
      await yieldToLoop();
    }
    if (head) {
      if (expectedId !== head.next_id)
        return bad(expectedId, `entries from ${expectedId} on are missing (the log ends early)`);
      if (this.writer.headSeal(expectedId - 1, expectedPrev) !== head.hash)
        return bad(expectedId - 1, 'the seal of the last entry does not match');
    } else if (checked > 0) {
      return bad(expectedId - 1, 'the seal of the last entry is missing');
    }
    return { ok: true, checked, firstBadId: null, reason: null };
  }

  // The id of the last resource a name (or id) denoted, from the entries that know it.
  async lastIdOf(kind: string, ref: string): Promise<string | null> {
    const [row] = await this.dataSource.query<Array<{ target_id: string }>>(
      `SELECT target_id FROM audit_log WHERE target_kind = ? AND (target_name = ? OR target_id = ?)
         AND target_id IS NOT NULL ORDER BY id DESC LIMIT 1`,
      [kind, ref, ref],
    );
    return row?.target_id ?? null;
  }

  private where(
    filter: Filter,
    reader?: AuditReader,
  ): { select: { sql: string; params: unknown[] }; where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (filter.actor) add('actor = ?', filter.actor);
    if (filter.action) add('action = ?', filter.action);
    if (filter.outcome) add('outcome = ?', filter.outcome);
    if (filter.from) add('at >= ?', new Date(filter.from).toISOString());
    if (filter.to) add('at < ?', new Date(filter.to).toISOString());
    const t = filter.targetOf;
    if (t?.id) {
      // Tied to the resource's identity: entries that name its id, and the other entries of
      // those operations (the intent of a create knows only the name it asked for).
      add(
        'target_kind = ? AND (target_id = ? OR operation_id IN (SELECT operation_id FROM audit_log WHERE target_id = ?))',
        t.kind,
        t.id,
        t.id,
      );
    } else if (t) {
      add('target_kind = ? AND target_name = ?', t.kind, t.name ?? '');
    }
    const scoped = reader && Object.keys(reader.scope).length > 0 ? scopeMatch(reader.scope) : null;
    if (!scoped || !reader) {
      if (filter.target) add('(target_name = ? OR target_id = ?)', filter.target, filter.target);
      return { select: { sql: '*', params: [] }, where, params };
    }
    add(`(actor_key_id = ? OR ${scoped.sql})`, reader.keyId, ...scoped.params);
    // A scoped reader finds by target only the entries whose target it may see: its own entries
    // about other targets keep the resolved name and id, which it must not be able to probe.
    if (filter.target)
      add(
        `(${scoped.sql} AND (target_name = ? OR target_id = ?))`,
        ...scoped.params,
        filter.target,
        filter.target,
      );
    return {
      select: {
        sql: `*, CASE WHEN ${scoped.sql} THEN 1 ELSE 0 END AS in_scope, CASE WHEN actor_key_id = ? THEN 1 ELSE 0 END AS own`,
        params: [...scoped.params, reader.keyId],
      },
      where,
      params,
    };
  }
}

// An entry's target carried every label of the scope when the entry was written. A label name
// that cannot be written as a JSON path matches nothing (fail closed).
function scopeMatch(scope: Record<string, string>): { sql: string; params: unknown[] } {
  const clauses: string[] = ['target_labels IS NOT NULL'];
  const params: unknown[] = [];
  for (const [key, value] of Object.entries(scope)) {
    if (/["\\]/.test(key)) return { sql: '0', params: [] };
    clauses.push('json_extract(target_labels, ?) = ?');
    params.push(`$."${key}"`, value);
  }
  return { sql: `(${clauses.join(' AND ')})`, params };
}

const CSV_COLUMNS = [
  'id',
  'at',
  'requestId',
  'actor',
  'transport',
  'action',
  'phase',
  'operationId',
  'targetKind',
  'targetName',
  'targetId',
  'outcome',
  'errorCode',
  'durationMs',
  'detail',
  'input',
  'before',
  'after',
  'prevHash',
  'hash',
];

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = `${value as string | number | boolean}`;
  // A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return) as a formula.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(e: AuditEntryModel): string {
  return [
    e.id,
    e.at,
    e.requestId,
    e.actor,
    e.transport,
    e.action,
    e.phase,
    e.operationId,
    e.target.kind,
    e.target.name,
    e.target.id,
    e.outcome,
    e.errorCode,
    e.durationMs,
    e.detail,
    e.input,
    e.before,
    e.after,
    e.prevHash,
    e.hash,
  ]
    .map(csvCell)
    .join(',');
}
