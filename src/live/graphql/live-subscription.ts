import { DomainError } from '../../common/errors/domain-error';
import type { DeploymentProgressEvent, LiveStream, PublishedEngineEvent, StreamMessage } from '../live.types';
import type { DeploymentProgressModel, EngineEventModel } from './live.models';

// What a subscription's iterator yields: an answer, or (last) the reason the hub ended the stream.
// The field's resolve turns the second into the field's error, so the client reads a `next`
// message with `errors[0].extensions.code`, then `complete`.
export type SubscriptionPayload<R> = { value: R } | { error: DomainError };

// Why a stream is closed when the client completes the subscription or its socket closes.
export const CLIENT_ENDED = 'The client ended the subscription.';

export function engineEventOf(message: StreamMessage<PublishedEngineEvent>): EngineEventModel {
  const { type, action, id, name, attributes, time } = message.data;
  return { type, action, id, name, attributes, time, eventId: message.id };
}

export function deploymentProgressOf(
  message: StreamMessage<DeploymentProgressEvent>,
): DeploymentProgressModel {
  const { deploymentId, type, index, action, deployment } = message.data;
  return { eventId: message.id, deploymentId, type, index, action, deployment };
}

// The end a client is told about (revoked key, full buffer, service stopping); null for a normal
// end (a deployment finished) or one the client asked for.
export function endErrorOf(stream: LiveStream<unknown>): DomainError | null {
  const code = stream.endCode;
  if (!code) return null;
  return new DomainError(code, stream.endReason ?? 'The stream ended.');
}

export function resolvePayload<R>(payload: SubscriptionPayload<R>): R {
  if ('error' in payload) throw payload.error;
  return payload.value;
}

const DONE = { done: true, value: undefined } as const;

// A hub stream as the iterator a subscription resolver answers. Written by hand rather than as
// an async generator: graphql-ws calls return() while a next() is pending (the client completed
// the subscription, the socket closed), and a generator would queue that return behind the next
// message, which may never come; here return() closes the hub stream (its slot is released) and
// ends the pending next() at once.
export function subscriptionOf<T, R>(
  stream: LiveStream<T>,
  map: (message: StreamMessage<T>) => R,
): AsyncIterableIterator<SubscriptionPayload<R>> {
  const source = stream[Symbol.asyncIterator]();
  let ended = false;
  let stop = (): void => {};
  const stopped = new Promise<typeof DONE>((resolve) => {
    stop = () => resolve(DONE);
  });
  const iterator: AsyncIterableIterator<SubscriptionPayload<R>> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<SubscriptionPayload<R>, undefined>> {
      if (ended) return DONE;
      const result = await Promise.race([source.next(), stopped]);
      if (ended) return DONE;
      if (!result.done) return { done: false, value: { value: map(result.value) } };
      ended = true;
      const error = endErrorOf(stream);
      return error ? { done: false, value: { error } } : DONE;
    },
    return(): Promise<IteratorResult<SubscriptionPayload<R>, undefined>> {
      if (!ended) {
        ended = true;
        stream.close(CLIENT_ENDED);
        stop();
        source.return?.().catch(() => undefined);
      }
      return Promise.resolve(DONE);
    },
  };
  return iterator;
}
