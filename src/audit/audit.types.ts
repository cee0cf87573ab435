export type Transport = 'rest' | 'graphql';
export type TargetKind = 'network' | 'container' | 'apiKey' | 'template';

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
  // The API key's id, when a valid key was sent: a key always sees its own entries.
  actorKeyId?: string | null;
  // Arguments by name: path parameters and query on REST, with the body as `input`; GraphQL args.
  data: Record<string, unknown>;
}

export function pick(data: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      data,
    );
}

// The reference to the target among the call's arguments (the first path present).
export function targetRef(call: AuditedCall, target: AuditSpec['target']): string | undefined {
  return target?.refs.map((path) => pick(call.data, path)).find((v): v is string => typeof v === 'string');
}

export const json = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);
