import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ENGINE_HOST } from './engines';
import { waitFor } from './wait';

// The built service, run the way users run it: `node dist/main.js`.
export const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export class ServiceProcess {
  private text = '';
  readonly exit: Promise<Exit>;
  exited: Exit | null = null;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.text += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.text += d.toString()));
    this.exit = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      }),
    );
  }

  output(): string {
    return this.text;
  }

  // Polls until `url` answers 200; fails early, with the output, when the process ends first.
  async waitFor200(url: string, headers: Record<string, string> = {}, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        if (this.exited) throw new Error(`the service exited (${JSON.stringify(this.exited)}): ${this.text}`);
        const res = await fetch(url, { headers }).catch(() => null);
        return res?.status === 200;
      },
      { what: `200 from ${url}`, timeoutMs, intervalMs: 100 },
    ).catch((error: Error) => {
      throw this.exited ? error : new Error(`${error.message}\noutput so far:\n${this.text}`);
    });
  }
}

// Every service a test file starts: `stopAll` in afterEach ends whatever a failed test left
// running, so that no process outlives the suite.
export class ServiceProcesses {
  private readonly running = new Set<ServiceProcess>();

  start(env: Record<string, string>): ServiceProcess {
    if (!existsSync(MAIN))
      throw new Error('dist/main.js is missing: run `npm run build` first (npm test does).');
    // setpriv (util-linux) asks the kernel to kill the service when this process dies, so that a
    // test process killed outright (no afterEach) leaves no service behind. It execs: the pid, the
    // signals and the exit status are the service's own.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', process.execPath, MAIN], {
      env: { PATH: process.env.PATH ?? '', DOCKER_HOST: ENGINE_HOST, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child);
    this.running.add(service);
    void service.exit.then(() => this.running.delete(service));
    return service;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.running].map(async (service) => {
        service.child.kill('SIGKILL');
        await service.exit;
      }),
    );
  }
}

// One JSON log line of a service.
export type LogLine = Record<string, unknown>;

// The JSON log lines a service printed so far (the admin key banner and anything else is not JSON).
export function jsonLines(service: ServiceProcess): LogLine[] {
  return service
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

// The completion line of the request with this id.
export function requestLine(service: ServiceProcess, reqId: string): Promise<LogLine> {
  return waitFor(
    () => jsonLines(service).find((l) => l.reqId === reqId && l.res !== undefined && l.req !== undefined),
    { what: `the request line of ${reqId}` },
  );
}
