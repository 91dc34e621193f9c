/**
 * Node ids are `{prefix}:{runId}:…` (lineage-record.ts) and the run id is already the
 * row's `rid`, so the store elides it: `ds:{trace}:{span}:3` is kept as `\u0001ds:{span}:3`.
 * That saves ~32 bytes in the nodes table and again in its unique index, per node. Ids of
 * any other shape (untrusted input) are kept verbatim; one that itself begins with a marker
 * character is escaped with `\u0002`, so decoding is unambiguous.
 */
const ELIDED = '\u0001';
const ESCAPED = '\u0002';

/** Stored form of a node id of run `runId`. */
export function encodeNodeId(id: string, runId: string): string {
  const colon = id.indexOf(':');
  if (
    colon > 0 &&
    runId.length > 0 &&
    id.startsWith(runId, colon + 1) &&
    (id.length === colon + 1 + runId.length || id[colon + 1 + runId.length] === ':')
  ) {
    return `${ELIDED}${id.slice(0, colon)}${id.slice(colon + 1 + runId.length)}`;
  }
  return id.startsWith(ELIDED) || id.startsWith(ESCAPED) ? `${ESCAPED}${id}` : id;
}

/** The original node id from its stored form and its run id. */
export function decodeNodeId(stored: string, runId: string): string {
  if (stored.startsWith(ESCAPED)) return stored.slice(1);
  if (!stored.startsWith(ELIDED)) return stored;
  const colon = stored.indexOf(':');
  return colon < 0
    ? `${stored.slice(1)}:${runId}`
    : `${stored.slice(1, colon)}:${runId}${stored.slice(colon)}`;
}
