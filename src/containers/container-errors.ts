import { DomainError } from '../common/errors/domain-error';
import { EngineRejection } from '../engine/engine.errors';

// The engine's refusals of container operations, in our words.
export function containerFailure(error: unknown, container: string, action: string): Error {
  if (!(error instanceof EngineRejection)) return error as Error;
  if (error.keepsItsMeaning) return error;
  const engineSaid = `(engine said: ${error.engineMessage})`;
  switch (error.reason) {
    case 'NAME_CONFLICT':
      return new DomainError(
        'CONTAINER_NAME_TAKEN',
        `A container named "${container}" already exists; choose another name.`,
        {
          context: { name: container },
        },
      );
    case 'NOT_FOUND':
      return /image/i.test(error.engineMessage)
        ? new DomainError('IMAGE_NOT_FOUND', `The image is not on the engine ${engineSaid}.`)
        : new DomainError(
            'CONTAINER_NOT_FOUND',
            `Container "${container}" was removed while the request ran ${engineSaid}.`,
          );
    case 'NOT_RUNNING':
      return new DomainError(
        'CONTAINER_NOT_RUNNING',
        `Container "${container}" is not running ${engineSaid}: start it first.`,
        {
          context: { container },
        },
      );
    case 'RUNNING':
      return new DomainError(
        'CONTAINER_RUNNING',
        `Container "${container}" is running: stop it first, or remove it with force=true (it is killed).`,
        { context: { container } },
      );
    case 'ADDRESS_IN_USE':
      return new DomainError(
        'ADDRESS_IN_USE',
        `Container "${container}" could not ${action}: an address it asked for is in use ${engineSaid}.`,
      );
    case 'ADDRESS_OUTSIDE_SUBNET':
      return new DomainError(
        'ADDRESS_OUTSIDE_SUBNET',
        `Container "${container}" could not ${action}: an address is outside its network ${engineSaid}.`,
      );
    default:
      return new DomainError(
        'ENGINE_CONFLICT',
        `The engine refused to ${action} container "${container}" ${engineSaid}.`,
        {
          context: { container, reason: error.reason },
        },
      );
  }
}

// A container that was created but cannot start: the image's command is missing, a driver cannot
// attach it, an address is taken.
export function startFailure(error: unknown, container: string): Error {
  if (!(error instanceof EngineRejection)) return error as Error;
  if (['ADDRESS_IN_USE', 'ADDRESS_OUTSIDE_SUBNET', 'NOT_FOUND'].includes(error.reason)) {
    return containerFailure(error, container, 'start');
  }
  const unsupported = error.reason === 'OPERATION_NOT_SUPPORTED';
  return new DomainError(
    unsupported ? 'UNSUPPORTED_BY_ENGINE' : 'CONTAINER_START_FAILED',
    unsupported
      ? `Container "${container}" could not start: this engine or kernel does not support one of its networks (engine said: ${error.engineMessage}).`
      : `Container "${container}" could not start (engine said: ${error.engineMessage}).`,
    { context: { container, reason: error.reason } },
  );
}
