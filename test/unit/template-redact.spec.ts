import { REDACTED } from '../../src/audit/redact';
import type { Actor } from '../../src/auth/roles';
import {
  pathSegments,
  redactDocument,
  redactDocumentChanges,
  redactSpecChanges,
  seesEnvironment,
} from '../../src/templates/template-redact';
import type { TemplateDocument } from '../../src/templates/template.types';

// What a viewer key reads of a template: environment names, never their values.
describe('template environment redaction', () => {
  const actor = (role: Actor['role']): Actor => ({ keyId: 'k', name: 'k', role, scope: {} });

  it('hides values from viewers only', () => {
    expect([seesEnvironment(actor('viewer')), seesEnvironment(actor('operator'))]).toEqual([false, true]);
    expect(seesEnvironment(actor('admin'))).toBe(true);
  });

  it('redacts every container env value in a document, and nothing else', () => {
    const document = {
      name: 't',
      labels: { env: 'prod' },
      networks: { env: {} },
      containers: {
        env: { image: 'i', env: { A: '1', B: '2' }, labels: { env: 'x' } },
        web: { image: 'i' },
      },
    } as unknown as TemplateDocument;
    expect(redactDocument(document)).toEqual({
      ...document,
      containers: {
        env: { image: 'i', env: { A: REDACTED, B: REDACTED }, labels: { env: 'x' } },
        web: { image: 'i' },
      },
    });
  });

  it('reads the paths value-diff writes', () => {
    expect(pathSegments('$.containers.web.env.A')).toEqual(['containers', 'web', 'env', 'A']);
    expect(pathSegments('$.containers["a.b"].env["X.Y"]')).toEqual(['containers', 'a.b', 'env', 'X.Y']);
    expect(pathSegments('$.expectations[0].to')).toEqual(['expectations', 0, 'to']);
    expect(pathSegments('env.A')).toEqual(['env', 'A']);
    expect(pathSegments('$.a[')).toBeNull();
  });

  it('redacts diff changes at, under and above a container env (null stays null: not set)', () => {
    expect(
      redactDocumentChanges([
        { path: '$.containers.web.env.A', from: '1', to: '2' },
        { path: '$.containers.web.env.B', from: null, to: 'x' },
        { path: '$.containers.web.env', from: null, to: { A: '1' } },
        { path: '$.containers.db', from: null, to: { image: 'i', env: { P: 's' } } },
        { path: '$.containers', from: null, to: { c: { image: 'i', env: { P: 's' } } } },
        { path: '$.containers.web.image', from: 'a', to: 'b' },
        { path: '$.labels.env', from: 'a', to: 'b' },
      ]),
    ).toEqual([
      { path: '$.containers.web.env.A', from: REDACTED, to: REDACTED },
      { path: '$.containers.web.env.B', from: null, to: REDACTED },
      { path: '$.containers.web.env', from: null, to: { A: REDACTED } },
      { path: '$.containers.db', from: null, to: { image: 'i', env: { P: REDACTED } } },
      { path: '$.containers', from: null, to: { c: { image: 'i', env: { P: REDACTED } } } },
      { path: '$.containers.web.image', from: 'a', to: 'b' },
      { path: '$.labels.env', from: 'a', to: 'b' },
    ]);
  });

  it("redacts a plan's container changes under env; networks are left alone", () => {
    expect(
      redactSpecChanges('container', [
        { path: 'env.A', from: '1', to: '2' },
        { path: 'env', from: { A: '1' }, to: {} },
        { path: 'image', from: 'a', to: 'b' },
      ]),
    ).toEqual([
      { path: 'env.A', from: REDACTED, to: REDACTED },
      { path: 'env', from: { A: REDACTED }, to: {} },
      { path: 'image', from: 'a', to: 'b' },
    ]);
    const network = [{ path: 'options.env', from: '1', to: '2' }];
    expect(redactSpecChanges('network', network)).toEqual(network);
  });
});
