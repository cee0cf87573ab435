import { isGraphqlPath } from '../common/http/problem.filter';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import type { FastifyRequest } from 'fastify';
import type { GraphQLError } from 'graphql';
import { DomainError } from '../common/errors/domain-error';
import { ERROR_CATALOG, type ErrorCode } from '../common/errors/error-codes';
import { describeGraphqlError } from '../common/graphql/format-error';
import type { RefusalRecorder } from '../common/http/problem.filter';
import { AuditSnapshots, isSnapshotKind } from './audit-snapshots';
import { AuditWriter } from './audit-writer';
import { isRefusal, isRefusalCode } from './audit-wording';
import { json, targetRef, type AuditedCall, type AuditSpec } from './audit.types';
import { callOfRequest, dataOfHttp, graphqlNote, restNote, routeOf, type CallNote } from './describe-call';
import { Redactor } from './redact';
import { boundedInput } from './bounded-input';

// Records requests refused before they ran (outcome "denied", no intent): one entry per refused
// call, written by one place per transport:
// - REST: the exception filter hands every error to recordRestRefusal (the request gate, which
//   answers some refusals itself, calls refused directly);
// - GraphQL over HTTP: the Apollo plugin below sees every error of an operation once;
// - graphql-ws: the socket's gate calls refused, and its server hands the errors of each
//   operation it ran to recordGraphqlRefusals, as the Apollo plugin does.
// A refusal that an audited operation already wrote as its outcome (it came after a change) is
// left alone: the operation notes that on the call.
@Injectable()
export class RefusalLog implements RefusalRecorder {
  constructor(
    private readonly writer: AuditWriter,
    private readonly snapshots: AuditSnapshots,
    private readonly redactor: Redactor,
  ) {}

  // One refused call: the target is identified by what its reference names now, so that the
  // entry belongs to that resource's history (and scope).
  async refused(
    call: AuditedCall,
    action: string,
    error: DomainError,
    target?: AuditSpec['target'],
    operationId: string = randomUUID(),
  ): Promise<void> {
    const ref = targetRef(call, target);
    const found =
      ref && isSnapshotKind(target?.kind) ? await this.snapshots.identify(target.kind, ref) : null;
    await this.writer.append({
      at: new Date().toISOString(),
      requestId: call.requestId,
      actor: call.actor,
      transport: call.transport,
      action,
      phase: 'outcome',
      operationId,
      targetKind: target?.kind ?? null,
      targetName: found?.name ?? ref ?? null,
      targetId: found?.id ?? null,
      // Redacted first (a cut could hide a secret's name), then bounded.
      input: json(boundedInput(this.redactor.value(call.data))),
      outcome: 'denied',
      errorCode: error.code,
      durationMs: 0,
      before: null,
      after: null,
      detail: error.message,
      actorKeyId: call.actorKeyId ?? null,
      targetLabels: json(found?.labels),
    });
  }

  // REST: every error on its way to the client passes here once.
  async recordRestRefusal(request: FastifyRequest, error: DomainError): Promise<void> {
    if (!isRefusal(error)) return;
    const note = restNote(request);
    if (note) return this.refusedCall(note, error);
    // Refused before any handler (body parsing, size, content type, unknown route).
    const transport = isGraphqlPath(request.url) ? 'graphql' : 'rest';
    await this.refused(callOfRequest(request, dataOfHttp(request), transport), routeOf(request), error);
  }

  // GraphQL over HTTP: every error of an operation, once, before the answer leaves.
  graphqlPlugin(): ApolloServerPlugin<{ req?: FastifyRequest }> {
    return {
      requestDidStart: () =>
        Promise.resolve({
          didEncounterErrors: ({ errors, contextValue, request }) =>
            this.recordGraphqlRefusals(errors, contextValue, request.operationName ?? null),
        }),
    };
  }

  // The errors of one GraphQL operation, on either transport (the Apollo plugin over HTTP, the
  // socket's server over graphql-ws). A refused root field is recorded under its action; a
  // refused document (parse, validation, variables, limits, safelist) once as
  // "graphql.document", with only the operation's name (literals in the document may carry
  // secrets).
  async recordGraphqlRefusals(
    errors: readonly GraphQLError[],
    contextValue: { req?: FastifyRequest },
    operationName: string | null,
  ): Promise<void> {
    let documentRecorded = false;
    for (const error of errors) {
      const refusal = refusalOf(error);
      if (!refusal) continue;
      const rootKey = error.path?.[0];
      const note = rootKey === undefined ? undefined : graphqlNote(contextValue, String(rootKey));
      if (note) {
        // Once per root field: further errors of the same call are already covered.
        await this.refusedCall(note, refusal);
        continue;
      }
      if (documentRecorded) continue;
      documentRecorded = true;
      const req = contextValue.req;
      const call = req
        ? callOfRequest(req, { operationName }, 'graphql')
        : { transport: 'graphql' as const, requestId: '', actor: 'unknown', data: {} };
      await this.refused(call, 'graphql.document', refusal);
    }
  }

  private async refusedCall(note: CallNote, error: DomainError): Promise<void> {
    if (note.outcomeWritten) return;
    note.outcomeWritten = true;
    await this.refused(note.call, note.action, error, note.target, note.operationId);
  }
}

// The refusal a GraphQL error stands for, in the words the client is told (never the raw
// message of a variable error, which repeats the value); null when it is not a refusal.
function refusalOf(error: GraphQLError): DomainError | null {
  const described = describeGraphqlError({ message: error.message, extensions: error.extensions }, error);
  const code = described.extensions?.code;
  if (!isRefusalCode(code)) return null;
  const original = error.originalError;
  if (original instanceof DomainError && original.code === code) return original;
  return new DomainError(
    code in ERROR_CATALOG ? (code as ErrorCode) : 'VALIDATION_FAILED',
    withoutLiterals(described.message),
  );
}

// A document's own errors may quote its literals ("... cannot represent a non boolean value:
// \"...\"", "Expected value of type X, found ..."): the log keeps the message without them.
function withoutLiterals(message: string): string {
  return message
    .replace(/(cannot represent [^:]*): [\s\S]*$/, '$1.')
    .replace(/(Expected value of type "[^"]*"), found [\s\S]*$/, '$1.');
}
