import { classifyEngineError } from '../../../src/engine/engine-error.classifier';
import type { EngineRejection } from '../../../src/engine/engine.errors';

// The engine's refusals as the dockerode adapter reports them: the fake answers with the status
// and message a real engine gives (Docker 20.10 / 26.1 wording), and the adapter's own classifier
// turns them into the EngineRejection reason, so the fake cannot invent reasons of its own.
export function refuse(statusCode: number, message: string): EngineRejection {
  const rejection = classifyEngineError({ statusCode, json: { message }, message });
  if (!rejection) throw new Error(`memory engine: unclassifiable refusal ${statusCode} ${message}`);
  return rejection;
}

export const noSuchContainer = (ref: string) => refuse(404, `No such container: ${ref}`);
export const noSuchNetwork = (ref: string) => refuse(404, `network ${ref} not found`);
export const noSuchImage = (ref: string) => refuse(404, `No such image: ${ref}`);
