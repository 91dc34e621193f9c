import type {
  LineageEdge,
  LineageNode,
  LinkIntent,
  MappedBatch,
  RejectedSpan,
  SpanRecord,
} from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import { buildSpanRecords, MappingRejection } from './build-records.js';
import { readSpanFacts } from './read-span-facts.js';

/** Options of `mapSpans`. */
export interface MapSpansOptions {
  /** Copy prompts, chunks and outputs into `props.content` (off by default deployment-wide; hashes are always kept). */
  readonly captureContent: boolean;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * When two records share an id (a span delivered twice in one batch, two roots claiming
 * one run), keep one chosen by content, never by arrival order: recorded before
 * inferred, earlier start, then the smaller JSON.
 */
function preferred<T extends { readonly inferred?: boolean; readonly startTimeMs?: number }>(a: T, b: T): T {
  if (a.inferred !== b.inferred) return a.inferred ? b : a;
  const at = a.startTimeMs;
  const bt = b.startTimeMs;
  if (at !== undefined && bt !== undefined && at !== bt) return at < bt ? a : b;
  return compareStrings(JSON.stringify(a), JSON.stringify(b)) <= 0 ? a : b;
}

function dedupe<T extends { readonly inferred?: boolean; readonly startTimeMs?: number }>(
  items: readonly T[],
  key: (item: T) => string,
): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const seen = byId.get(k);
    byId.set(k, seen === undefined ? item : preferred(seen, item));
  }
  // Array#sort without a comparator orders strings by UTF-16 code units, as compareStrings
  // does, but on V8's native path with no JS callback per comparison (a batch has ~1,600 ids).
  const keys = [...byId.keys()].sort();
  const out: T[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = byId.get(keys[i] as string) as T;
  return out;
}

/**
 * Maps a batch of normalised spans to lineage records. Pure and deterministic: every id
 * derives from (trace, span, position), outputs are sorted by id, so the same spans in
 * any order or split over any batches give the same records. Each span is mapped inside
 * its own try/catch: a span that cannot be mapped is rejected alone (`reason` counted
 * by the caller) and the rest of the batch is kept.
 *
 * Edges that need other spans (consumed, contributed_to, spawned_by, supersedes) come out
 * as `links` for the store to resolve with `resolveLink`; edges of foreign spans, which
 * carry no links, come later from `inferRunEdges` over the whole run.
 */
export function mapSpans(views: readonly SpanView[], options: MapSpansOptions): MappedBatch {
  const spans: SpanRecord[] = [];
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const links: LinkIntent[] = [];
  const rejected: RejectedSpan[] = [];
  for (const view of views) {
    try {
      const records = buildSpanRecords(view, readSpanFacts(view), options.captureContent);
      spans.push(records.span);
      nodes.push(...records.nodes);
      edges.push(...records.edges);
      links.push(...records.links);
    } catch (error) {
      rejected.push({
        ...(typeof view?.traceId === 'string' ? { traceId: view.traceId } : {}),
        ...(typeof view?.spanId === 'string' ? { spanId: view.spanId } : {}),
        reason: error instanceof MappingRejection ? error.reason : 'mapping_error',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return {
    spans: dedupe(spans, (s) => `${s.runId}:${s.spanId}`),
    nodes: dedupe(nodes, (n) => n.id),
    edges: dedupe(edges, (e) => e.id),
    links: dedupe(links, (l) => l.id),
    rejected,
  };
}
