import { parentPort, workerData } from 'node:worker_threads';
import type { SvgTheme } from '../dto/topology-filter.input';
import type { TopologyGraph } from '../topology.types';
import { renderSvg } from './svg';

// The worker thread that draws SVG pictures (render-pool.ts SvgWorker starts it from dist/):
// one job at a time, answered by id.
export interface SvgJob {
  id: number;
  graph: TopologyGraph;
  theme?: SvgTheme;
}

// What the pool gives the worker as workerData: only a worker started for this answers jobs.
export const SVG_WORKER_MARK = 'switchyard:svg-worker';

export type SvgReply = { id: number; svg: string } | { id: number; error: string };

export function answer(job: SvgJob): SvgReply {
  try {
    return { id: job.id, svg: renderSvg(job.graph, { theme: job.theme }) };
  } catch (error) {
    return { id: job.id, error: error instanceof Error ? error.message : String(error) };
  }
}

// Loaded as the pool's worker: answer each job. Imported otherwise (a test): nothing.
const port = workerData === SVG_WORKER_MARK ? parentPort : null;
port?.on('message', (job: SvgJob) => port.postMessage(answer(job)));
