import type Docker from 'dockerode';
import { TEST_LABEL, TEST_PREFIX } from './constants';

interface Tagged {
  names: string[];
  label: string | undefined;
}

async function removeWhere(docker: Docker, doomed: (object: Tagged) => boolean): Promise<void> {
  const containers = await docker.listContainers({ all: true });
  await Promise.all(
    containers
      .filter((c) =>
        doomed({ names: c.Names.map((n) => n.replace(/^\//, '')), label: c.Labels?.[TEST_LABEL] }),
      )
      .map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
  );
  const networks = await docker.listNetworks();
  await Promise.all(
    networks
      .filter((n) => doomed({ names: [n.Name], label: n.Labels?.[TEST_LABEL] }))
      .map((n) =>
        docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined),
      ),
  );
}

// Removes what one test file created: objects named with its prefix or labelled with it.
export function removeTestObjects(docker: Docker, prefix: string): Promise<void> {
  return removeWhere(docker, (o) => o.label === prefix || o.names.some((n) => n.startsWith(prefix)));
}

const RUN_OF = new RegExp(`^${TEST_PREFIX}(\\d+)-`);

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Removes test objects left by runs that ended without cleaning up (killed, crashed), and never
// those of a run that is still going (another `npm test` on the same engines).
export function removeLeftovers(docker: Docker): Promise<void> {
  return removeWhere(docker, ({ names, label }) => {
    const tags = [...names, label ?? ''].filter((t) => t.startsWith(TEST_PREFIX));
    if (tags.length === 0) return label !== undefined;
    return tags.every((tag) => {
      const run = RUN_OF.exec(tag)?.[1];
      return run === undefined || !alive(Number(run));
    });
  });
}
