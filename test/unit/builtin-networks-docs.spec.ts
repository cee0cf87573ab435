import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_NETWORK_NAMES } from '../../src/lookup/network-facts';

// The built-in networks the docs name are exactly those the code refuses (BUILTIN_NETWORK).
describe('built-in networks in the docs', () => {
  const doc = (name: string) => readFileSync(join(__dirname, '..', '..', 'docs', name), 'utf8');
  const names = (text: string) => [...text.matchAll(/`([a-z_]+)`/g)].map(([, name]) => name).sort();
  const code = [...BUILTIN_NETWORK_NAMES].sort();

  it("docs/errors.md's BUILTIN_NETWORK row lists the code's names", () => {
    const row = doc('errors.md')
      .split('\n')
      .find((line) => line.startsWith('| `BUILTIN_NETWORK`'));
    expect(row).toBeDefined();
    const when = row!.split('|')[3];
    expect(names(when)).toEqual(code);
  });

  it("docs/security.md's scope rules list the code's names", () => {
    const text = doc('security.md');
    const start = text.indexOf("plus Docker's built-in networks (");
    expect(start).toBeGreaterThan(-1);
    expect(names(text.slice(start, text.indexOf(';', start)))).toEqual(code);
  });
});
