import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain-error';
import { ERROR_CATALOG, type ErrorCode } from '../common/errors/error-codes';
import { describeGraphqlError } from '../common/graphql/format-error';
import { isGraphqlPath } from '../common/http/problem.filter';
import { OPERATION_LABEL, type OperationContext } from '../common/operation-context';
import { AppConfig } from '../config/app-config';
import { WriteQueue } from '../database/write-queue';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { AuditAnchorEntity } from './audit-anchor.entity';
import { ANCHOR_ROW, AuditWriter, CHECKPOINT_ROW, type NewAuditEntry } from './audit-writer';
import { redact } from './redact';
import { AuditSnapshots, type Snapshot } from './audit-snapshots';
import { callOfRequest, dataOfHttp, routeOf } from './describe-call';

export type Transport = 'rest' | 'graphql';
export type TargetKind = 'network' | 'container' | 'apiKey';

// What an audited handler declares: its action name, where its target's reference is found
// among the call's arguments (first present path wins), and whether to snapshot the target.
export interface AuditSpec {
  action: string;
  target?: { kind: TargetKind; refs: string[] };
  snapshots?: boolean;
}

export interface AuditedCall {
  transport: Transport;
  requestId: string;
  // The API key's name, or the client address when no key is involved.
  actor: string;
  // Arguments by name: path parameters and query on REST, with the body as `input`; GraphQL args.
  data: Record<string, unknown>;
}

// Refusals: the request never ran.
const DENIED = new Set([
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'POLICY_VIOLATION',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'URI_TOO_LONG',
  'QUERY_TOO_COMPLEX',
  'QUERY_NOT_ALLOWED',
]);

export function isRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError && DENIED.has(error.code);
}

// GraphQL's own refusals of a document, before any resolver.
const DOCUMENT_REFUSALS = new Set(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

const RETENTION_SWEEP_MS = 60 * 60 * 1000;

function pick(data: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      data,
    );
}

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

// Records every change before it reaches the engine and how it ended, and every refused request.
@Injectable()
export class AuditService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditService.name);
  private sweeper: NodeJS.Timeout | undefined;
  // Errors already written as an outcome, so that the transports' error paths do not write them again.
  private readonly recorded = new WeakSet<object>();

  constructor(
    private readonly writer: AuditWriter,
    private readonly snapshots: AuditSnapshots,
    private readonly writes: WriteQueue,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recoverInterrupted();
    if (this.config.AUDIT_RETENTION_DAYS > 0) {
      await this.applyRetention();
      this.sweeper = setInterval(() => void this.applyRetention(), RETENTION_SWEEP_MS);
      this.sweeper.unref();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  begin(spec: AuditSpec, call: AuditedCall): AuditedOperation {
    return new AuditedOperation(spec, call, this.writer, this.snapshots, this.recorded);
  }

  wasRecorded(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.recorded.has(error);
  }

  // A request refused before it ran: one outcome entry, no intent.
  async refused(
    call: AuditedCall,
    action: string,
    error: DomainError,
    target?: AuditSpec['target'],
  ): Promise<void> {
    if (this.wasRecorded(error)) return;
    this.recorded.add(error);
    const ref = target?.refs
      .map((path) => pick(call.data, path))
      .find((v): v is string => typeof v === 'string');
    await this.writer.append({
      at: new Date().toISOString(),
      requestId: call.requestId,
      actor: call.actor,
      transport: call.transport,
      action,
      phase: 'outcome',
      operationId: randomUUID(),
      targetKind: target?.kind ?? null,
      targetName: ref ?? null,
      targetId: null,
      input: json(redact(call.data)),
      outcome: 'denied',
      errorCode: error.code,
      durationMs: 0,
      before: null,
      after: null,
      detail: error.message,
    });
  }

  // REST refusals that reached the exception filter without being recorded on their way.
  async recordRestRefusal(request: FastifyRequest, error: DomainError): Promise<void> {
    if (!isRefusal(error) || this.wasRecorded(error)) return;
    const transport = isGraphqlPath(request.url) ? 'graphql' : 'rest';
    await this.refused(callOfRequest(request, dataOfHttp(request), transport), routeOf(request), error);
  }

  // GraphQL requests refused as a whole (the document is invalid, too complex or not on the
  // safelist): nothing ran, so no interceptor saw them.
  graphqlRefusalPlugin(): ApolloServerPlugin<{ req?: FastifyRequest }> {
    return {
      requestDidStart: () =>
        Promise.resolve({
          didEncounterErrors: async ({ errors, contextValue, request }) => {
            for (const error of errors) {
              const original = (error.originalError ?? error) as object;
              if (this.wasRecorded(original)) continue;
              const code = describeGraphqlError(
                { message: error.message, extensions: error.extensions },
                error,
              ).extensions?.code;
              if (typeof code !== 'string' || !(DENIED.has(code) || DOCUMENT_REFUSALS.has(code))) continue;
              this.recorded.add(original);
              const req = contextValue.req;
              const call = req
                ? // The document itself may carry secrets in literals: only its name is kept.
                  callOfRequest(req, { operationName: request.operationName ?? null }, 'graphql')
                : { transport: 'graphql' as const, requestId: '', actor: 'unknown', data: {} };
              await this.refused(
                call,
                'graphql.document',
                new DomainError(
                  code in ERROR_CATALOG ? (code as ErrorCode) : 'VALIDATION_FAILED',
                  error.message,
                ),
              );
            }
          },
        }),
    };
  }

  // Intents without an outcome were cut short by a stop of the service: say so, and what the
  // engine shows now (what an operation created carries its operation id as a label).
  async recoverInterrupted(): Promise<number> {
    // Only intents written since the last check can still be open.
    const [checkpoint] = await this.dataSource.query<Array<{ next_id: number }>>(
      'SELECT next_id FROM audit_anchor WHERE id = ?',
      [CHECKPOINT_ROW],
    );
    const [{ last }] = await this.dataSource.query<Array<{ last: number | null }>>(
      'SELECT MAX(id) AS last FROM audit_log',
    );
    const open = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT * FROM audit_log i WHERE i.id >= ? AND i.phase = 'intent'
         AND NOT EXISTS (SELECT 1 FROM audit_log o WHERE o.operation_id = i.operation_id AND o.phase = 'outcome')
       ORDER BY i.id`,
      [checkpoint?.next_id ?? 1],
    );
    for (const raw of open) {
      const intent = {
        operationId: String(raw.operation_id),
        action: String(raw.action),
        requestId: String(raw.request_id),
        actor: String(raw.actor),
        transport: String(raw.transport),
        targetKind: raw.target_kind as string | null,
        targetName: raw.target_name as string | null,
        targetId: raw.target_id as string | null,
        input: raw.input as string | null,
        at: String(raw.at),
      };
      const { after, detail } = await this.reconcile(intent);
      await this.writer.append({
        at: new Date().toISOString(),
        requestId: intent.requestId,
        actor: intent.actor,
        transport: intent.transport,
        action: intent.action,
        phase: 'outcome',
        operationId: intent.operationId,
        targetKind: intent.targetKind,
        targetName: after?.name ?? intent.targetName,
        targetId: after?.id ?? intent.targetId,
        input: intent.input,
        outcome: 'interrupted',
        errorCode: null,
        durationMs: Math.max(0, Date.now() - Date.parse(intent.at)),
        before: null,
        after: json(after?.state),
        detail,
      });
    }
    if (open.length) this.logger.warn(`marked ${open.length} interrupted operation(s) in the audit log`);
    await this.writes.transaction((manager) =>
      manager.upsert(
        AuditAnchorEntity,
        { id: CHECKPOINT_ROW, nextId: (last ?? 0) + 1, hash: '', updatedAt: new Date().toISOString() },
        ['id'],
      ),
    );
    return open.length;
  }

  private async reconcile(intent: {
    operationId: string;
    action: string;
    targetKind: string | null;
    targetName: string | null;
    targetId: string | null;
  }): Promise<{ after: Snapshot | null; detail: string }> {
    const stopped = `Switchyard stopped after recording the intent of ${intent.action} and before its outcome was known.`;
    try {
      const label = `${OPERATION_LABEL}=${intent.operationId}`;
      const [networks, containers] = await Promise.all([
        this.engine.listNetworks({ label: [label] }),
        this.engine.listContainers({ all: true, label: [label] }),
      ]);
      const made = networks[0] ?? containers[0];
      if (made) {
        const after = await this.snapshots.take(networks[0] ? 'network' : 'container', made.id);
        return {
          after,
          detail: `${stopped} The engine shows ${after?.kind ?? 'a resource'} "${after?.name ?? made.id}" carrying this operation's label: it was created.`,
        };
      }
      const kind =
        intent.targetKind === 'network' || intent.targetKind === 'container' ? intent.targetKind : null;
      const ref = intent.targetId ?? intent.targetName;
      if (kind && ref) {
        const after = await this.snapshots.take(kind, ref);
        return {
          after,
          detail: after
            ? `${stopped} The ${kind} "${after.name}" exists on the engine as shown in "after"; compare it with "before" to see what happened.`
            : `${stopped} The ${kind} "${ref}" does not exist on the engine now.`,
        };
      }
      return { after: null, detail: `${stopped} Nothing on the engine carries this operation's label.` };
    } catch (error) {
      return {
        after: null,
        detail: `${stopped} The engine could not be asked what happened (${(error as Error).message}).`,
      };
    }
  }

  // Removes entries older than AUDIT_RETENTION_DAYS from the oldest end, and moves the chain's
  // anchor to the last removed entry so that what remains still verifies.
  async applyRetention(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.config.AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
    try {
      return await this.writes.transaction(async (manager) => {
        const [edge] = await manager.query<Array<{ id: number | null }>>(
          'SELECT MAX(id) AS id FROM audit_log WHERE at < ?',
          [cutoff],
        );
        if (!edge?.id) return 0;
        const [last] = await manager.query<
          Array<{
            id: number;
            hash: string;
          }>
        >('SELECT id, hash FROM audit_log WHERE id <= ? ORDER BY id DESC LIMIT 1', [edge.id]);
        const result = (await manager.query('DELETE FROM audit_log WHERE id <= ?', [last.id])) as unknown;
        await manager.upsert(
          AuditAnchorEntity,
          { id: ANCHOR_ROW, nextId: last.id + 1, hash: last.hash, updatedAt: new Date().toISOString() },
          ['id'],
        );
        this.logger.log(`audit retention removed the entries up to ${last.id} (older than ${cutoff})`);
        return typeof result === 'number' ? result : last.id;
      });
    } catch (error) {
      this.logger.error({ err: error }, 'audit retention failed');
      return 0;
    }
  }
}

// One audited call: its intent is written the first time the engine is about to change, and its
// outcome when the call ends, before the answer leaves.
export class AuditedOperation implements OperationContext {
  readonly operationId = randomUUID();
  private readonly started = performance.now();
  private intent: Promise<void> | null = null;
  private before: Snapshot | null = null;
  private readonly notes: string[] = [];

  constructor(
    private readonly spec: AuditSpec,
    private readonly call: AuditedCall,
    private readonly writer: AuditWriter,
    private readonly snapshots: AuditSnapshots,
    private readonly recorded: WeakSet<object>,
  ) {}

  note(text: string): void {
    this.notes.push(text);
  }

  beforeChange(): Promise<void> {
    this.intent ??= this.writeIntent();
    return this.intent;
  }

  async succeeded(result: unknown): Promise<void> {
    const createdId =
      result && typeof result === 'object' && typeof (result as { id?: unknown }).id === 'string'
        ? (result as { id: string }).id
        : null;
    const after = await this.snapshotAfter(createdId);
    await this.writeOutcome('succeeded', null, after, this.detailOf(result));
  }

  async failed(error: unknown): Promise<void> {
    const code = error instanceof DomainError ? error.code : 'INTERNAL_ERROR';
    const outcome = this.intent === null && isRefusal(error) ? 'denied' : 'failed';
    const after = this.intent ? await this.snapshotAfter(null) : null;
    await this.writeOutcome(outcome, code, after, error instanceof Error ? error.message : String(error));
    if (typeof error === 'object' && error !== null) this.recorded.add(error);
  }

  private get ref(): string | undefined {
    return this.spec.target?.refs
      .map((path) => pick(this.call.data, path))
      .find((v): v is string => typeof v === 'string');
  }

  private async writeIntent(): Promise<void> {
    const kind = this.spec.target?.kind;
    if (this.spec.snapshots && this.ref && (kind === 'network' || kind === 'container')) {
      this.before = await this.snapshots.take(kind, this.ref);
    }
    await this.writer.append(this.entry('intent', null, null, null, null));
  }

  private async snapshotAfter(createdId: string | null): Promise<Snapshot | null> {
    const kind = this.spec.target?.kind;
    if (!this.spec.snapshots || (kind !== 'network' && kind !== 'container')) return null;
    const ref = createdId ?? this.before?.id;
    return ref ? this.snapshots.take(kind, ref) : null;
  }

  private detailOf(result: unknown): string | null {
    if (this.spec.action === 'container.exec' && result && typeof result === 'object') {
      const r = result as { exitCode?: unknown; timedOut?: unknown };
      return r.timedOut
        ? 'The command did not finish before its deadline.'
        : `The command exited with code ${String(r.exitCode)}.`;
    }
    if (this.spec.action === 'network.prune' && result && typeof result === 'object') {
      const removed = (result as { removed?: unknown }).removed;
      if (Array.isArray(removed))
        return removed.length ? `Removed: ${removed.join(', ')}.` : 'Nothing was unused.';
    }
    return null;
  }

  private async writeOutcome(
    outcome: string,
    errorCode: string | null,
    after: Snapshot | null,
    detail: string | null,
  ): Promise<void> {
    const noted = [detail, ...this.notes].filter(Boolean).join(' ') || null;
    await this.writer.append(this.entry('outcome', outcome, errorCode, after, noted));
  }

  private entry(
    phase: string,
    outcome: string | null,
    errorCode: string | null,
    after: Snapshot | null,
    detail: string | null,
  ): NewAuditEntry {
    const known = after ?? this.before;
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
      input: json(redact(this.call.data)),
      outcome,
      errorCode,
      durationMs: phase === 'intent' ? null : Math.round(performance.now() - this.started),
      before: json(this.before?.state),
      after: phase === 'intent' ? null : json(after?.state),
      detail,
    };
  }
}
