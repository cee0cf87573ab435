import type { ContainerSpec, EndpointSpec } from '../../../src/engine/engine.types';
import { gqlCodes, IMAGE } from '../../support/memory-app';
import { MemoryEngine } from '../../support/memory-engine';
import { refuse } from '../../support/memory-engine/refusals';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../../support/test-app';

// How the container runner plans a run on each engine generation, what it refuses before the
// engine, and that a container it cannot set up as asked is removed again.
export function describeContainerRunner(): void {
  describe('the container runner', () => {
    const engine = new MemoryEngine();
    let t: TestApp;
    let front: string;
    let back: string;

    const run = (body: Record<string, unknown>) =>
      t.http.post('/api/v1/containers').send({ image: IMAGE, command: ['sleep', '3600'], ...body });
    // The answer and the engine calls it made, in order.
    const attempt = async (body: Record<string, unknown>) => {
      engine.clearCalls();
      const res = await run(body);
      return {
        status: res.status,
        body: res.body,
        calls: engine.calls
          .map((c) => c.op)
          .filter(
            (op) =>
              op !== 'listContainers' &&
              op !== 'inspectContainer' &&
              op !== 'listNetworks' &&
              op !== 'inspectNetwork',
          ),
      };
    };
    const endpoint = (container: string, network: string) =>
      engine.container(container)?.endpoints.find((e) => e.networkName === network);

    beforeAll(async () => {
      t = await startAppOn(engine);
      const net = (name: string, subnet: string, extra: Record<string, unknown> = {}) =>
        t.http
          .post('/api/v1/networks')
          .send({ name, ipam: { config: [{ subnet, ...extra }] } })
          .expect(201);
      front = (await net('front', '10.90.1.0/24', { gateway: '10.90.1.1' })).body.id;
      back = (await net('back', '10.90.2.0/24')).body.id;
      await net('edge', '10.90.3.0/24', { gateway: '10.90.3.254' });
    }, BOOT_TIMEOUT_MS);
    afterAll(() => t.close());

    describe('on API 1.41 (Docker 20.10)', () => {
      beforeAll(() => engine.setApiVersion('1.41'));
      afterAll(() => engine.setApiVersion('1.45'));

      it('creates on the first network (with its MAC) and joins the others by connect before starting', async () => {
        const res = await attempt({
          name: 'old-multi',
          networks: [
            {
              network: 'front',
              ipv4Address: '10.90.1.10',
              macAddress: '02:5e:00:00:01:0a',
              aliases: ['web'],
            },
            { network: 'back', ipv4Address: '10.90.2.10', aliases: ['api'] },
          ],
        });
        expect(res.status).toBe(201);
        expect(res.calls).toEqual([
          'features',
          'inspectImage',
          'createContainer',
          'connectNetwork',
          'startContainer',
        ]);
        const [spec] = engine.callsOf('createContainer')[0] as [ContainerSpec];
        expect(spec.endpoints.map((e) => e.networkId)).toEqual([front]);
        expect(spec.macAddress).toBe('02:5e:00:00:01:0a');
        // That engine applies the container's MAC only to a network networkMode names by name.
        expect(spec.networkMode).toBe('front');
        const [networkId, , connected] = engine.callsOf('connectNetwork')[0] as [
          string,
          string,
          EndpointSpec,
        ];
        expect(networkId).toBe(back);
        expect(connected).toMatchObject({ ipv4Address: '10.90.2.10', aliases: ['api'] });
        expect(connected.macAddress).toBeUndefined();
        // What the engine applied, and what the answer reports.
        expect(endpoint('old-multi', 'front')).toMatchObject({
          ipv4Address: '10.90.1.10',
          macAddress: '02:5e:00:00:01:0a',
          aliases: expect.arrayContaining(['web']),
        });
        expect(endpoint('old-multi', 'back')).toMatchObject({
          ipv4Address: '10.90.2.10',
          aliases: expect.arrayContaining(['api']),
        });
        expect(res.body.networks).toEqual([
          expect.objectContaining({ network: 'back', ipv4Address: '10.90.2.10' }),
          expect.objectContaining({
            network: 'front',
            ipv4Address: '10.90.1.10',
            macAddress: '02:5e:00:00:01:0a',
          }),
        ]);
      });

      it('refuses a MAC address on a later network with 422, before creating anything', async () => {
        const res = await attempt({
          name: 'old-mac',
          networks: [{ network: 'front' }, { network: 'back', macAddress: '02:5e:00:00:02:0a' }],
        });
        expect([res.status, res.body.code]).toEqual([422, 'UNSUPPORTED_BY_ENGINE']);
        expect(res.body.context).toMatchObject({ apiVersion: '1.41', network: 'back' });
        expect(res.calls).not.toContain('createContainer');
        expect(engine.container('old-mac')).toBeUndefined();
      });

      it('removes the container again when a later network cannot be joined', async () => {
        engine.failNext('connectNetwork', refuse(403, 'Address already in use'));
        const res = await attempt({
          name: 'old-half',
          networks: [{ network: 'front' }, { network: 'back' }],
        });
        expect([res.status, res.body.code]).toEqual([409, 'ADDRESS_IN_USE']);
        expect(res.calls).toEqual([
          'features',
          'inspectImage',
          'createContainer',
          'connectNetwork',
          'removeContainer',
        ]);
        expect(engine.container('old-half')).toBeUndefined();
      });
    });

    describe('on API 1.45 (Docker 26)', () => {
      it('sets up every network at create, each with its own MAC address', async () => {
        const res = await attempt({
          name: 'new-multi',
          networks: [
            { network: 'front', ipv4Address: '10.90.1.20' },
            { network: 'back', ipv4Address: '10.90.2.20', macAddress: '02:5e:00:00:03:0a' },
          ],
        });
        expect(res.status).toBe(201);
        expect(res.calls).toEqual(['features', 'inspectImage', 'createContainer', 'startContainer']);
        const [spec] = engine.callsOf('createContainer')[0] as [ContainerSpec];
        expect(spec.endpoints.map((e) => [e.networkId, e.macAddress])).toEqual([
          [front, undefined],
          [back, '02:5e:00:00:03:0a'],
        ]);
        expect(spec.macAddress).toBeUndefined();
        expect(endpoint('new-multi', 'back')).toMatchObject({
          ipv4Address: '10.90.2.20',
          macAddress: '02:5e:00:00:03:0a',
        });
        // Without a chosen MAC the engine derives one from the address.
        expect(endpoint('new-multi', 'front')!.macAddress).toBe('02:42:0a:5a:01:14');
      });

      it('gives the next free address, skipping the gateway and addresses in use', async () => {
        await run({ name: 'edge1', networks: [{ network: 'edge', ipv4Address: '10.90.3.1' }] }).expect(201);
        await run({ name: 'edge2', networks: [{ network: 'edge' }] }).expect(201);
        await run({ name: 'edge3', networks: [{ network: 'edge' }] }).expect(201);
        expect(['edge1', 'edge2', 'edge3'].map((c) => endpoint(c, 'edge')!.ipv4Address)).toEqual([
          '10.90.3.1',
          '10.90.3.2',
          '10.90.3.3',
        ]);
      });
    });

    describe('refusals before the engine', () => {
      beforeAll(async () => {
        await run({ name: 'holder', networks: [{ network: 'back', ipv4Address: '10.90.2.50' }] }).expect(201);
      });

      it.each([
        ['outside the subnet', { network: 'front', ipv4Address: '10.91.0.5' }, 400, 'ADDRESS_OUTSIDE_SUBNET'],
        ['in use', { network: 'back', ipv4Address: '10.90.2.50' }, 409, 'ADDRESS_IN_USE'],
        ['the gateway', { network: 'front', ipv4Address: '10.90.1.1' }, 409, 'ADDRESS_IN_USE'],
        [
          'on the default bridge',
          { network: 'bridge', ipv4Address: '172.17.0.99' },
          409,
          'ADDRESS_NOT_ASSIGNABLE',
        ],
        ['aliases on the default bridge', { network: 'bridge', aliases: ['x'] }, 400, 'VALIDATION_FAILED'],
        ['the host network', { network: 'host' }, 400, 'VALIDATION_FAILED'],
        ['an unknown network', { network: 'nowhere' }, 404, 'NETWORK_NOT_FOUND'],
      ])('an address or network %s', async (_, wanted, status, code) => {
        const res = await attempt({ name: 'refused', networks: [wanted] });
        expect([res.status, res.body.code]).toEqual([status, code]);
        expect(res.calls).not.toContain('createContainer');
        expect(engine.container('refused')).toBeUndefined();
      });

      it('refuses a network given twice, a missing image and a taken name', async () => {
        const twice = await attempt({ name: 'twice', networks: [{ network: 'front' }, { network: front }] });
        expect([twice.status, twice.body.errors]).toEqual([
          400,
          [expect.objectContaining({ field: 'networks.1.network' })],
        ]);
        const image = await attempt({ name: 'imageless', image: 'switchyard/nosuch:1' });
        expect([image.status, image.body.code]).toEqual([404, 'IMAGE_NOT_FOUND']);
        const taken = await attempt({ name: 'holder' });
        expect([taken.status, taken.body.code]).toEqual([409, 'CONTAINER_NAME_TAKEN']);
        for (const r of [twice, image, taken]) expect(r.calls).not.toContain('createContainer');
      });

      it('refuses the same on GraphQL', async () => {
        const res = await t.gql(
          'mutation($input: RunContainerInput!) { runContainer(input: $input) { id } }',
          {
            input: {
              name: 'gql-refused',
              image: IMAGE,
              networks: [{ network: 'back', ipv4Address: '10.90.2.50' }],
            },
          },
        );
        expect(gqlCodes(res)).toEqual(['ADDRESS_IN_USE']);
        expect(engine.container('gql-refused')).toBeUndefined();
      });
    });

    describe('nothing half done', () => {
      it('removes a container whose command does not exist', async () => {
        const res = await attempt({
          name: 'no-cmd',
          command: ['no-such-program'],
          networks: [{ network: 'front' }],
        });
        expect([res.status, res.body.code]).toEqual([422, 'CONTAINER_START_FAILED']);
        expect(res.body.detail).toContain('executable file not found');
        expect(res.calls).toEqual([
          'features',
          'inspectImage',
          'createContainer',
          'startContainer',
          'removeContainer',
        ]);
        expect(engine.container('no-cmd')).toBeUndefined();
      });

      it('removes a container whose address the engine finds taken at start (the implicit gateway)', async () => {
        // `back` has no gateway in its configuration: the engine keeps its first address anyway.
        const res = await attempt({
          name: 'on-gateway',
          networks: [{ network: 'back', ipv4Address: '10.90.2.1' }],
        });
        expect([res.status, res.body.code]).toEqual([409, 'ADDRESS_IN_USE']);
        expect(res.calls).toContain('removeContainer');
        expect(engine.container('on-gateway')).toBeUndefined();
      });

      it('removes a container whose settings the engine did not apply', async () => {
        // An engine that accepts an alias but does not keep it.
        engine.beforeNext('createContainer', (spec) => {
          const given = spec as ContainerSpec;
          given.endpoints = given.endpoints.map((e) => ({ ...e, aliases: [] }));
        });
        const res = await attempt({ name: 'unapplied', networks: [{ network: 'front', aliases: ['lost'] }] });
        expect([res.status, res.body.code]).toEqual([422, 'UNSUPPORTED_BY_ENGINE']);
        expect(res.body.context.notApplied).toEqual(['front: aliases lost']);
        expect(engine.container('unapplied')).toBeUndefined();
      });

      it('leaves a container created but not started when asked', async () => {
        const res = await attempt({
          name: 'idle',
          start: false,
          networks: [{ network: 'front', ipv4Address: '10.90.1.77' }],
        });
        expect(res.status).toBe(201);
        expect(res.calls).not.toContain('startContainer');
        expect(engine.container('idle')).toMatchObject({ state: 'created' });
        // The address it asked for is reported (the engine assigns it on start), with its
        // network's id (the endpoint names it from the create).
        expect(res.body.networks).toEqual([
          expect.objectContaining({
            network: 'front',
            ipv4Address: '10.90.1.77',
            networkId: (await engine.inspectNetwork('front')).id,
          }),
        ]);
      });
    });
  });
}
