import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { composeToTemplate, templateToCompose } from '../../src/templates/compose/compose';
import type { TemplateDocument } from '../../src/templates/template.types';
import { runTempDir } from '../support/temp';
import { modesTemplate, oddStringsTemplate, plainTemplate, richTemplate } from '../support/template-compose';

// Exports checked by Debian's docker-compose 1.29 (/usr/bin/docker-compose), the tool the issue
// names. No engine is involved: `config` only reads and normalises the file.
const COMPOSE = '/usr/bin/docker-compose';
const run = promisify(execFile);

describe('compose export through docker-compose config', () => {
  const dir = runTempDir('compose-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A scrubbed environment: no DOCKER_HOST or variables of the runner's reach compose (nothing for
  // interpolation to pick up, no engine to talk to).
  const compose = async (file: string, ...args: string[]) =>
    run(COMPOSE, ['-f', file, '-p', 'switchyardtest', ...args], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' },
      timeout: 60_000,
    });

  // What compose prints, read by compose's own YAML reader (PyYAML, YAML 1.1, the one Debian's
  // docker-compose runs on), so that no other reader's idea of `1e5` or `~` gets in the way.
  const readLikeCompose = async (text: string): Promise<Record<string, unknown>> => {
    const file = join(dir, 'printed.yml');
    writeFileSync(file, text);
    const { stdout } = await run(
      '/usr/bin/python3',
      ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)', file],
      { env: { PATH: '/usr/bin:/bin' } },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  const write = (name: string, text: string) => {
    const file = join(dir, `${name}.yml`);
    writeFileSync(file, text);
    return file;
  };

  // `docker-compose config` prints the file back normalised, dropping top-level extension fields:
  // the template's description, labels and expectations do not survive it (they do survive the
  // file itself: see the unit round trip).
  const withoutTopLevelExtension = ({ description, labels, expectations, ...rest }: TemplateDocument) => {
    void description;
    void labels;
    void expectations;
    return rest;
  };

  it.each([
    ['rich', richTemplate],
    ['plain', plainTemplate],
    ['odd strings', oddStringsTemplate],
    ['network modes', modesTemplate],
  ])(
    '%s: the export is accepted, and what config prints imports back as the template',
    async (_label, template) => {
      const file = write(template.name, templateToCompose(template));
      await expect(compose(file, 'config', '-q')).resolves.toMatchObject({ stderr: '' });

      const { stdout } = await compose(file, 'config');
      const printed = await readLikeCompose(stdout);
      expect(printed.version).toBe('3.9');
      const back = composeToTemplate(printed, template.name);
      expect(back.unmapped).toEqual([]);
      expect(back.document).toEqual(withoutTopLevelExtension(template));

      // The engine names compose would create are the template's.
      const services = printed.services as Record<string, { container_name: string }>;
      expect(Object.values(services).map((s) => s.container_name)).toEqual(
        expect.arrayContaining(Object.keys(template.containers ?? {})),
      );
      const networks = (printed.networks ?? {}) as Record<string, { name: string }>;
      expect(
        Object.values(networks)
          .map((n) => n.name)
          .sort(),
      ).toEqual(Object.keys(template.networks ?? {}).sort());
    },
  );

  it('a hand-written compose file imports the same before and after docker-compose config, and its export is accepted', async () => {
    const text = `
services:
  web:
    image: switchyard-test:1
    command: sh -c 'echo "$$HOME" && sleep 3600'
    environment: ["MODE=prod", "EMPTY="]
    labels: ["tier=front"]
    restart: on-failure:2
    mac_address: "02:42:0a:ae:1e:0a"
    networks:
      front: { ipv4_address: 10.174.30.10, aliases: [www] }
      back:
    ports: ["8080:80"]
  db:
    image: switchyard-test:1
    restart: "no"
  tool:
    image: switchyard-test:1
    network_mode: none
networks:
  front:
    ipam: { config: [{ subnet: 10.174.30.0/24 }] }
  back:
    internal: true
`;
    const file = write('hand', text);
    await expect(compose(file, 'config', '-q')).resolves.toMatchObject({ stderr: '' });
    const direct = composeToTemplate(parse(text), 'hand');
    expect(direct.unmapped.map((u) => u.path)).toEqual(['$.services.web.ports']);

    const { stdout } = await compose(file, 'config');
    const normalised = composeToTemplate(await readLikeCompose(stdout), 'hand');
    expect(normalised.unmapped.map((u) => u.path)).toEqual(['$.services.web.ports']);
    expect(normalised.document).toEqual(direct.document);
    expect(direct.document.networks).toEqual({
      front: { ipam: { config: [{ subnet: '10.174.30.0/24' }] } },
      back: { internal: true },
      hand_default: {},
    });
    // Compose's primary network (by name: back) is where it applies the service's mac_address.
    expect(direct.document.containers?.web.networks).toEqual({
      back: { macAddress: '02:42:0a:ae:1e:0a' },
      front: { ipv4Address: '10.174.30.10', aliases: ['www'] },
    });

    const exported = write('hand-export', templateToCompose(direct.document));
    await expect(compose(exported, 'config', '-q')).resolves.toMatchObject({ stderr: '' });
  });

  it.each([
    ['networks only', { name: 'netonly', description: 'no containers', networks: { 'netonly-a': {} } }],
    ['empty', { name: 'empty' }],
  ] as Array<[string, TemplateDocument]>)(
    'a template with no containers (%s) exports a file docker-compose accepts',
    async (_label, template) => {
      const file = write(template.name, templateToCompose(template));
      await expect(compose(file, 'config', '-q')).resolves.toMatchObject({ stderr: '' });
      const printed = await readLikeCompose((await compose(file, 'config')).stdout);
      const back = composeToTemplate(printed, template.name);
      expect(back.unmapped).toEqual([]);
      expect(back.document.networks ?? {}).toEqual(template.networks ?? {});
      expect(back.document.containers ?? {}).toEqual({});
    },
  );

  it('docker-compose refuses what an export must never contain (the check is real)', async () => {
    const file = write('bad', 'services:\n  a:\n    image: x\n    restart: no\n    environment: { A: $ }\n');
    await expect(compose(file, 'config', '-q')).rejects.toMatchObject({ code: 1 });
  });
});
