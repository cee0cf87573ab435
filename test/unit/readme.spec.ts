import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { ERROR_CATALOG } from '../../src/common/errors/error-codes';
import { AppConfig } from '../../src/config/app-config';

// The README is what users and portals code against: every error code a client can receive and
// every setting the service reads must be documented there.
describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const documented = (name: string) => readme.includes(`\`${name}\``);

  it('documents every error code in the catalog', () => {
    expect(Object.keys(ERROR_CATALOG).filter((code) => !documented(code))).toEqual([]);
  });

  it('documents every setting', () => {
    const settings = getMetadataStorage()
      .getTargetValidationMetadatas(AppConfig, '', true, false)
      .map((m) => m.propertyName);
    expect(settings.length).toBeGreaterThan(20);
    expect([...new Set(settings)].filter((name) => !documented(name))).toEqual([]);
  });
});
