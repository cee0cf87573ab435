import fc from 'fast-check';
import { parse } from 'yaml';
import { composeToTemplate, templateToCompose } from '../../src/templates/compose/compose';
import type {
  TemplateContainer,
  TemplateDocument,
  TemplateNetwork,
} from '../../src/templates/template.types';

// Any template the mapping covers comes back whole from its export: template -> compose -> template.
// (Not covered, by design: a container with neither networks nor a network mode comes back with
// networkMode bridge, the engine default it runs with.)

const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,11}$/);
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const stringMap = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), text, { maxKeys: 4 });
const argv = fc.array(text, { maxLength: 4 });

const network: fc.Arbitrary<TemplateNetwork> = fc.record(
  {
    driver: fc.constantFrom('bridge', 'macvlan', 'overlay'),
    internal: fc.boolean(),
    attachable: fc.boolean(),
    enableIPv6: fc.boolean(),
    ipam: fc.record(
      {
        driver: fc.constant('default'),
        config: fc.array(
          fc.record(
            { subnet: text, gateway: text, ipRange: text, auxAddresses: stringMap },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
        options: stringMap,
      },
      { requiredKeys: [] },
    ),
    options: stringMap,
    labels: stringMap,
  },
  { requiredKeys: [] },
);

const endpoint = fc.record(
  { ipv4Address: text, ipv6Address: text, macAddress: text, aliases: argv },
  { requiredKeys: [] },
);

const restartPolicy = fc.oneof(
  fc.constantFrom('no', 'always', 'unless-stopped', 'on-failure').map((n) => ({ name: n })),
  fc.nat(10).map((count) => ({ name: 'on-failure', maximumRetryCount: count })),
);

const container = (networks: string[]): fc.Arbitrary<TemplateContainer> =>
  fc
    .record(
      {
        image: text,
        command: argv,
        entrypoint: argv,
        env: stringMap,
        labels: stringMap,
        hostname: text,
        restartPolicy,
        start: fc.boolean(),
        attach: networks.length > 0 ? fc.boolean() : fc.constant(false),
        networkMode: fc.constantFrom('bridge' as const, 'host' as const, 'none' as const),
        networks: fc.uniqueArray(fc.constantFrom(...(networks.length > 0 ? networks : ['unused'])), {
          minLength: 1,
          maxLength: 3,
        }),
        endpoints: fc.array(endpoint, { minLength: 3, maxLength: 3 }),
      },
      { requiredKeys: ['image', 'attach', 'networkMode', 'networks', 'endpoints'] },
    )
    .map(({ attach, networkMode, networks: joined, endpoints, ...rest }) =>
      attach
        ? { ...rest, networks: Object.fromEntries(joined.map((n, i) => [n, endpoints[i]])) }
        : { ...rest, networkMode },
    );

const template: fc.Arbitrary<TemplateDocument> = fc
  .uniqueArray(name, { maxLength: 4 })
  .chain((networkNames) =>
    fc.record(
      {
        name: fc.constant('t'),
        description: text,
        labels: stringMap,
        networks: fc
          .tuple(...networkNames.map(() => network))
          .map((specs) => Object.fromEntries(networkNames.map((n, i) => [n, specs[i]]))),
        containers: fc.dictionary(name, container(networkNames), { maxKeys: 4 }),
        expectations: fc.array(fc.record({ from: name, to: name, reachable: fc.boolean() }), {
          maxLength: 2,
        }),
      },
      { requiredKeys: ['name', 'networks'] },
    ),
  );

describe('compose export then import', () => {
  it('gives back the same template', () => {
    fc.assert(
      fc.property(template, (document) => {
        const back = composeToTemplate(parse(templateToCompose(document)), document.name);
        expect(back.unmapped).toEqual([]);
        // No containers and an empty map of them are one thing in compose (`services: {}`).
        const { containers, ...rest } = document;
        expect(back.document).toEqual(containers && Object.keys(containers).length > 0 ? document : rest);
        for (const [key, spec] of Object.entries(document.containers ?? {})) {
          expect(Object.keys(back.document.containers?.[key].networks ?? {})).toEqual(
            Object.keys(spec.networks ?? {}),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
