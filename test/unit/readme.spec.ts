import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { ERROR_CATALOG } from '../../src/common/errors/error-codes';
import { AppConfig } from '../../src/config/app-config';

// The README and docs/ are what users and portals code against: every error code a client can
// receive must be in docs/errors.md and every setting the service reads in docs/configuration.md.
describe('documentation', () => {
  const root = join(__dirname, '..', '..');
  const doc = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');
  const errors = doc('errors.md');
  const configuration = doc('configuration.md');

  it('documents every error code in the catalog', () => {
    expect(Object.keys(ERROR_CATALOG).filter((code) => !errors.includes(`\`${code}\``))).toEqual([]);
  });

  it('documents every setting', () => {
    const settings = getMetadataStorage()
      .getTargetValidationMetadatas(AppConfig, '', true, false)
      .map((m) => m.propertyName);
    expect(settings.length).toBeGreaterThan(20);
    expect([...new Set(settings)].filter((name) => !configuration.includes(`\`${name}\``))).toEqual([]);
  });

  it('links only to documents and headings that exist', () => {
    // The documents (docs/images holds the pictures they show).
    const files = [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const base = join(root, file, '..');
        const linked = path ? join(base, path) : join(root, file);
        let content: string;
        try {
          content = readFileSync(linked, 'utf8');
        } catch {
          broken.push(`${file}: ${target}`);
          continue;
        }
        if (anchor && !headingAnchors(content).includes(anchor)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

// GitHub's anchors: lower case, punctuation dropped, spaces as dashes.
function headingAnchors(markdown: string): string[] {
  return [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map(([, title]) =>
    title
      .toLowerCase()
      .replace(/[^a-z0-9 _-]/g, '')
      .replace(/ /g, '-'),
  );
}
