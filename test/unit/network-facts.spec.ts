import type { Actor } from '../../src/auth/roles';
import { DomainError } from '../../src/common/errors/domain-error';
import type { NetworkInfo } from '../../src/engine/engine.types';
import { BUILTIN_NETWORK_NAMES, isBuiltIn, refuseBuiltInJoin } from '../../src/lookup/network-facts';

const network = (name: string, driver = 'bridge', ingress = false) =>
  ({ name, driver, ingress }) as unknown as NetworkInfo;
const actor = (role: Actor['role']): Actor => ({ keyId: role, name: role, role, scope: { team: 'a' } });
const codeOf = (fn: () => void) => {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

describe('built-in networks', () => {
  it('are bridge, host, none, docker_gwbridge and ingress (and any ingress network)', () => {
    expect([...BUILTIN_NETWORK_NAMES].sort()).toEqual([
      'bridge',
      'docker_gwbridge',
      'host',
      'ingress',
      'none',
    ]);
    for (const name of BUILTIN_NETWORK_NAMES) expect(isBuiltIn(network(name))).toBe(true);
    expect(isBuiltIn(network('my-ingress', 'overlay', true))).toBe(true);
    expect(isBuiltIn(network('backend'))).toBe(false);
  });

  it('other than the default bridge, only an admin key joins them', () => {
    expect(codeOf(() => refuseBuiltInJoin(actor('operator'), network('docker_gwbridge')))).toBe(
      'BUILTIN_NETWORK',
    );
    expect(codeOf(() => refuseBuiltInJoin(actor('operator'), network('ingress', 'overlay', true)))).toBe(
      'BUILTIN_NETWORK',
    );
    expect(codeOf(() => refuseBuiltInJoin(actor('admin'), network('docker_gwbridge')))).toBeNull();
    expect(codeOf(() => refuseBuiltInJoin(actor('operator'), network('bridge')))).toBeNull();
    expect(codeOf(() => refuseBuiltInJoin(actor('operator'), network('backend')))).toBeNull();
  });
});
