import { DomainError } from '../../src/common/errors/domain-error';
import { acceptsYaml, parsedBody, YamlBody } from '../../src/templates/template-body';

// YAML request bodies: only the routes that take a template document or a compose file accept
// them, and they are parsed by the one bounded YAML reader.
describe('template request bodies', () => {
  it('accepts YAML on create, replace and import only', () => {
    expect(acceptsYaml('POST', '/api/v1/templates')).toBe(true);
    expect(acceptsYaml('PUT', '/api/v1/templates/:name')).toBe(true);
    expect(acceptsYaml('POST', '/api/v1/templates/import')).toBe(true);
    expect(acceptsYaml('POST', '/api/v1/templates/:name/apply')).toBe(false);
    expect(acceptsYaml('POST', '/api/v1/networks')).toBe(false);
    expect(acceptsYaml('PUT', '/api/v1/templates')).toBe(false);
    expect(acceptsYaml('POST', undefined)).toBe(false);
  });

  it('parses YAML bodies, leaves JSON as parsed, and reads a string as YAML only when asked', () => {
    expect(parsedBody(new YamlBody('name: lab\nlabels:\n  team: a\n'))).toEqual({
      name: 'lab',
      labels: { team: 'a' },
    });
    expect(parsedBody({ name: 'lab' })).toEqual({ name: 'lab' });
    expect(parsedBody('services: {}')).toBe('services: {}');
    expect(parsedBody('services: {}', { stringIsYaml: true })).toEqual({ services: {} });
  });

  it('refuses YAML that does not parse with TEMPLATE_INVALID', () => {
    const codeOf = (text: string) => {
      try {
        parsedBody(new YamlBody(text));
        return 'parsed';
      } catch (error) {
        return error instanceof DomainError ? error.code : String(error);
      }
    };
    expect(codeOf('a: 1\na: 2\n')).toBe('TEMPLATE_INVALID');
    expect(codeOf('a: [1,\n')).toBe('TEMPLATE_INVALID');
  });

  it('records the text, not a parsed value, in the audit input', () => {
    expect(JSON.parse(JSON.stringify({ input: new YamlBody('name: lab') }))).toEqual({
      input: { yaml: 'name: lab' },
    });
  });
});
