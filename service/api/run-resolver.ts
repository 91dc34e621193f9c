import type { GraphStore, RunGraph } from '../../exporter/ports/graph-store.js';
import { runStartMs } from './run-time.js';

/** Loads runs once per request: scope checks on list results ask for the same run many times. */
export interface RunResolver {
  graph(runId: string): Promise<RunGraph | undefined>;
  startMs(runId: string): Promise<number | undefined>;
}

/** A per-request memo over `store.getRun`. */
export function createRunResolver(store: Pick<GraphStore, 'getRun'>): RunResolver {
  const cache = new Map<string, Promise<RunGraph | undefined>>();
  const graph = (runId: string) => {
    let hit = cache.get(runId);
    if (!hit) {
      hit = store.getRun(runId);
      cache.set(runId, hit);
    }
    return hit;
  };
  return {
    graph,
    startMs: async (runId) => {
      const g = await graph(runId);
      return g ? runStartMs(g) : undefined;
    },
  };
}
