import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';
import type { OperationContext } from '../common/operation-context';
import { AuditSnapshots, isSnapshotKind, type Snapshot } from './audit-snapshots';
import { AuditWriter, type NewAuditEntry } from './audit-writer';
import { isRefusal, successDetail } from './audit-wording';
import { json, targetRef, type AuditedCall, type AuditSpec } from './audit.types';
import { Redactor } from './redact';

// Starts the audited operations: one per mutation, on either transport.
@Injectable()
export class OperationLifecycle {
  constructor(
    private readonly writer: AuditWriter,
    private readonly snapshots: AuditSnapshots,
    private readonly redactor: Redactor,
  ) {}

  begin(spec: AuditSpec, call: AuditedCall): AuditedOperation {
    return new AuditedOperation(spec, call, this.writer, this.snapshots, this.redactor);
  }
}

// One audited call: its intent is written the first time the engine is about to change, and its
// outcome when the call ends, before the answer leaves. A refusal before any change is not an
// outcome of this operation: the transport's refusal recorder writes it (once).
export class AuditedOperation implements OperationContext {
  readonly operationId = randomUUID();
  private readonly started = performance.now();
  private intent: Promise<void> | null = null;
  // The target as it was before the change: kept as "before" when the spec asks for snapshots,
  // and always for its identity (id and labels) so that the entries are tied to the resource.
  private target: Snapshot | null = null;
  // Facts the outcome's detail adds (e.g. an admin key going beyond a rule other keys keep).
  private readonly notes: string[] = [];

  constructor(
    private readonly spec: AuditSpec,
    private readonly call: AuditedCall,
    private readonly writer: AuditWriter,
    private readonly snapshots: AuditSnapshots,
    private readonly redactor: Redactor,
  ) {}

  get changed(): boolean {
    return this.intent !== null;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  beforeChange(): Promise<void> {
    this.intent ??= this.writeIntent();
    return this.intent;
  }

  async succeeded(result: unknown): Promise<void> {
    const createdId = this.createdRef(result);
    const after = await this.snapshotAfter(createdId);
    await this.writer.append(
      this.entry('outcome', 'succeeded', null, after, this.noted(successDetail(this.spec.action, result))),
    );
  }

  // Returns false for a refusal before any change: that one is the refusal recorder's to write.
  async failed(error: unknown): Promise<boolean> {
    if (!this.changed && isRefusal(error)) return false;
    const code = error instanceof DomainError ? error.code : 'INTERNAL_ERROR';
    let after: Snapshot | null = null;
    if (this.changed) after = await this.snapshotAfter(null);
    else await this.identifyTarget(false);
    const message = error instanceof Error ? error.message : String(error);
    await this.writer.append(this.entry('outcome', 'failed', code, after, this.noted(message)));
    return true;
  }

  // What the result names as created: an engine resource's id, or a template's name (the template
  // itself, or the one an import stored).
  private createdRef(result: unknown): string | null {
    if (!result || typeof result !== 'object') return null;
    const r = result as { id?: unknown; name?: unknown; template?: { name?: unknown } };
    if (this.spec.target?.kind !== 'template') return typeof r.id === 'string' ? r.id : null;
    const name = r.template && typeof r.template === 'object' ? r.template.name : r.name;
    return typeof name === 'string' ? name : null;
  }

  private noted(detail: string | null): string | null {
    return [detail, ...this.notes].filter(Boolean).join(' ') || null;
  }

  private get ref(): string | undefined {
    return targetRef(this.call, this.spec.target);
  }

  private get before(): Snapshot | null {
    return this.spec.snapshots && this.changed ? this.target : null;
  }

  // Before a change, the snapshot must be read (an engine that cannot answer fails the change);
  // for an outcome without a change, the identity is best effort.
  private async identifyTarget(beforeChange: boolean): Promise<void> {
    const kind = this.spec.target?.kind;
    const ref = this.ref;
    if (this.target || !ref || !isSnapshotKind(kind)) return;
    this.target =
      beforeChange && this.spec.snapshots
        ? await this.snapshots.take(kind, ref)
        : await this.snapshots.identify(kind, ref);
  }

  private async writeIntent(): Promise<void> {
    await this.identifyTarget(true);
    await this.writer.append(this.entry('intent', null, null, null, null));
  }

  private async snapshotAfter(createdId: string | null): Promise<Snapshot | null> {
    const kind = this.spec.target?.kind;
    if (!isSnapshotKind(kind)) return null;
    // A template's id is its name: the call names it even when the change answers nothing.
    const ref = createdId ?? this.target?.id ?? (kind === 'template' ? this.ref : undefined);
    if (!ref) return null;
    // Without snapshots only what was created is looked up, for its identity.
    if (!this.spec.snapshots) return createdId ? this.snapshots.identify(kind, createdId) : null;
    return this.snapshots.take(kind, ref);
  }

  private entry(
    phase: string,
    outcome: string | null,
    errorCode: string | null,
    after: Snapshot | null,
    detail: string | null,
  ): NewAuditEntry {
    const known = after ?? this.target;
    return {
      at: new Date().toISOString(),
      requestId: this.call.requestId,
      actor: this.call.actor,
      transport: this.call.transport,
      action: this.spec.action,
      phase,
      operationId: this.operationId,
      targetKind: this.spec.target?.kind ?? null,
      targetName: known?.name ?? this.ref ?? null,
      targetId: known?.id ?? null,
      input: json(this.redactor.value(this.call.data)),
      outcome,
      errorCode,
      durationMs: phase === 'intent' ? null : Math.round(performance.now() - this.started),
      before: json(this.redactor.value(this.before?.state)),
      after: phase === 'intent' || !this.spec.snapshots ? null : json(this.redactor.value(after?.state)),
      detail,
      actorKeyId: this.call.actorKeyId ?? null,
      targetLabels: json(known?.labels),
    };
  }
}
