import { execFileSync } from 'node:child_process';

// What the audit API answers, and the helpers the audit tests share.
export interface Entry {
  id: number;
  phase: string;
  action: string;
  actor: string;
  transport: string;
  outcome: string | null;
  errorCode: string | null;
  operationId: string;
  requestId: string;
  target: { kind: string | null; name: string | null; id: string | null };
  input: Record<string, unknown> | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  detail: string | null;
  durationMs: number | null;
}

export interface Page {
  items: Entry[];
  nextCursor: string | null;
}

export const sqlite = (database: string, sql: string) =>
  execFileSync('sqlite3', [database], { input: sql, encoding: 'utf8' });

// The records of a CSV text; quoted cells may hold commas, quotes and line breaks.
export function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted) {
      cell += c;
    } else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\n') {
      records.push([...record, cell]);
      record = [];
      cell = '';
    } else {
      cell += c;
    }
  }
  return records;
}
