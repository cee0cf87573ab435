import { DomainError } from '../common/errors/domain-error';
import type { ErrorCode } from '../common/errors/error-codes';

// What the engine refused, in our words. The dockerode adapter classifies the engine's answers
// (status codes and message texts differ between engine versions) so that services never match
// on engine strings.
export type EngineRejectionReason =
  | 'NOT_FOUND'
  | 'NAME_CONFLICT'
  | 'POOL_OVERLAP'
  | 'POOLS_EXHAUSTED'
  | 'PARENT_INTERFACE_NOT_FOUND'
  | 'PARENT_IN_USE'
  | 'DRIVER_NOT_FOUND'
  | 'NOT_SWARM_MANAGER'
  | 'ADDRESS_IN_USE'
  | 'ADDRESS_OUTSIDE_SUBNET'
  | 'ADDRESS_NOT_ASSIGNABLE'
  | 'ALREADY_CONNECTED'
  | 'NOT_CONNECTED'
  | 'HAS_ENDPOINTS'
  | 'OPERATION_NOT_SUPPORTED'
  | 'NOT_RUNNING'
  | 'RUNNING'
  | 'BUSY'
  | 'INVALID_REQUEST'
  | 'CONFLICT'
  | 'ENGINE_FAILURE';

// The code a rejection carries when no service gave it a more precise meaning: services catch
// EngineRejection and say what it means for their operation; anything they leave still reaches
// the client as a stable code with the engine's words inside a sentence of ours, never as a 500.
const DEFAULT_CODES: Record<EngineRejectionReason, ErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  NAME_CONFLICT: 'ENGINE_CONFLICT',
  POOL_OVERLAP: 'SUBNET_OVERLAP',
  POOLS_EXHAUSTED: 'ADDRESS_POOLS_EXHAUSTED',
  PARENT_INTERFACE_NOT_FOUND: 'PARENT_INTERFACE_NOT_FOUND',
  PARENT_IN_USE: 'PARENT_INTERFACE_IN_USE',
  DRIVER_NOT_FOUND: 'UNSUPPORTED_BY_ENGINE',
  NOT_SWARM_MANAGER: 'UNSUPPORTED_BY_ENGINE',
  ADDRESS_IN_USE: 'ADDRESS_IN_USE',
  ADDRESS_OUTSIDE_SUBNET: 'ADDRESS_OUTSIDE_SUBNET',
  ADDRESS_NOT_ASSIGNABLE: 'ADDRESS_NOT_ASSIGNABLE',
  ALREADY_CONNECTED: 'ALREADY_CONNECTED',
  NOT_CONNECTED: 'CONNECTION_NOT_FOUND',
  HAS_ENDPOINTS: 'NETWORK_IN_USE',
  OPERATION_NOT_SUPPORTED: 'UNSUPPORTED_BY_ENGINE',
  NOT_RUNNING: 'CONTAINER_NOT_RUNNING',
  RUNNING: 'CONTAINER_RUNNING',
  BUSY: 'ENGINE_BUSY',
  INVALID_REQUEST: 'VALIDATION_FAILED',
  CONFLICT: 'ENGINE_CONFLICT',
  ENGINE_FAILURE: 'ENGINE_ERROR',
};

// What the engine said, in a sentence that tells the client what to do.
function describe(reason: EngineRejectionReason, engineMessage: string): string {
  switch (reason) {
    case 'INVALID_REQUEST':
      return `The Docker engine refused the request as invalid (engine said: ${engineMessage}). Correct the request and retry.`;
    case 'ENGINE_FAILURE':
      return (
        `The Docker engine failed: ${engineMessage}. This is the engine's fault, not the request's: ` +
        'check the engine (its log, its state), then retry.'
      );
    default:
      return `The Docker engine refused the request (engine said: ${engineMessage}).`;
  }
}

export class EngineRejection extends DomainError {
  constructor(
    readonly reason: EngineRejectionReason,
    // The engine's own message, kept for logs and for wrapping into a sentence of ours.
    readonly engineMessage: string,
    readonly statusCode: number | null,
  ) {
    super(DEFAULT_CODES[reason], describe(reason, engineMessage), {
      context: { reason },
    });
    this.name = 'EngineRejection';
  }

  // A refusal no service can say more about: the engine found the request invalid (400) or failed
  // in a way nobody classified (5xx). Services answer these as they are, not in words of their own.
  get keepsItsMeaning(): boolean {
    return this.reason === 'INVALID_REQUEST' || this.reason === 'ENGINE_FAILURE';
  }
}
