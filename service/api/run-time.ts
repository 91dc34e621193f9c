import type { RunGraph } from '../../exporter/ports/graph-store.js';

/** When a run started: its ExecutionRun node, else its earliest span or node. */
export function runStartMs(graph: RunGraph): number | undefined {
  const run = graph.nodes.find((n) => n.kind === 'ExecutionRun');
  if (run) return run.startTimeMs;
  let earliest: number | undefined;
  for (const t of [...graph.spans.map((s) => s.startTimeMs), ...graph.nodes.map((n) => n.startTimeMs)]) {
    if (earliest === undefined || t < earliest) earliest = t;
  }
  return earliest;
}

/**
 * The `prov:generatedAtTime` the API states for a run's bundle: the latest span end (as the
 * run finaliser does), so the API, the audit report and the archive agree for a settled run
 * and repeated requests return identical bytes.
 */
export function bundleTimeMs(graph: RunGraph): number {
  let latest = runStartMs(graph) ?? 0;
  // A loop, not Math.max(...spans): a spread of a huge run would overflow the call stack.
  for (const s of graph.spans) if (s.endTimeMs > latest) latest = s.endTimeMs;
  return latest;
}
