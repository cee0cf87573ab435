// The audit log at 1,000,000 entries: a filtered first page and a check of the whole chain,
// through the running service. The entries are seeded straight into SQLite with a valid chain.
// Usage: npm run build && npm run bench:audit   (needs a running engine for the service to start)
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { AUTH_HEADERS, httpGet, percentile, startService } from './lib.mjs';

const require = createRequire(import.meta.url);
const { entryHasher, sealFields, GENESIS_HASH } = require('../dist/audit/audit-hash.js');

const ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const IMAGE = process.env.TEST_IMAGE ?? 'switchyard/busybox:latest';
const ACTORS = 50;
const ACTIONS = [
  'network.create',
  'network.remove',
  'network.connect',
  'network.disconnect',
  'container.run',
  'container.stop',
  'container.start',
  'container.exec',
  'container.remove',
];

function seed(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const hash = entryHasher(undefined);
  const insert = db.prepare(
    `INSERT INTO audit_log (id, at, request_id, actor, transport, action, phase, operation_id, target_kind, target_name, target_id, input, outcome, error_code, duration_ms, before, after, detail, prev_hash, hash)
     VALUES (@id, @at, @requestId, @actor, @transport, @action, @phase, @operationId, @targetKind, @targetName, @targetId, @input, @outcome, @errorCode, @durationMs, @before, @after, @detail, @prevHash, @hash)`,
  );
  const start = Date.parse('2026-01-01T00:00:00Z');
  let prevHash = GENESIS_HASH;
  const fill = db.transaction(() => {
    for (let id = 1; id <= ENTRIES; id++) {
      const op = Math.floor((id + 1) / 2);
      const intent = id % 2 === 1;
      const fields = {
        id,
        at: new Date(start + id * 25_000).toISOString(),
        requestId: `req-${op}`,
        actor: `actor-${op % ACTORS}`,
        transport: op % 3 === 0 ? 'graphql' : 'rest',
        action: ACTIONS[op % ACTIONS.length],
        phase: intent ? 'intent' : 'outcome',
        operationId: `op-${op}`,
        targetKind: 'container',
        targetName: `box-${op % 5000}`,
        targetId: null,
        input: JSON.stringify({ ref: `box-${op % 5000}` }),
        outcome: intent ? null : op % 17 === 0 ? 'failed' : 'succeeded',
        errorCode: !intent && op % 17 === 0 ? 'ENGINE_CONFLICT' : null,
        durationMs: intent ? null : 40 + (op % 200),
        before: null,
        after: null,
        detail: null,
        prevHash,
      };
      const row = { ...fields, hash: hash(fields) };
      insert.run(row);
      prevHash = row.hash;
    }
    db.prepare('INSERT OR REPLACE INTO audit_anchor (id, next_id, hash, updated_at) VALUES (2, ?, ?, ?)').run(
      ENTRIES + 1,
      hash(sealFields(ENTRIES, prevHash)),
      new Date().toISOString(),
    );
  });
  fill();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function timed(port, path, runs) {
  const times = [];
  let body;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const res = await httpGet(port, path);
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.body.slice(0, 200)}`);
    body = JSON.parse(res.body);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p90: percentile(times, 90), body };
}

// What recording costs a change: an idempotent start (the engine answers at once) writes an
// intent and an outcome, each committed with fsync, and snapshots the container before and after.
async function mutationCost(port) {
  const base = `http://127.0.0.1:${port}/api/v1/containers`;
  const headers = { ...AUTH_HEADERS, 'content-type': 'application/json' };
  const name = `sybench-audit-${process.pid}`;
  const created = await fetch(base, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name, image: IMAGE, command: ['sleep', '600'] }),
  });
  if (created.status !== 201) throw new Error(`could not run the bench container: ${await created.text()}`);
  const measure = async (label, request) => {
    const times = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const res = await request();
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${label}: ${res.status}`);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(
      `  ${label.padEnd(40)} ${percentile(times, 50).toFixed(2)} ms / ${percentile(times, 90).toFixed(2)} ms`,
    );
  };
  try {
    await measure('read the container (not audited)', () => fetch(`${base}/${name}`, { headers }));
    await measure('start it again (audited, engine 304)', () =>
      fetch(`${base}/${name}/start`, { method: 'POST', headers }),
    );
  } finally {
    await fetch(`${base}/${name}?force=true`, { method: 'DELETE', headers });
  }
}

async function main() {
  // A first start creates the database with its migrations; the seed then fills it.
  const setup = await startService();
  const path = setup.databasePath;
  await setup.stop({ keepData: true });
  const seeded = performance.now();
  seed(path);
  console.log(`seeded ${ENTRIES} entries in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  const service = await startService({ DATABASE_PATH: path });
  console.log(`start with ${ENTRIES} entries to ready: ${service.readyMs.toFixed(0)} ms`);
  try {
    console.log(
      `audit log of ${ENTRIES} entries (first page of 50, 30 requests each, median / p90, request round trip included)`,
    );
    for (const [label, query] of [
      ['newest, no filter', ''],
      ['by actor', '&actor=actor-7'],
      ['by action and outcome', '&action=container.exec&outcome=failed'],
      ['by target', '&target=box-1234'],
      ['by time range', '&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z'],
    ]) {
      const r = await timed(service.port, `/api/v1/audit-logs?limit=50${query}`, 30);
      console.log(
        `  ${label.padEnd(24)} ${r.p50.toFixed(2)} ms / ${r.p90.toFixed(2)} ms   (${r.body.items.length} items)`,
      );
    }
    const started = performance.now();
    const verify = await httpGet(service.port, '/api/v1/audit-logs/verify');
    const body = JSON.parse(verify.body);
    console.log(
      `  verify the whole chain   ${((performance.now() - started) / 1000).toFixed(2)} s   (ok ${body.ok}, checked ${body.checked})`,
    );
    console.log('one request at a time, 100 each (median / p90):');
    await mutationCost(service.port);
  } finally {
    await service.stop();
    await setup.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
