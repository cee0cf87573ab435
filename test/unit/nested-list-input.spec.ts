import { type DomainError } from '../../src/common/errors/domain-error';
import { createValidationPipe } from '../../src/common/validation/validation.pipe';
import { RunContainerInput } from '../../src/containers/dto/run-container.input';
import { CreateNetworkInput } from '../../src/networks/dto/create-network.input';

// Lists of objects refuse items that are not objects, arrays of arrays included: ValidateNested
// alone walks into an inner array as if it were an item, and [[{...}]] reached the engine (a 502
// for ipam.config, a 500 for a container's networks). Found by test/e2e/odd-input.e2e-spec.ts.
const pipe = createValidationPipe();

async function refusal(metatype: new () => object, body: unknown): Promise<DomainError | null> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
    return null;
  } catch (error) {
    return error as DomainError;
  }
}

describe('lists of objects', () => {
  it.each([
    [[[{ subnet: '10.20.0.0/24' }]]],
    [[[]]],
    [[{ subnet: '10.20.0.0/24' }, [{ subnet: '10.21.0.0/24' }]]],
  ])('ipam.config %j is refused', async (config) => {
    const error = await refusal(CreateNetworkInput, { name: 'n', ipam: { config } });
    expect(error?.code).toBe('VALIDATION_FAILED');
    expect(error?.errors?.map((e) => e.field)).toContain('ipam.config');
  });

  it.each([[[[{ network: 'backend' }]]], [[[]]], [[{ network: 'a' }, [{ network: 'b' }]]]])(
    'a container’s networks %j are refused',
    async (networks) => {
      const error = await refusal(RunContainerInput, { name: 'web', image: 'busybox', networks });
      expect(error?.code).toBe('VALIDATION_FAILED');
      expect(error?.errors?.map((e) => e.field)).toContain('networks');
    },
  );

  it('lists of objects still pass', async () => {
    expect(
      await refusal(CreateNetworkInput, { name: 'n', ipam: { config: [{ subnet: '10.20.0.0/24' }] } }),
    ).toBeNull();
    expect(
      await refusal(RunContainerInput, { name: 'web', image: 'busybox', networks: [{ network: 'backend' }] }),
    ).toBeNull();
  });
});
