import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/app-config';

export type EngineConnection =
  | { kind: 'unix'; endpoint: string; socketPath: string }
  | {
      kind: 'http' | 'https';
      endpoint: string;
      host: string;
      port: number;
      tls?: { ca: Buffer; cert: Buffer; key: Buffer };
    };

// DOCKER_HOST the way the docker CLI reads it: unix:///path, or tcp://host:port with TLS
// when DOCKER_TLS_VERIFY is set (certificates from DOCKER_CERT_PATH, default ~/.docker).
export function parseDockerHost(dockerHost: string, tlsVerify: boolean, certPath?: string): EngineConnection {
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    return {
      kind: 'unix',
      endpoint: dockerHost,
      socketPath: socketPath.startsWith('/') ? socketPath : `/${socketPath}`,
    };
  }
  const url = new URL(dockerHost.replace(/^tcp:/, tlsVerify ? 'https:' : 'http:'));
  const secure = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : secure ? 2376 : 2375;
  if (!secure) return { kind: 'http', endpoint: dockerHost, host: url.hostname, port };
  const dir = certPath ?? join(homedir(), '.docker');
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file));
    } catch {
      throw new ConfigError([
        `DOCKER_TLS_VERIFY is set but ${join(dir, file)} cannot be read: put ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH`,
      ]);
    }
  };
  return {
    kind: 'https',
    endpoint: dockerHost,
    host: url.hostname,
    port,
    tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') },
  };
}
