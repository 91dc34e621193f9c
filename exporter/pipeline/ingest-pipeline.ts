import { mapSpans } from '../mapping/map-spans.js';
import type { MappedBatch, RejectedSpan } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import type { GraphStore, WriteResult } from '../ports/graph-store.js';
import { otlpRequestToViews } from '../span-view/from-otlp.js';
import { type ReadableSpanLike, readableSpansToViews } from '../span-view/from-readable-span.js';
import type { OtlpExportTraceServiceRequest } from '../span-view/otlp-types.js';
import { RejectionCounter } from './rejection-counter.js';

/** What one ingested batch did. */
export interface IngestResult {
  readonly accepted: number;
  readonly rejected: readonly RejectedSpan[];
  readonly write: WriteResult;
}

/** Options of the ingest pipeline. */
export interface IngestPipelineOptions {
  readonly store: Pick<GraphStore, 'writeBatch'>;
  /** Copy captured content (prompts, chunks, outputs) into the graph. Default false: hashes only. */
  readonly captureContent?: boolean;
  /** Clock for arrival times; tests pass a fake one. */
  readonly now?: () => number;
  /** Shared counter of rejection reasons (metrics). */
  readonly rejections?: RejectionCounter;
}

/**
 * span batch → SpanView → MappedBatch → one durable GraphStore transaction.
 * The returned promise resolves only after the store committed the batch, so callers
 * (the OTLP receiver, LineageSpanExporter) may acknowledge exactly then.
 */
export class IngestPipeline {
  readonly rejections: RejectionCounter;
  readonly #store: Pick<GraphStore, 'writeBatch'>;
  readonly #captureContent: boolean;
  readonly #now: () => number;

  constructor(options: IngestPipelineOptions) {
    this.#store = options.store;
    this.#captureContent = options.captureContent ?? false;
    this.#now = options.now ?? Date.now;
    this.rejections = options.rejections ?? new RejectionCounter();
  }

  /** Ingests normalised views plus spans the normaliser already rejected. */
  async ingestViews(
    views: readonly SpanView[],
    preRejected: readonly RejectedSpan[] = [],
  ): Promise<IngestResult> {
    const mapped: MappedBatch = mapSpans(views, { captureContent: this.#captureContent });
    const rejected = [...preRejected, ...mapped.rejected];
    const write = await this.#store.writeBatch(mapped, this.#now());
    // Counted once the batch is durable: a failed write is retried by the client and would count twice.
    this.rejections.add(rejected);
    return { accepted: mapped.spans.length, rejected, write };
  }

  /** Ingests spans of the in-process OTel SDK; a span that cannot be read is rejected alone. */
  ingestReadableSpans(spans: readonly ReadableSpanLike[]): Promise<IngestResult> {
    const { views, rejected } = readableSpansToViews(spans);
    return this.ingestViews(views, rejected);
  }

  /** Ingests a decoded OTLP ExportTraceServiceRequest. */
  ingestOtlp(request: OtlpExportTraceServiceRequest): Promise<IngestResult> {
    const { views, rejected } = otlpRequestToViews(request);
    return this.ingestViews(views, rejected);
  }
}
