import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { runTempDir } from './temp';
import { waitFor } from './wait';

// Debian's chromium (scripts/test.sh installs it), driven by playwright-core: no browser is
// downloaded, nothing is fetched from the internet.
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HeadlessBrowser {
  context: BrowserContext;
  page: Page;
  // The browser's own temporary folder (its profile), inside the run's temp folder: screenshots go
  // in `dir`, next to it.
  dir: string;
  // Closes the browser and waits until none of its processes is left (kills what is, at the
  // deadline); safe to call twice.
  close: () => Promise<void>;
  // Pids of the processes of this browser still running (found by its own profile folder).
  processes: () => number[];
}

// Pids of the processes whose command line names `marker`.
function processesNaming(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8');
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids.filter((pid) => pid !== process.pid);
}

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

// Launches headless chromium with a fresh profile and opens one page.
export async function launchBrowser(): Promise<HeadlessBrowser> {
  if (!chromiumInstalled()) {
    throw new Error(
      `${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium (scripts/test.sh does it)`,
    );
  }
  const dir = runTempDir('browser-');
  const profile = join(dir, 'profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const processes = () => processesNaming(profile);
  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      await context.close().catch(() => undefined);
      try {
        await waitFor(() => processes().length === 0, { what: 'chromium to exit', timeoutMs: 10_000 });
      } catch {
        // Our own browser's processes only (named by their profile folder).
        for (const pid of processes()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }
    })());
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    return { context, page, dir, close, processes };
  } catch (error) {
    await close();
    throw error;
  }
}
