import { IsIn, IsInt, IsOptional, IsString, Max } from 'class-validator';
import { DomainError } from '../../src/common/errors/domain-error';
import { createValidationPipe } from '../../src/common/validation/validation.pipe';

// An empty query string skips validation once it has passed for the class (the hot path of
// `GET /api/v1/networks`): the answer must stay what full validation gives, every time.
class OptionalQuery {
  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsInt()
  @Max(500)
  limit: number = 50;
}

class RequiredQuery {
  @IsIn(['json', 'svg'])
  format!: string;
}

const query = (metatype: new () => object) => ({ type: 'query' as const, metatype, data: undefined });

describe('validation pipe: empty query strings', () => {
  it('answers a fresh instance with the defaults each time, not one shared object', async () => {
    const pipe = createValidationPipe();
    const first = (await pipe.transform({}, query(OptionalQuery))) as OptionalQuery;
    const second = (await pipe.transform({}, query(OptionalQuery))) as OptionalQuery;
    expect(first).toBeInstanceOf(OptionalQuery);
    expect(second).toBeInstanceOf(OptionalQuery);
    expect(second).toEqual({ limit: 50 });
    expect(second).not.toBe(first);
  });

  it('still refuses an empty query of a class that needs a field, every time', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 3; i++) {
      const error = await pipe.transform({}, query(RequiredQuery)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    }
  });

  it('validates a query that is not empty after an empty one passed', async () => {
    const pipe = createValidationPipe();
    await pipe.transform({}, query(OptionalQuery));
    const error = await pipe.transform({ nmae: 'x' }, query(OptionalQuery)).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    const bad = await pipe.transform({ name: ['a', 'b'] }, query(OptionalQuery)).catch((e: unknown) => e);
    expect((bad as DomainError).code).toBe('VALIDATION_FAILED');
  });
});
