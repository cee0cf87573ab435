import { ENGINE_EVENTS, type EngineEventSource } from '../../src/engine/read-model/read-model.types';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { removeTestObjects } from '../support/engine-cleanup';
import { runPrefix } from '../support/names';
import {
  RESTARTABLE_HOST,
  restartableDocker as docker,
  startRestartableEngine,
  stopRestartableEngine,
} from '../support/restartable-engine';
import { bootTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

// The engine restarts mid-stream: its event buffer is lost with it. The read model goes stale
// (reads go to the engine), reconnects, reads the whole state again, and then answers as the
// engine does. It runs on the restartable engine e26r (scripts/test-engines.sh), once: in the
// e2e-26 project only, so that two projects never restart it at once.

describe('the read model across an engine restart', () => {
  const prefix = runPrefix('rmrestart');
  const labels = { [TEST_LABEL]: prefix };
  let t: TestApp;
  let source: EngineEventSource;
  const gaps: string[] = [];
  const states: string[] = [];
  let watching = true;
  let watcher: Promise<void> = Promise.resolve();

  const readModel = async () =>
    (await t.http.get('/health/ready')).body.readModel as {
      state: string;
      reconnects: number;
      resyncs: number;
      networks: number;
      containers: number;
    };

  const run = async (name: string, start = true) => {
    const c = await docker.createContainer({
      name,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: labels,
    });
    if (start) await c.start();
    return c;
  };

  beforeAll(async () => {
    // The engine is up whatever an earlier run left.
    await startRestartableEngine();
    await removeTestObjects(docker, prefix);
    t = await bootTestApp({ DOCKER_HOST: RESTARTABLE_HOST });
    source = t.app.get<EngineEventSource>(ENGINE_EVENTS);
    source.onGap((reason) => gaps.push(reason));
    await waitFor(async () => (await readModel()).state === 'live', { what: 'the read model to be live' });
  }, 120_000);

  afterAll(async () => {
    watching = false;
    await watcher;
    await t?.close();
    await startRestartableEngine().catch(() => undefined);
    await removeTestObjects(docker, prefix).catch(() => undefined);
  }, 120_000);

  test('goes stale, catches up, and then answers like the engine', async () => {
    const kept = await run(`${prefix}kept`);
    const doomed = await run(`${prefix}doomed`, false);
    const later = await run(`${prefix}later`, false);
    const before = await docker.createNetwork({ Name: `${prefix}before`, Labels: labels });
    const before2 = await docker.createNetwork({ Name: `${prefix}before2`, Labels: labels });
    await waitFor(
      async () => (await t.http.get('/api/v1/containers?all=true').expect(200)).body.items.length >= 3,
      { what: 'the containers in the API' },
    );
    const { resyncs, reconnects } = await readModel();
    // The health part is watched all along: it must show stale, then live again.
    watcher = (async () => {
      while (watching) {
        const state = source.status().state;
        if (states[states.length - 1] !== state) states.push(state);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const stopped = Date.now();
    await stopRestartableEngine();
    await waitFor(async () => (await readModel()).state === 'stale', { what: 'the read model to go stale' });
    await startRestartableEngine();
    // Right after the restart, before the model may have reconnected: changes it never saw events of.
    await doomed.remove();
    await later.start();
    await docker.getNetwork(before2.id).remove();
    const after = await docker.createNetwork({ Name: `${prefix}after`, Labels: labels });
    const caughtUp = await waitFor(
      async () => {
        const m = await readModel();
        return m.state === 'live' && m.resyncs > resyncs && m.reconnects > reconnects && m;
      },
      { what: 'the read model to be live again after a resync', timeoutMs: 60_000 },
    );
    console.log(`read model live again ${Date.now() - stopped} ms after the engine was stopped`, caughtUp);
    expect(gaps.length).toBeGreaterThan(0);
    expect(states).toEqual(expect.arrayContaining(['stale', 'live']));
    expect(states.lastIndexOf('live')).toBeGreaterThan(states.indexOf('stale'));

    // The API's lists (served by the model now) are the engine's.
    await waitFor(
      async () => {
        const [apiNetworks, engineNetworks] = [
          (await t.http.get('/api/v1/networks').expect(200)).body.items as { id: string }[],
          await docker.listNetworks(),
        ];
        return (
          JSON.stringify(apiNetworks.map((n) => n.id).sort()) ===
          JSON.stringify(engineNetworks.map((n) => n.Id).sort())
        );
      },
      { what: 'the networks of the API to be the engine networks', timeoutMs: 10_000 },
    );
    const apiNetworks = (await t.http.get('/api/v1/networks').expect(200)).body.items as { name: string }[];
    const names = apiNetworks.map((n) => n.name);
    expect(names).toEqual(expect.arrayContaining([`${prefix}before`, `${prefix}after`]));
    expect(names).not.toContain(`${prefix}before2`);
    expect(after.id).toBeTruthy();
    expect(before.id).toBeTruthy();

    const containersOf = async () => {
      const api = (await t.http.get('/api/v1/containers?all=true').expect(200)).body.items as {
        id: string;
        state: string;
      }[];
      const engine = await docker.listContainers({ all: true });
      return {
        api: api.map((c) => `${c.id} ${c.state}`).sort(),
        engine: engine.map((c) => `${c.Id} ${c.State}`).sort(),
      };
    };
    await waitFor(
      async () => {
        const { api, engine } = await containersOf();
        return JSON.stringify(api) === JSON.stringify(engine);
      },
      { what: 'the containers of the API to be the engine containers', timeoutMs: 10_000 },
    ).catch(() => undefined);
    const { api, engine } = await containersOf();
    expect(api).toEqual(engine);
    expect(api).toContain(`${kept.id} exited`);
    expect(api).toContain(`${later.id} running`);
    expect(api.some((c) => c.startsWith(doomed.id))).toBe(false);
  }, 180_000);
});
