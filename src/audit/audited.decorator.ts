import { SetMetadata } from '@nestjs/common';
import type { AuditSpec } from './audit.service';

export const AUDIT_KEY = 'switchyard:audit';

// Marks a mutation: the same action name on REST and GraphQL.
export const Audited = (spec: AuditSpec) =>
  SetMetadata(AUDIT_KEY, { snapshots: true, ...spec } satisfies AuditSpec);

// Where the usual targets' references are: `ref` (path parameter and GraphQL argument),
// `network` (GraphQL connect/disconnect), the body's `name` (create and run).
export const NETWORK_REF = { kind: 'network' as const, refs: ['ref', 'network'] };
export const NEW_NETWORK = { kind: 'network' as const, refs: ['input.name'] };
export const CONTAINER_REF = { kind: 'container' as const, refs: ['ref'] };
export const NEW_CONTAINER = { kind: 'container' as const, refs: ['input.name'] };
// Ping and the matrix run commands: the source container, and the network of the matrix.
export const PING_SOURCE = { kind: 'container' as const, refs: ['input.from'] };
export const MATRIX_NETWORK = { kind: 'network' as const, refs: ['input.network'] };
// Templates by name: the path parameter and GraphQL argument, or the document's name (REST body,
// GraphQL createTemplate's document).
export const TEMPLATE_REF = { kind: 'template' as const, refs: ['name'] };
export const NEW_TEMPLATE = { kind: 'template' as const, refs: ['input.name', 'document.name', 'name'] };
