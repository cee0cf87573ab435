import { createHash, createHmac } from 'node:crypto';

// The chain starts from this value, or from the anchor left by retention.
export const GENESIS_HASH = '0'.repeat(64);

// The fields an entry's hash covers, in a fixed order, exactly as stored.
export interface HashedFields {
  id: number;
  at: string;
  requestId: string;
  actor: string;
  transport: string;
  action: string;
  phase: string;
  operationId: string;
  targetKind: string | null;
  targetName: string | null;
  targetId: string | null;
  input: string | null;
  outcome: string | null;
  errorCode: string | null;
  durationMs: number | null;
  before: string | null;
  after: string | null;
  detail: string | null;
  prevHash: string;
}

export function canonical(e: HashedFields): string {
  return JSON.stringify([
    e.id,
    e.at,
    e.requestId,
    e.actor,
    e.transport,
    e.action,
    e.phase,
    e.operationId,
    e.targetKind,
    e.targetName,
    e.targetId,
    e.input,
    e.outcome,
    e.errorCode,
    e.durationMs,
    e.before,
    e.after,
    e.detail,
    e.prevHash,
  ]);
}

// SHA-256 of the entry, or an HMAC with AUDIT_HMAC_KEY when one is set (then whoever edits the
// database cannot recompute the chain without the key).
export function entryHasher(hmacKey?: string): (e: HashedFields) => string {
  return hmacKey
    ? (e) => createHmac('sha256', hmacKey).update(canonical(e)).digest('hex')
    : (e) => createHash('sha256').update(canonical(e)).digest('hex');
}

// What the head seal hashes: the last entry's id and hash, in the shape of an entry.
export function sealFields(lastId: number, lastHash: string): HashedFields {
  return {
    id: lastId,
    at: '',
    requestId: '',
    actor: '',
    transport: '',
    action: 'audit.head',
    phase: 'head',
    operationId: '',
    targetKind: null,
    targetName: null,
    targetId: null,
    input: null,
    outcome: null,
    errorCode: null,
    durationMs: null,
    before: null,
    after: null,
    detail: null,
    prevHash: lastHash,
  };
}
