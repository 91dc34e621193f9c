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
export function canonicalEdgeJson(edge: LineageEdge, defaultId = false): string {
  const time = edge.timeMs === undefined ? '' : `,"timeMs":${edgeTimeText.of(edge.timeMs)}`;
  const from = jsonString(edge.from);
  const to = jsonString(edge.to);
  const type = jsonString(edge.type);
  // A default id is `{type}:{from}>{to}`: JSON escapes each code unit on its own and the
  // separators pair with nothing, so its JSON is built from the parts' without scanning it.
  const id = defaultId ? `${type.slice(0, -1)}:${from.slice(1, -1)}>${to.slice(1)}` : jsonString(edge.id);
  return `{"from":${from},"id":${id},"inferred":${edge.inferred ? 'true' : 'false'},"runId":${jsonString(edge.runId)}${time},"to":${to},"type":${type}}`;
}

/** Node fields the store keeps in columns rather than in the stored JSON. */
const NODE_COLUMN_KEYS = new Set(['id', 'kind', 'runId', 'spanId', 'startTimeMs']);

/**
 * Text of a time field, remembering the last value per field: the DataSources of one
 * retrieval and the edges of one link share their times, and converting an epoch-ms
 * double (beyond int32, so not V8's fast integer path) was a visible part of ingest.
 */
class NumberText {
  #value = Number.NaN;
  #text = '';
  of(value: number): string {
    if (value !== this.#value) {
      this.#text = serialise(value) as string;
      this.#value = value;
    }
    return this.#text;
  }
}
const startText = new NumberText();
const endText = new NumberText();
const edgeTimeText = new NumberText();

/** Every top-level field a LineageNode may have (model/lineage-record.ts NodeBase). */
const NODE_KEYS = new Set([
  'endTimeMs',
  'id',
  'inferred',
  'kind',
  'props',
  'runId',
  'sha256',
  'spanId',
  'startTimeMs',
]);

/**
 * Canonical JSON of a whole node (what is hashed) and of the node without its column
 * fields (what is stored). A node of exactly the NodeBase shape is written out directly,
 * its keys in their fixed sorted order (endTimeMs, id, inferred, kind, props, runId,
 * sha256, spanId, startTimeMs) — about a third cheaper than sorting and serialising keys
 * generically, which was a visible part of ingest; anything else takes the generic path.
 */
export function splitNode(node: LineageNode): { readonly full: string; readonly rest: string } {
  const { id, kind, runId, spanId, startTimeMs, endTimeMs, inferred, props, sha256 } = node;
  if (
    typeof id !== 'string' ||
    typeof kind !== 'string' ||
    typeof runId !== 'string' ||
    typeof spanId !== 'string' ||
    typeof startTimeMs !== 'number' ||
    typeof inferred !== 'boolean' ||
    typeof props !== 'object' ||
    props === null ||
    Array.isArray(props) ||
    (endTimeMs !== undefined && typeof endTimeMs !== 'number') ||
    (sha256 !== undefined && typeof sha256 !== 'string')
  ) {
    return splitGeneric(node);
  }
  for (const key in node) if (!NODE_KEYS.has(key)) return splitGeneric(node);
  const end = endTimeMs === undefined ? '' : `"endTimeMs":${endText.of(endTimeMs)},`;
  const inf = inferred ? '"inferred":true,' : '"inferred":false,';
  const body = `"props":${serialise(props)}`;
  const hash = sha256 === undefined ? '' : `,"sha256":${jsonString(sha256)}`;
  return {
    full: `{${end}"id":${jsonString(id)},${inf}"kind":${jsonString(kind)},${body},"runId":${jsonString(runId)}${hash},"spanId":${jsonString(spanId)},"startTimeMs":${startText.of(startTimeMs)}}`,
    rest: `{${end}${inf}${body}${hash}}`,
  };
}

/** splitNode for any shape: every own key, sorted, each value serialised once. */
function splitGeneric(node: LineageNode): { readonly full: string; readonly rest: string } {
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
  // Filled in place rather than spread into a new object: this runs for every node read.
  const node = JSON.parse(rest) as Record<string, unknown>;
  node.id = columns.id;
  node.kind = columns.kind;
  node.runId = columns.runId;
  node.spanId = columns.spanId;
  node.startTimeMs = columns.startTimeMs;
  return node as unknown as LineageNode;
}
