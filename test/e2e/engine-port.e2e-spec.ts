import { DockerodeEngine } from '../../src/engine/dockerode.engine';
import { parseDockerHost } from '../../src/engine/engine-connection';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { describeEnginePort } from '../support/engine-contract';
import { cleanupEngine } from '../support/engine';
import { ENGINE_HOST, FEATURES } from '../support/engines';
import { runPrefix } from '../support/names';

// The port contract on the dockerode adapter against the real engine of this Jest project: the
// same suite as the in-memory engine's (test/unit/engine-port.spec.ts). Subnets: 10.209.0.0/16.
const p = runPrefix('port');

describeEnginePort(`dockerode adapter on Docker ${FEATURES.engineVersion}`, () => ({
  engine: new DockerodeEngine(parseDockerHost(ENGINE_HOST, false), 30_000),
  prefix: p,
  labels: { [TEST_LABEL]: p },
  image: TEST_IMAGE,
  subnet: (i) => `10.209.${i}.0/24`,
  cleanup: () => cleanupEngine(p),
}));
