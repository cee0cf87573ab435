import type Docker from 'dockerode';
import { TEST_LABEL, TEST_PREFIX } from './constants';

// Removes everything a test run created whose name starts with `prefix`, or that carries the test
// label with `prefix` as its value (default: every test object, for leftovers of crashed runs).
export async function removeTestObjects(docker: Docker, prefix = TEST_PREFIX): Promise<void> {
  const containers = await docker.listContainers({ all: true });
  await Promise.all(
    containers
      .filter((c) => c.Names.some((n) => n.replace(/^\//, '').startsWith(prefix)))
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
      .filter(
        (n) =>
          n.Name.startsWith(prefix) ||
          n.Labels?.[TEST_LABEL] === prefix ||
          (prefix === TEST_PREFIX && n.Labels?.[TEST_LABEL] !== undefined),
      )
      .map((n) =>
        docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined),
      ),
  );
}
