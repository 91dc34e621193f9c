import type { LineageEdge, LineageNode } from '../model/lineage-record.js';
import type { RunGraph } from '../ports/graph-store.js';

/**
 * The part of a run graph that earlier bundles did not contain: nodes of spans not
 * archived before, and edges touching such a node (or not archived before at all).
 * Pure; used to build supplementary bundles so that nothing is ever rewritten.
 */
export function selectLateRecords(
  graph: RunGraph,
  archivedSpanIds: ReadonlySet<string>,
  archivedEdgeIds: ReadonlySet<string>,
): RunGraph {
  const nodes: LineageNode[] = graph.nodes.filter((n) => !archivedSpanIds.has(n.spanId));
  const late = new Set(nodes.map((n) => n.id));
  const edges: LineageEdge[] = graph.edges.filter(
    (e) => late.has(e.from) || late.has(e.to) || !archivedEdgeIds.has(e.id),
  );
  const spans = graph.spans.filter((s) => !archivedSpanIds.has(s.spanId));
  return { ...graph, nodes, edges, spans };
}
