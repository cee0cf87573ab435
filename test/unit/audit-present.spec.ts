import { HIDDEN_REFERENCE, present, scrubbed } from '../../src/audit/audit-query.service';

// An audit row as SQLite answers it, with the reader's flags when the reader is scoped.
const row = (flags: { in_scope?: number; own?: number } = {}) =>
  ({
    id: 7,
    at: '2026-11-30T00:00:00.000Z',
    request_id: 'r',
    actor: 'admin',
    transport: 'rest',
    action: 'network.connect',
    phase: 'outcome',
    operation_id: 'o',
    target_kind: 'container',
    target_name: 'b-secret-name',
    target_id: 'b-secret-id',
    input: JSON.stringify({ input: { ipv4Address: '10.0.0.77', aliases: ['b-secret-alias'] } }),
    outcome: 'failed',
    error_code: 'CONFLICT',
    duration_ms: 3,
    before: JSON.stringify({ id: 'c', networkMode: 'net-b-id', endpoints: [{ networkName: 'net-b' }] }),
    after: JSON.stringify({ id: 'c', networkMode: 'host' }),
    detail: 'has 2 attached container(s): b1, b2',
    prev_hash: 'p',
    hash: 'h',
    ...flags,
  }) as never;

describe('audit entries as a reader sees them', () => {
  it('shows an unscoped reader everything', () => {
    const entry = present(row());
    expect(entry.input).toEqual({ input: { ipv4Address: '10.0.0.77', aliases: ['b-secret-alias'] } });
    expect(entry.detail).toContain('b1');
    expect(entry.target).toEqual({ kind: 'container', name: 'b-secret-name', id: 'b-secret-id' });
    expect(entry.before).toEqual({ id: 'c', networkMode: 'net-b-id', endpoints: [{ networkName: 'net-b' }] });
  });

  it("shows a scoped reader no input or detail of another key's entry, and scrubbed snapshots", () => {
    const entry = present(row({ in_scope: 1, own: 0 }));
    expect(entry.input).toBeNull();
    expect(entry.detail).toBeNull();
    expect(entry.before).toEqual({ id: 'c', networkMode: HIDDEN_REFERENCE });
    expect(entry.after).toEqual({ id: 'c', networkMode: 'host' });
  });

  it('keeps what a scoped reader sent and was told in its own entries', () => {
    const entry = present(row({ in_scope: 1, own: 1 }));
    expect(entry.input).not.toBeNull();
    expect(entry.detail).not.toBeNull();
    expect(entry.before).toEqual({ id: 'c', networkMode: HIDDEN_REFERENCE });
  });

  it("hides the target of a scoped reader's own entry about something outside its scope", () => {
    const entry = present(row({ in_scope: 0, own: 1 }));
    expect(entry.target).toEqual({ kind: 'container', name: null, id: null });
    expect(entry.before).toBeNull();
    expect(entry.after).toBeNull();
    expect(entry.input).not.toBeNull();
  });

  it('scrubs network modes that name a network or a container, and endpoints', () => {
    for (const mode of ['bridge', 'host', 'none', 'default'])
      expect(scrubbed({ networkMode: mode })).toEqual({ networkMode: mode });
    expect(scrubbed({ networkMode: 'container:abc' })).toEqual({ networkMode: HIDDEN_REFERENCE });
    expect(scrubbed({ name: 'n', endpoints: [] })).toEqual({ name: 'n' });
    expect(scrubbed(null)).toBeNull();
  });
});
