import type { Attributes, Span } from '@opentelemetry/api';
import {
  ATTR_LINEAGE_CONTENT,
  ATTR_LINEAGE_CONTENT_SHA256,
  ATTR_LINEAGE_CONTENT_SIZE,
  ATTR_LINEAGE_DATASOURCE_COUNT,
  ATTR_LINEAGE_DATASOURCE_DROPPED,
  ATTR_LINEAGE_DATASOURCE_ID,
  ATTR_LINEAGE_DATASOURCE_INGESTED_AT,
  ATTR_LINEAGE_DATASOURCE_KIND,
  ATTR_LINEAGE_DATASOURCE_URI,
  ATTR_LINEAGE_INDEX_VERSION,
  ATTR_LINEAGE_QUERY_SHA256,
  ATTR_LINEAGE_REQUEST_SHA256,
  ATTR_LINEAGE_RETRIEVAL_SCORE,
  EVENT_LINEAGE_DATASOURCE,
} from '../semconv/index.js';
import { AttributeBuilder } from './attributes.js';
import type { LineageConfig } from './config.js';
import { prepareContent, truncateUtf8 } from './content.js';
import { RecordedHandle } from './handles.js';
import { isSha256Hex, sha256Json, sha256Text } from './hashing/sha256.js';
import { describeError, reportDrop, reportFailure } from './report.js';
import type { RunState } from './run-state.js';

/** Kind of DataSource (`lineage.datasource.kind`). */
export type DataSourceKind = 'rag_chunk' | 'db_result' | 'api_response' | 'tool_output' | 'document';

/**
 * One DataSource a retrieval or tool obtained. Give `content` (hashed by the SDK) or a
 * precomputed `sha256` (e.g. from {@link digestStream}); everything else is optional.
 */
export interface DataSourceInput {
  /** Kind of source. */
  readonly kind: DataSourceKind;
  /** Stable id (chunk id, table+key, URL); defaults to `{kind}:{sha256}`. */
  readonly id?: string;
  /** Where it lives: source document URI, API endpoint, table. */
  readonly uri?: string;
  /** The content: text (UTF-8), bytes, or a JSON value (canonical JSON). */
  readonly content?: unknown;
  /** Precomputed lowercase hex SHA-256 of the content, used when `content` is absent. */
  readonly sha256?: string;
  /** Size in bytes belonging to a precomputed `sha256`. */
  readonly size?: number;
  /** When it was ingested into its index. */
  readonly ingestedAt?: string | Date;
  /** Relevance score the retriever gave it. */
  readonly score?: number;
  /** Index snapshot it came from (defaults to the retrieval's `indexVersion`). */
  readonly indexVersion?: string;
  /** DB query (text is whitespace-normalised, structured values canonical JSON) → `lineage.query.sha256`. */
  readonly query?: unknown;
  /** API request that produced the response → `lineage.request.sha256`. */
  readonly request?: unknown;
  /** Tool-call id joining a tool output to the model messages that carry it. */
  readonly toolCallId?: string;
}

const KINDS: ReadonlySet<string> = new Set([
  'rag_chunk',
  'db_result',
  'api_response',
  'tool_output',
  'document',
]);

/**
 * Records DataSources as `lineage.datasource` events on one span, bounded by
 * `maxSourcesPerSpan`. Sources beyond the limit, and sources that cannot be hashed, are
 * dropped and counted in `lineage.datasource.dropped`; `lineage.datasource.count` counts all.
 */
export class DataSourceRecorder {
  private count = 0;
  private recorded = 0;
  private dropped = 0;
  private warnedLimit = false;
  private finished = false;

  constructor(
    private readonly span: Span,
    private readonly config: LineageConfig,
    private readonly run: RunState | undefined,
    private readonly defaults: { readonly indexVersion?: unknown } = {},
  ) {}

  /** Records one source; returns its handle, or `undefined` when it was dropped. Never throws. */
  add(source: DataSourceInput): RecordedHandle | undefined {
    // After the span ended, a source could be tracked for inference but never recorded on it.
    if (this.finished) {
      reportDrop('DataSource dropped', 'added after its retrieval or tool span ended');
      return undefined;
    }
    this.count++;
    if (this.recorded >= this.config.maxSourcesPerSpan) {
      this.dropped++;
      if (!this.warnedLimit) reportDrop('DataSource dropped', 'per-span source limit reached');
      this.warnedLimit = true;
      return undefined;
    }
    try {
      const handle = this.record(source);
      if (handle !== undefined) this.recorded++;
      return handle;
    } catch (error) {
      reportFailure('recording a DataSource', error);
      return this.drop('content could not be hashed');
    }
  }

  /** Counts, as dropped, a source that could not even be read (a getter that throws). */
  skip(reason: string): void {
    this.count++;
    this.drop(reason);
  }

  /** Writes the count attributes; call once before the span ends. Later sources are dropped. */
  finish(): void {
    this.finished = true;
    this.span.setAttribute(ATTR_LINEAGE_DATASOURCE_COUNT, this.count);
    this.span.setAttribute(ATTR_LINEAGE_DATASOURCE_DROPPED, this.dropped);
  }

  private drop(reason: string): undefined {
    this.dropped++;
    reportDrop('DataSource dropped', reason);
    return undefined;
  }

  private record(raw: DataSourceInput): RecordedHandle | undefined {
    if (typeof raw !== 'object' || raw === null) return this.drop('source must be an object');
    if (!KINDS.has(raw.kind)) return this.drop(`kind must be one of ${[...KINDS].join(', ')}`);
    const digest = this.digest(raw);
    if (digest === undefined) return this.drop('source has neither content nor a valid sha256');
    const attributes = this.eventAttributes(raw, digest);
    // Read before the event is added: a getter that throws here must drop the whole source,
    // not leave it both recorded and counted as dropped.
    const toolCallId = raw.toolCallId;
    const toolCallIds = typeof toolCallId === 'string' ? [toolCallId] : [];
    this.span.addEvent(EVENT_LINEAGE_DATASOURCE, attributes);
    const handle = new RecordedHandle('datasource', this.span.spanContext(), digest.sha256);
    this.run?.track({ handle, text: digest.text, toolCallIds });
    return handle;
  }

  private digest(raw: DataSourceInput) {
    if (raw.content !== undefined) return prepareContent(raw.content, this.config.maxContentBytes);
    if (isSha256Hex(raw.sha256)) {
      return { sha256: raw.sha256, size: raw.size, text: undefined };
    }
    return undefined;
  }

  private eventAttributes(
    raw: DataSourceInput,
    digest: { sha256: string; size: unknown; text: string | undefined },
  ): Attributes {
    const b = new AttributeBuilder(this.config.maxAttributeLength)
      .string(
        ATTR_LINEAGE_DATASOURCE_ID,
        typeof raw.id === 'string' && raw.id ? raw.id : `${raw.kind}:${digest.sha256}`,
      )
      .set(ATTR_LINEAGE_DATASOURCE_KIND, raw.kind)
      .string(ATTR_LINEAGE_DATASOURCE_URI, raw.uri)
      .string(ATTR_LINEAGE_DATASOURCE_INGESTED_AT, isoTime(raw.ingestedAt))
      .set(ATTR_LINEAGE_CONTENT_SHA256, digest.sha256)
      .count(ATTR_LINEAGE_CONTENT_SIZE, digest.size)
      .number(ATTR_LINEAGE_RETRIEVAL_SCORE, raw.score)
      .string(ATTR_LINEAGE_INDEX_VERSION, raw.indexVersion ?? this.defaults.indexVersion)
      .set(ATTR_LINEAGE_QUERY_SHA256, optionalHash(queryFingerprint, raw.query))
      .set(ATTR_LINEAGE_REQUEST_SHA256, optionalHash(contentHash, raw.request));
    if (this.config.captureContent && digest.text !== undefined) {
      b.set(ATTR_LINEAGE_CONTENT, truncateUtf8(digest.text, this.config.maxCaptureBytes));
    }
    return b.attributes;
  }
}

/**
 * Fingerprint of a query: text with whitespace runs collapsed and trimmed (so formatting
 * does not change it), structured queries as canonical JSON.
 */
export function queryFingerprint(query: unknown): string {
  return typeof query === 'string' ? sha256Text(query.trim().replace(/\s+/g, ' ')) : sha256Json(query);
}

function contentHash(value: unknown): string {
  return prepareContent(value, 0).sha256;
}

/** Hashes an optional value; a value that cannot be hashed is dropped with a warning. */
export function optionalHash(hash: (value: unknown) => string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return hash(value);
  } catch (error) {
    reportDrop('hash omitted', describeError(error));
    return undefined;
  }
}

function isoTime(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  return undefined;
}
