export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

// Who is calling: the API key behind the request.
export interface Actor {
  keyId: string;
  name: string;
  role: Role;
  // Labels a resource must carry to be within reach of this key; empty means everything.
  scope: Record<string, string>;
}

// "an operator key", "a viewer key": a role with its article, for messages.
export function aRole(role: Role): string {
  return `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;
}
