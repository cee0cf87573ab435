import { type DomainError } from '../../src/common/errors/domain-error';
import { resolveReference } from '../../src/common/reference/resolve-reference';

const a = { id: 'aaaa1111'.padEnd(64, '0'), names: ['alpha'] };
const b = { id: 'bbbb2222'.padEnd(64, '0'), names: ['beta'] };
const c = { id: 'cccc3333'.padEnd(64, '0'), names: ['aaaa1111'] };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return 'none';
}

describe('resolveReference', () => {
  it('finds by name, full id and id prefix', () => {
    expect(resolveReference('alpha', [a, b], 'network', 'NETWORK_NOT_FOUND')).toBe(a);
    expect(resolveReference(b.id, [a, b], 'network', 'NETWORK_NOT_FOUND')).toBe(b);
    expect(resolveReference('bbbb22', [a, b], 'network', 'NETWORK_NOT_FOUND')).toBe(b);
    expect(resolveReference('BBBB22', [a, b], 'network', 'NETWORK_NOT_FOUND')).toBe(b);
  });

  it('does not guess from very short prefixes', () => {
    expect(codeOf(() => resolveReference('bbb', [a, b], 'network', 'NETWORK_NOT_FOUND'))).toBe(
      'NETWORK_NOT_FOUND',
    );
  });

  it('answers 409 when a name and an id prefix match different objects', () => {
    let error: DomainError | undefined;
    try {
      resolveReference('aaaa1111', [a, b, c], 'network', 'NETWORK_NOT_FOUND');
    } catch (e) {
      error = e as DomainError;
    }
    expect(error?.code).toBe('AMBIGUOUS_REFERENCE');
    expect(error?.status).toBe(409);
    expect(error?.context?.candidates).toHaveLength(2);
  });

  it('answers 409 for two objects with one name', () => {
    const twin = { id: 'dddd'.padEnd(64, '0'), names: ['alpha'] };
    expect(codeOf(() => resolveReference('alpha', [a, twin], 'network', 'NETWORK_NOT_FOUND'))).toBe(
      'AMBIGUOUS_REFERENCE',
    );
  });

  it('uses the caller-given not-found code', () => {
    expect(codeOf(() => resolveReference('nothing', [a], 'container', 'CONTAINER_NOT_FOUND'))).toBe(
      'CONTAINER_NOT_FOUND',
    );
  });
});
