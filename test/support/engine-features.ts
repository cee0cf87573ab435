import { readFileSync, writeFileSync } from 'node:fs';
import type Docker from 'dockerode';
import type { EngineFeatures } from '../../src/engine/engine.types';
import { TEST_IMAGE, TEST_LABEL } from './constants';
import { ENGINE_RUN_DIR } from './engine-sockets';
import { runPrefix } from './names';

// What the engine under test really does, found out by trying it on that engine (global setup),
// so that tests expect behaviour the engine shows rather than what a version number promises.
export interface DetectedFeatures extends EngineFeatures {
  engineVersion: string;
  // Whether the engine lists a container's short id among its aliases on a network (20.10 does;
  // newer engines keep it in DNSNames only). Switchyard passes aliases through as the engine has them.
  shortIdAlias: boolean;
}

// Kept beside the engine's socket while that engine lives (scripts/test-engines.sh down removes it).
const featuresFile = (engine: string) => `${ENGINE_RUN_DIR}/${engine}.features.json`;

// Two MACs Docker would never derive from an address (its own start with 02:42).
const PROBE_MACS = ['02:5e:00:00:00:01', '02:5e:00:00:00:02'];

export async function detectFeatures(docker: Docker): Promise<DetectedFeatures> {
  const version = await docker.version();
  const prefix = runPrefix('probe');
  const labels = { [TEST_LABEL]: prefix };
  const created: { containers: string[]; networks: string[] } = { containers: [], networks: [] };
  // Subnets from the engine's pools: two runs probing at once never ask for the same one.
  const network = async (name: string) => {
    const n = await docker.createNetwork({ Name: name, Labels: labels, CheckDuplicate: false });
    created.networks.push(n.id);
    return n.id;
  };
  try {
    // Two networks with one name: engines before API 1.44 allow it.
    await network(`${prefix}dup`);
    const uniqueNetworkNames = await network(`${prefix}dup`).then(
      () => false,
      () => true,
    );

    await network(`${prefix}a`);
    await network(`${prefix}b`);
    const container = async (name: string, endpoints: Record<string, object>, mac?: string) => {
      const c = await docker.createContainer({
        name,
        Image: TEST_IMAGE,
        Cmd: ['sleep', '60'],
        Labels: labels,
        ...(mac ? { MacAddress: mac } : {}),
        HostConfig: { NetworkMode: Object.keys(endpoints)[0] },
        NetworkingConfig: { EndpointsConfig: endpoints },
      });
      created.containers.push(c.id);
      return c;
    };
    const macOn = async (id: string, net: string) =>
      (await docker.getContainer(id).inspect()).NetworkSettings.Networks[net]?.MacAddress ?? null;

    // A MAC inside the endpoint settings at create (per-endpoint MAC came with API 1.44).
    const first = await container(`${prefix}c1`, { [`${prefix}a`]: { MacAddress: PROBE_MACS[0] } });
    await first.start();
    const perEndpointMacAtCreate = (await macOn(first.id, `${prefix}a`)) === PROBE_MACS[0];
    const aliases = (await first.inspect()).NetworkSettings.Networks[`${prefix}a`]?.Aliases ?? [];
    const shortIdAlias = aliases.includes(first.id.slice(0, 12));

    // A MAC given on connect to a running container.
    await docker.getNetwork(`${prefix}b`).connect({
      Container: first.id,
      EndpointConfig: { MacAddress: PROBE_MACS[1] },
    });
    const macAddressOnConnect = (await macOn(first.id, `${prefix}b`)) === PROBE_MACS[1];

    // Two networks in one create.
    const multipleNetworksAtCreate = await container(`${prefix}c2`, {
      [`${prefix}a`]: {},
      [`${prefix}b`]: {},
    }).then(
      async (c) => Object.keys((await c.inspect()).NetworkSettings.Networks).length === 2,
      () => false,
    );
    return {
      engineVersion: version.Version,
      apiVersion: version.ApiVersion,
      macAddressOnConnect,
      perEndpointMacAtCreate,
      multipleNetworksAtCreate,
      uniqueNetworkNames,
      shortIdAlias,
    };
  } finally {
    for (const id of created.containers) {
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    for (const id of created.networks) {
      await docker
        .getNetwork(id)
        .remove()
        .catch(() => undefined);
    }
  }
}

interface Saved {
  // The engine's ID and version: a restarted or replaced engine is probed again.
  identity: string;
  features: DetectedFeatures;
}

// Raised whenever the probe learns something new, so that a saved result of an older probe is redone.
const PROBE_VERSION = 2;

async function identityOf(docker: Docker): Promise<string> {
  const info = (await docker.info()) as { ID?: string; ServerVersion?: string };
  return `${info.ID ?? ''} ${info.ServerVersion ?? ''} probe ${PROBE_VERSION}`;
}

// What the engine does, probed once per engine start and then read back: the probe creates
// networks and containers, which runs starting at the same moment need not all do.
export async function detectOnce(engine: string, docker: Docker): Promise<DetectedFeatures> {
  const identity = await identityOf(docker);
  try {
    const saved = JSON.parse(readFileSync(featuresFile(engine), 'utf8')) as Saved;
    if (saved.identity === identity) return saved.features;
  } catch {
    // Not probed yet.
  }
  const features = await detectFeatures(docker);
  writeFileSync(featuresFile(engine), JSON.stringify({ identity, features } satisfies Saved));
  return features;
}

// The features global setup detected on that engine.
export function engineFeatures(engine: string): DetectedFeatures {
  return (JSON.parse(readFileSync(featuresFile(engine), 'utf8')) as Saved).features;
}
