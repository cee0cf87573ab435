import { type DomainError } from '../../src/common/errors/domain-error';
import { createValidationPipe } from '../../src/common/validation/validation.pipe';
import { ExecInput } from '../../src/containers/dto/exec.input';
import { IMAGE_REFERENCE, RunContainerInput } from '../../src/containers/dto/run-container.input';
import { ConnectContainerInput } from '../../src/networks/dto/connect-container.input';

const pipe = createValidationPipe();

async function fields(metatype: new () => object, body: unknown): Promise<string[]> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
    return [];
  } catch (error) {
    return ((error as DomainError).errors ?? []).map((e) => e.field);
  }
}

describe('image references', () => {
  it.each([
    'busybox',
    'busybox:latest',
    'switchyard/busybox:latest',
    'registry.example.com:5000/team/app:1.2',
    'localhost/app',
    'localhost:5000/app:dev',
    `gcr.io/x/y@sha256:${'a'.repeat(64)}`,
    `sha256:${'b'.repeat(64)}`,
  ])('accepts %s', (ref) => expect(IMAGE_REFERENCE.test(ref)).toBe(true));

  it.each(['UPPER/case', 'App', 'a//b', 'busybox:', ':tag', 'x y', 'busybox:la test'])('refuses %s', (ref) =>
    expect(IMAGE_REFERENCE.test(ref)).toBe(false),
  );
});

describe('run and exec input', () => {
  it('accepts a full run body', async () => {
    expect(
      await fields(RunContainerInput, {
        name: 'web',
        image: 'busybox:latest',
        command: ['sleep', '1'],
        env: { A_B: 'c' },
        labels: { team: 'a' },
        hostname: 'web-1',
        restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
        networks: [
          { network: 'n', ipv4Address: '10.0.0.2', macAddress: '02:42:0a:00:00:02', aliases: ['w'] },
        ],
        start: false,
      }),
    ).toEqual([]);
  });

  it('refuses what the engine would take as a host escape or a shell string', async () => {
    expect(await fields(RunContainerInput, { image: 'busybox', privileged: true })).toContain('privileged');
    expect(
      await fields(RunContainerInput, { image: 'busybox', hostConfig: { Binds: ['/:/host'] } }),
    ).toContain('hostConfig');
    expect(await fields(RunContainerInput, { image: 'busybox', command: 'sh -c id' })).toContain('command');
    expect(await fields(ExecInput, { command: 'id' })).toContain('command');
    expect(await fields(ExecInput, { command: [] })).toContain('command');
    expect(await fields(ExecInput, { command: ['ls', ''] })).toContain('command');
    expect(await fields(ExecInput, { command: ['ls'], workingDir: 'relative' })).toContain('workingDir');
    expect(await fields(ExecInput, { command: ['ls'], user: 'root; id' })).toContain('user');
    expect(await fields(ExecInput, { command: ['ls'], env: { 'A=B': 'x' } })).toContain('env');
  });

  it('refuses references that are empty, too long or not strings, saying what a reference is', async () => {
    for (const container of ['', 'x'.repeat(129), 5, null]) {
      try {
        await pipe.transform({ container }, { type: 'body', metatype: ConnectContainerInput });
        throw new Error(`accepted ${JSON.stringify(container)}`);
      } catch (error) {
        expect((error as DomainError).errors).toEqual([
          {
            field: 'container',
            message: 'container must be a name, a full id or an id prefix (1-128 characters)',
          },
        ]);
      }
    }
    expect(await fields(ConnectContainerInput, { container: 'x'.repeat(128) })).toEqual([]);
    expect(await fields(RunContainerInput, { image: 'busybox', networks: [{ network: '' }] })).toEqual([
      'networks.0.network',
    ]);
  });

  it('refuses a list where one object belongs and one object where a list belongs', async () => {
    expect(await fields(RunContainerInput, { image: 'busybox', restartPolicy: [] })).toEqual([
      'restartPolicy',
    ]);
    expect(await fields(RunContainerInput, { image: 'busybox', restartPolicy: 'always' })).toContain(
      'restartPolicy',
    );
    expect(await fields(RunContainerInput, { image: 'busybox', networks: { network: 'n' } })).toContain(
      'networks',
    );
  });
});
