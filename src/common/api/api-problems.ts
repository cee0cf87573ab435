import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (VALIDATION_FAILED and field errors)',
  404: 'Not found',
  409: 'Conflict (name taken, overlap, in use, ambiguous reference)',
  422: 'Valid, but not possible on this engine',
  503: 'Engine unreachable (ENGINE_UNAVAILABLE)',
  504: 'Engine timed out (ENGINE_TIMEOUT)',
};

// Documents the problem+json answers a route can give.
export function ApiProblems(...statuses: number[]): MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
}
