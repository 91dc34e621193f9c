/** Span and edge ids a PROV-O bundle document contains. */
export interface ArchivedRecordIds {
  readonly spanIds: ReadonlySet<string>;
  readonly edgeIds: ReadonlySet<string>;
}

function values(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function literal(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && '@value' in v && typeof v['@value'] === 'string') return v['@value'];
  return undefined;
}

/**
 * Reads which spans and edges an archived bundle already holds (from `lin:spanId` on
 * nodes and `lin:edgeId` on qualified influences), so a supplementary bundle carries
 * only what arrived later. Pure; tolerant of unknown shapes (they contribute nothing).
 */
export function archivedRecordIds(doc: unknown): ArchivedRecordIds {
  const spanIds = new Set<string>();
  const edgeIds = new Set<string>();
  const graph = doc && typeof doc === 'object' && '@graph' in doc ? values(doc['@graph']) : [];
  for (const item of graph) {
    if (!item || typeof item !== 'object') continue;
    const record = item as Record<string, unknown>;
    for (const v of values(record['lin:spanId'])) {
      const s = literal(v);
      if (s !== undefined) spanIds.add(s);
    }
    for (const v of values(record['lin:edgeId'])) {
      const s = literal(v);
      if (s !== undefined) edgeIds.add(s);
    }
  }
  return { spanIds, edgeIds };
}
