import Docker from 'dockerode';
import { TEST_IMAGE, TEST_LABEL } from './constants';
import { removeTestObjects } from './engine-cleanup';
import { ENGINE_SOCKET } from './engines';

// The tests' own view of the engine under test: they check real state through the Engine API,
// never only the service's answer.
export const docker = new Docker({ socketPath: ENGINE_SOCKET });

export async function findNetworks(name: string): Promise<Docker.NetworkInspectInfo[]> {
  const all = await docker.listNetworks();
  return all.filter((n) => n.Name === name);
}

export async function inspectNetwork(name: string): Promise<Docker.NetworkInspectInfo> {
  const [network, ...rest] = await findNetworks(name);
  if (!network || rest.length)
    throw new Error(`expected exactly one network named ${name}, found ${rest.length + (network ? 1 : 0)}`);
  return docker.getNetwork(network.Id).inspect();
}

export async function runContainer(
  name: string,
  options: { network?: string; ipv4Address?: string; macAddress?: string; start?: boolean } = {},
): Promise<Docker.ContainerInspectInfo> {
  const container = await docker.createContainer({
    name,
    Image: TEST_IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: { [TEST_LABEL]: '1' },
    ...(options.macAddress ? { MacAddress: options.macAddress } : {}),
    HostConfig: { NetworkMode: options.network ?? 'bridge' },
    ...(options.network && options.ipv4Address
      ? {
          NetworkingConfig: {
            EndpointsConfig: { [options.network]: { IPAMConfig: { IPv4Address: options.ipv4Address } } },
          },
        }
      : {}),
  });
  if (options.start !== false) await container.start();
  return container.inspect();
}

export async function containerEndpoint(name: string, network: string) {
  const info = await docker.getContainer(name).inspect();
  return info.NetworkSettings.Networks[network] ?? null;
}

export async function execIn(
  container: string,
  cmd: string[],
): Promise<{ exitCode: number; output: string }> {
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  // Strip the 8-byte stream frame headers.
  const raw = Buffer.concat(chunks);
  const parts: Buffer[] = [];
  for (let i = 0; i + 8 <= raw.length;) {
    const size = raw.readUInt32BE(i + 4);
    parts.push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(parts).toString('utf8') };
}

// Removes everything a test run created whose name starts with `prefix`, or that carries the test
// label with `prefix` as its value.
export function cleanupEngine(prefix: string): Promise<void> {
  return removeTestObjects(docker, prefix);
}
