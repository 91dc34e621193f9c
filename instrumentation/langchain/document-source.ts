import type { DataSourceInput } from '../../src/datasource.js';

type Dict = Record<string, unknown>;

function dict(value: unknown): Dict | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Dict) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function first(metadata: Dict, keys: readonly string[]): unknown {
  for (const key of keys) if (metadata[key] !== undefined) return metadata[key];
  return undefined;
}

/** Metadata keys read, in order of preference (LangChain loaders and vector stores differ). */
const URI_KEYS = ['source', 'uri', 'url'];
const CHUNK_KEYS = ['chunk', 'chunk_index', 'chunkIndex', 'chunk_id', 'chunkId'];
const INGESTED_KEYS = ['ingested_at', 'ingestedAt'];
const INDEX_VERSION_KEYS = ['index_version', 'indexVersion'];
const SCORE_KEYS = ['score', 'relevance_score', 'relevanceScore', '_score'];

/**
 * A retrieved LangChain `Document` as a `rag_chunk` DataSource. Its id is, in order:
 * `metadata.id`, the document's own `id`, `{metadata.source}#{chunk}` when the metadata
 * names a chunk (`chunk`, `chunk_index`, or a loader's `loc.lines`), else the SDK default
 * `rag_chunk:{content sha256}` — a bare source URI is not used as the id because several
 * chunks of one file would then collapse into one DataSource; it is kept as the `uri`.
 * Ingestion time, index version and score are taken from the metadata when present.
 */
export function documentToSource(document: unknown): DataSourceInput | undefined {
  const d = dict(document);
  if (d === undefined || typeof d.pageContent !== 'string') return undefined;
  const metadata = dict(d.metadata) ?? {};
  const uri = text(first(metadata, URI_KEYS));
  const ingested = first(metadata, INGESTED_KEYS);
  const score = first(metadata, SCORE_KEYS);
  return {
    kind: 'rag_chunk',
    id: text(metadata.id) ?? text(d.id) ?? chunkId(uri, metadata),
    uri,
    content: d.pageContent,
    ingestedAt: typeof ingested === 'string' || ingested instanceof Date ? ingested : undefined,
    score: typeof score === 'number' ? score : undefined,
    indexVersion: text(first(metadata, INDEX_VERSION_KEYS)),
  };
}

function chunkId(uri: string | undefined, metadata: Dict): string | undefined {
  if (uri === undefined) return undefined;
  const chunk = text(first(metadata, CHUNK_KEYS));
  if (chunk !== undefined) return `${uri}#${chunk}`;
  const lines = dict(dict(metadata.loc)?.lines);
  const from = text(lines?.from);
  const to = text(lines?.to);
  return from !== undefined && to !== undefined ? `${uri}#L${from}-L${to}` : undefined;
}
