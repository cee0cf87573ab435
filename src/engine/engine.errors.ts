// What the engine refused, in our words. The dockerode adapter classifies the engine's answers
// (status codes and message texts differ between engine versions) so that services never match
// on engine strings.
export type EngineRejectionReason =
  | 'NOT_FOUND'
  | 'NAME_CONFLICT'
  | 'POOL_OVERLAP'
  | 'POOLS_EXHAUSTED'
  | 'PARENT_INTERFACE_NOT_FOUND'
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
  | 'INVALID_REQUEST'
  | 'CONFLICT'
  | 'ENGINE_FAILURE';

export class EngineRejection extends Error {
  constructor(
    readonly reason: EngineRejectionReason,
    // The engine's own message, kept for logs and for wrapping into a sentence of ours.
    readonly engineMessage: string,
    readonly statusCode: number | null,
  ) {
    super(`engine refused (${reason}, HTTP ${statusCode ?? '-'}): ${engineMessage}`);
    this.name = 'EngineRejection';
  }
}
