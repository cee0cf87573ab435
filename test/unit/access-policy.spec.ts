import { AccessPolicy } from '../../src/auth/access-policy';
import type { Actor } from '../../src/auth/roles';
import { MANAGED_LABEL } from '../../src/common/labels';
import type { DomainError } from '../../src/common/errors/domain-error';
import type { ContainerEndpoint, ContainerSummary, NetworkInfo } from '../../src/engine/engine.types';

const policy = new AccessPolicy();
const actor = (role: Actor['role'], scope: Record<string, string> = {}): Actor => ({
  keyId: role,
  name: `${role}-key`,
  role,
  scope,
});
const network = (name: string, driver: string): NetworkInfo =>
  ({ id: `id-${name}`, name, driver, labels: {}, ingress: false }) as NetworkInfo;
const endpoint = (networkName: string, networkId: string): ContainerEndpoint =>
  ({ networkName, networkId }) as ContainerEndpoint;
const container = (
  networkMode: string,
  endpoints: ContainerEndpoint[],
  labels: Record<string, string> = { [MANAGED_LABEL]: 'true' },
): ContainerSummary =>
  ({ id: 'c1', names: ['box'], networkMode, endpoints, labels }) as unknown as ContainerSummary;
const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    const e = error as DomainError;
    return [e.code, (e.context as { rule?: string; label?: string } | undefined)?.rule ?? e.context?.label];
  }
  return null;
};

describe('access policy: power follows what a resource is', () => {
  const networks = [network('lan', 'macvlan'), network('l3', 'ipvlan'), network('br', 'bridge')];

  it('finds host-level reach: host networking, or an endpoint on a macvlan/ipvlan network (by id, or by name when stopped)', () => {
    expect(policy.hostLevelReach(container('host', []), networks)?.rule).toBe('host-network');
    expect(policy.hostLevelReach(container('br', [endpoint('br', 'id-br')]), networks)).toBeNull();
    expect(policy.hostLevelReach(container('lan', [endpoint('lan', 'id-lan')]), networks)?.rule).toBe(
      'parent-interface',
    );
    expect(
      policy.hostLevelReach(container('br', [endpoint('br', 'id-br'), endpoint('l3', '')]), networks)?.rule,
    ).toBe('parent-interface');
  });

  it('lets only admin keys drive a container with host-level reach', () => {
    const onHost = container('host', []);
    expect(refusal(() => policy.assertMayDrive(actor('operator'), onHost, networks, 'restart'))).toEqual([
      'POLICY_VIOLATION',
      'host-network',
    ]);
    expect(refusal(() => policy.assertMayDrive(actor('admin'), onHost, networks, 'restart'))).toBeNull();
    expect(policy.mayDrive(actor('operator'), onHost, networks)).toBe(false);
    expect(policy.mayDrive(actor('admin'), onHost, networks)).toBe(true);
    const plain = container('br', [endpoint('br', 'id-br')]);
    expect(policy.mayDrive(actor('operator'), plain, networks)).toBe(true);
    // Not made by Switchyard, or outside the scope: not the operator's either.
    expect(policy.mayDrive(actor('operator'), container('br', [], {}), networks)).toBe(false);
    expect(policy.mayDrive(actor('operator', { team: 'a' }), plain, networks)).toBe(false);
  });

  it('lets only admin keys attach to a network on a host interface', () => {
    expect(refusal(() => policy.assertMayAttach(actor('operator'), networks[0]))).toEqual([
      'POLICY_VIOLATION',
      'parent-interface',
    ]);
    expect(refusal(() => policy.assertMayAttach(actor('operator'), networks[1]))).toEqual([
      'POLICY_VIOLATION',
      'parent-interface',
    ]);
    expect(refusal(() => policy.assertMayAttach(actor('operator'), networks[2]))).toBeNull();
    expect(refusal(() => policy.assertMayAttach(actor('admin'), networks[0]))).toBeNull();
  });

  it('refuses scoped keys labels that other keys are scoped by, and stamps their own scope', () => {
    const scopeKeys = new Set(['team', 'tenant']);
    const teamA = actor('operator', { team: 'a' });
    expect(refusal(() => policy.labelsFor(teamA, { tenant: 'b' }, scopeKeys))).toEqual([
      'FORBIDDEN',
      'tenant',
    ]);
    expect(refusal(() => policy.labelsFor(teamA, { team: 'b' }, scopeKeys))).toEqual(['FORBIDDEN', 'team']);
    expect(policy.labelsFor(teamA, { color: 'blue', team: 'a' }, scopeKeys)).toEqual({
      color: 'blue',
      team: 'a',
    });
    expect(policy.labelsFor(teamA, {}, scopeKeys)).toEqual({ team: 'a' });
    // Unscoped keys already reach everything: they label as they like.
    expect(policy.labelsFor(actor('operator'), { tenant: 'b' }, scopeKeys)).toEqual({ tenant: 'b' });
  });
});
