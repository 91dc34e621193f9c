import type { LineageNode, PropValue } from '../../exporter/model/lineage-record.js';
import type { RunGraph, SourceHit } from '../../exporter/ports/graph-store.js';

/**
 * Property keys that hold captured content rather than hashes or metadata. `content` is
 * where the exporter puts captured text (lineage-record.ts); the other names cover what a
 * foreign dialect might carry (prompts, completions, messages), so a new field cannot leak
 * just because it was not called `content`. Keys ending in `Sha256`/`Hash` are hashes and stay.
 */
const EXACT = new Set([
  'input',
  'output',
  'text',
  'query',
  'document',
  'documents',
  'chunk',
  'prompt',
  'messages',
]);
const SUFFIX = /(content|prompt|prompts|completion|completions|messages)$/;
const PREFIX = /^(content|prompt|completion|messages)[._:]/;
const HASH = /(sha256|hash)$/;

/** True when a node property key names captured content (only engineering may see it). */
export function isCapturedContentKey(key: string): boolean {
  const k = key.toLowerCase();
  if (HASH.test(k)) return false;
  return EXACT.has(k) || SUFFIX.test(k) || PREFIX.test(k);
}

/** The node without captured-content props (same object when there is nothing to strip). */
export function redactNode<N extends LineageNode>(node: N): N {
  const keys = Object.keys(node.props);
  if (!keys.some(isCapturedContentKey)) return node;
  const props: Record<string, PropValue> = {};
  for (const k of keys) {
    const v = node.props[k];
    if (!isCapturedContentKey(k) && v !== undefined) props[k] = v;
  }
  return { ...node, props };
}

/** The run graph with every node's captured content removed. */
export function redactGraph(graph: RunGraph): RunGraph {
  return { ...graph, nodes: graph.nodes.map(redactNode) };
}

/** A backward-lineage hit without captured content. */
export function redactSourceHit(hit: SourceHit): SourceHit {
  return { ...hit, node: redactNode(hit.node) };
}
