import { ConfigError, loadConfig } from '../../src/config/app-config';

describe('configuration', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      DOCKER_HOST: 'unix:///var/run/docker.sock',
      DATABASE_PATH: './data/switchyard.sqlite',
      LOG_LEVEL: 'info',
      ENGINE_TIMEOUT_MS: 10000,
      BODY_LIMIT_BYTES: 1048576,
    });
    expect(config.dockerTlsVerify).toBe(false);
  });

  it('reads the environment', () => {
    const config = loadConfig({
      PORT: '9090',
      DOCKER_HOST: 'tcp://10.0.0.5:2376',
      DOCKER_TLS_VERIFY: '1',
      LOG_LEVEL: 'debug',
    });
    expect(config.PORT).toBe(9090);
    expect(config.dockerTlsVerify).toBe(true);
    expect(config.LOG_LEVEL).toBe('debug');
  });

  it('lists every bad variable at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        PORT: 'eighty',
        DOCKER_HOST: 'ftp://x',
        LOG_LEVEL: 'loud',
        ENGINE_TIMEOUT_MS: '5',
        BODY_LIMIT_BYTES: '1.5',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    for (const name of ['PORT', 'DOCKER_HOST', 'LOG_LEVEL', 'ENGINE_TIMEOUT_MS', 'BODY_LIMIT_BYTES'])
      expect(text).toContain(name);
    expect(error!.problems).toHaveLength(5);
  });
});
