import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { readHostNetwork, type HostNetwork } from '../common/net/host-interfaces';

// A socket in LISTEN state in /proc/net/unix (flags __SO_ACCEPTCON, state SS_UNCONNECTED).
const LISTENING = / 00010000 0001 01 \d+ (\/.+)$/;

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

const canonical = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
};

// The network namespace of the engine behind a local socket. An engine may run in a namespace
// of its own (rootless Docker, one engine per namespace), where its host interfaces are not this
// process's: the dockerd whose namespace has our socket listening shows them in /proc/<pid>/net.
// Without access to that process (another PID namespace), this process's own namespace stands in.
// A search that found nothing is not repeated sooner than this (it reads every process's name).
const SEARCH_AGAIN_MS = 30_000;

export class EngineHostLocator {
  private readonly socketPath: string;
  private pid: string | null = null;
  private searchedAt = -Infinity;

  constructor(
    socketPath: string,
    private readonly proc = '/proc',
  ) {
    this.socketPath = canonical(socketPath);
  }

  network(): HostNetwork {
    const gone = this.pid !== null && read(`${this.proc}/${this.pid}/comm`)?.trim() !== 'dockerd';
    if (gone || (this.pid === null && performance.now() - this.searchedAt >= SEARCH_AGAIN_MS)) {
      this.searchedAt = performance.now();
      this.pid = this.find();
    }
    return readHostNetwork(`${this.proc}/${this.pid ?? 'self'}/net`);
  }

  private find(): string | null {
    let entries: string[];
    try {
      entries = readdirSync(this.proc);
    } catch {
      return null;
    }
    for (const pid of entries) {
      if (!/^\d+$/.test(pid) || read(`${this.proc}/${pid}/comm`)?.trim() !== 'dockerd') continue;
      const sockets = read(`${this.proc}/${pid}/net/unix`) ?? '';
      for (const line of sockets.split('\n')) {
        const path = LISTENING.exec(line)?.[1];
        if (path && canonical(path) === this.socketPath) return pid;
      }
    }
    return null;
  }
}
