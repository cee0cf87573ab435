import { describeEnginePort } from '../support/engine-contract';
import { MemoryEngine } from '../support/memory-engine';

// The port contract on the in-memory engine; test/e2e/engine-port.e2e-spec.ts runs the same
// suite on the dockerode adapter against each real test engine, which keeps the fake honest.
for (const apiVersion of ['1.41', '1.45']) {
  describeEnginePort(`in-memory engine, API ${apiVersion}`, () => ({
    engine: new MemoryEngine({ apiVersion }),
    prefix: 'port-',
    labels: { 'switchyard-test': 'port-' },
    image: 'switchyard/busybox:latest',
    subnet: (i) => `10.209.${i}.0/24`,
    cleanup: () => Promise.resolve(),
  }));
}
