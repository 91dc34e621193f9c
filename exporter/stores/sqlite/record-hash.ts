import * as crypto from 'node:crypto';
import { jsonString, quotedKey, serialise, sortedKeys } from '../../hashing/canonical-json.js';

import type { LineageEdge, LineageNode } from '../../model/lineage-record.js';

/** SHA-256 of a record's canonical JSON (UTF-8). */
export function recordSha256(canonical: string): Buffer {
  return oneShot !== undefined
    ? Buffer.from(oneShot('sha256', canonical, 'latin1'), 'latin1')
    : crypto.createHash('sha256').update(canonical, 'utf8').digest();
}

// crypto.hash (Node ≥ 20.12) skips the Hash object: about 2× faster for small records. Its
// 'buffer' output allocates a fresh ArrayBuffer per call (~900 ns a record on Node 20);
// the digest as a latin1 string copied into a pooled Buffer is ~600 ns.
// @types/node 20 may not declare it, so it is looked up structurally.
type OneShotHash = (algorithm: string, data: string, encoding: 'latin1') => string;
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** The exact fields of an edge record that are stored and hashed (drops anything extra). */
export function normaliseEdge(edge: LineageEdge): LineageEdge {
  const out: { -readonly [K in keyof LineageEdge]: LineageEdge[K] } = {
    id: edge.id,
    type: edge.type,
    from: edge.from,
    to: edge.to,
    runId: edge.runId,
    inferred: edge.inferred,
  };
  if (edge.timeMs !== undefined) out.timeMs = edge.timeMs;
  return out;
}

/** Printable ASCII other than `"` and `\`: JSON.stringify copies these verbatim. */
/**
 * Canonical JSON of a normalised edge, written out directly: its keys are fixed, so
 * their sorted order is too (from, id, inferred, runId, timeMs, to, type).
 */
export function canonicalEdgeJson(edge: LineageEdge): string {
  const time = edge.timeMs === undefined ? '' : `,"timeMs":${serialise(edge.timeMs)}`;
  return `{"from":${jsonString(edge.from)},"id":${jsonString(edge.id)},"inferred":${edge.inferred ? 'true' : 'false'},"runId":${jsonString(edge.runId)}${time},"to":${jsonString(edge.to)},"type":${jsonString(edge.type)}}`;
}

/** Node fields the store keeps in columns rather than in the stored JSON. */
const NODE_COLUMN_KEYS = new Set(['id', 'kind', 'runId', 'spanId', 'startTimeMs']);

/**
 * Canonical JSON of a whole node (what is hashed) and of the node without its column
 * fields (what is stored), serialising every top-level value once.
 */
export function splitNode(node: LineageNode): { readonly full: string; readonly rest: string } {
  const obj = node as unknown as Record<string, unknown>;
  const keys = sortedKeys(obj);
  let full = '{';
  let rest = '{';
  for (const key of keys) {
    const v = serialise(obj[key]);
    if (v === undefined) continue;
    const entry = quotedKey(key) + v;
    full += full.length > 1 ? `,${entry}` : entry;
    if (!NODE_COLUMN_KEYS.has(key)) rest += rest.length > 1 ? `,${entry}` : entry;
  }
  return { full: `${full}}`, rest: `${rest}}` };
}

/** Rebuilds a node from its stored columns and JSON rest. */
export function joinNode(
  columns: { id: string; kind: LineageNode['kind']; runId: string; spanId: string; startTimeMs: number },
  rest: string,
): LineageNode {
  return { ...(JSON.parse(rest) as object), ...columns } as LineageNode;
}
