import { Writable } from 'node:stream';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { createLoggers, PinoLoggerService } from '../../src/common/logging/app-logger';
import { requestContext } from '../../src/common/logging/request-context';
import { loggableUrl } from '../../src/common/logging/request-log';

function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

describe('logging', () => {
  it('LOG_FORMAT is json by default, pretty on request, and anything else is refused', () => {
    expect(loadConfig({}).LOG_FORMAT).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
  });

  it("Nest's logger writes the context, merges an object, and keeps the current request's id", () => {
    const { stream, lines } = sink();
    const service = new PinoLoggerService(
      createLoggers({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, stream).app,
    );
    service.log('plain', 'Here');
    service.warn({ err: new Error('boom'), network: 'n1' }, 'with fields', 'There');
    requestContext.run({ reqId: 'r-1' }, () => service.error('failed', 'Error: x\n    at y', 'Inside'));
    const [plain, fields, failed] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(plain).toMatchObject({ level: 30, context: 'Here', msg: 'plain' });
    expect(plain.reqId).toBeUndefined();
    expect(fields).toMatchObject({ level: 40, context: 'There', msg: 'with fields', network: 'n1' });
    expect(fields.err).toMatchObject({ message: 'boom' });
    expect(failed).toMatchObject({ level: 50, context: 'Inside', msg: 'failed', reqId: 'r-1' });
    expect(failed.stack).toContain('at y');
  });

  it("moves Nest's start-up chatter (modules, routes) to debug", () => {
    const { stream, lines } = sink();
    const service = new PinoLoggerService(
      createLoggers({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, stream).app,
    );
    service.log('Mapped {/api/v1/networks, GET} route', 'RouterExplorer');
    service.log('AppModule dependencies initialized', 'InstanceLoader');
    service.warn('a warning still shows', 'RouterExplorer');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['a warning still shows']);
  });

  it('pretty lines are readable text with the context and the request id, not JSON', () => {
    const { stream, lines } = sink();
    const loggers = createLoggers({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, stream);
    requestContext.run({ reqId: 'r-2' }, () => loggers.app.info({ context: 'Here' }, 'hello'));
    expect(lines.join('\n')).toMatch(/INFO.*\[Here\] hello \(request r-2\)/);
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
  });

  it('logs URLs without GraphQL variables', () => {
    expect(loggableUrl('/api/v1/networks?limit=5')).toBe('/api/v1/networks?limit=5');
    const url = loggableUrl('/graphql?query=%7Bx%7D&variables=%7B%22secret%22%3A%22s3%22%7D');
    expect(url).toContain('variables=[redacted]');
    expect(url).not.toContain('s3');
    expect(loggableUrl(`/x?${'a'.repeat(5000)}`).length).toBeLessThanOrEqual(2048);
  });
});
