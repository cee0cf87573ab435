import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import type {
  DeploymentProgressEvent,
  EngineEventFilter,
  LiveStream,
  PublishedEngineEvent,
} from './live.types';

export type StreamTransport = 'sse' | 'graphql-ws';

// The hub of the client streams: one subscription to the engine's events (ENGINE_EVENTS) and to
// deployments (DeploymentEvents) fanned out to every client stream, each filtered by its key's
// role and label scope, bounded, counted against MAX_STREAMS_PER_KEY, closed when its key is
// revoked or the service stops. SSE (REST) and GraphQL subscriptions both open streams here.
// Owned by the streams workstream: these signatures are the contract.
@Injectable()
export class LiveEvents {
  // Engine events the key may see that match the filter; after `lastEventId` (a message id this
  // hub gave) when resuming. Throws DomainError (VALIDATION_FAILED for a bad filter, a limit
  // code when the key has too many streams open).
  openEngineEvents(
    _actor: Actor,
    _filter: EngineEventFilter,
    _transport: StreamTransport,
    _lastEventId?: string,
  ): LiveStream<PublishedEngineEvent> {
    throw new DomainError('INTERNAL_ERROR', 'Engine event streams are not built yet.');
  }

  // The progress of one deployment the key may read (404 DEPLOYMENT_NOT_FOUND otherwise): every
  // action change from the start (or after `lastEventId`), then `finished`, then the stream ends.
  // A deployment that already ended answers its actions' final states and `finished`.
  openDeploymentProgress(
    _actor: Actor,
    _deploymentId: string,
    _transport: StreamTransport,
    _lastEventId?: string,
  ): Promise<LiveStream<DeploymentProgressEvent>> {
    return Promise.reject(new DomainError('INTERNAL_ERROR', 'Deployment streams are not built yet.'));
  }

  // Ends every open stream with this reason (the service is stopping).
  closeAll(_reason: string): void {}
}
