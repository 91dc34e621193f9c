import {
  type LogView,
  otlpLogsRequestToViews,
  type ReadableLogRecordLike,
  readableLogRecordsToViews,
} from '../logs/log-view.js';
import { readContentEvents } from '../logs/read-content-events.js';
import { mapSpans } from '../mapping/map-spans.js';
import type { MappedBatch, RejectedSpan } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import type { OtlpExportLogsServiceRequest } from '../otlp/otlp-logs-types.js';
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

/** What one ingested batch of log records did. */
export interface LogIngestResult {
  /** GenAI content events kept for their runs. */
  readonly contentEvents: number;
  /** Records that are not GenAI content events (ordinary logs): accepted, nothing to store. */
  readonly ignored: number;
  /** Records refused, each with a reason (unreadable, no span to join, run already finalised). */
  readonly rejected: readonly RejectedSpan[];
}

/** Options of the ingest pipeline. */
export interface IngestPipelineOptions {
  readonly store: Pick<GraphStore, 'writeBatch' | 'writeContentEvents'>;
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
  readonly #store: Pick<GraphStore, 'writeBatch' | 'writeContentEvents'>;
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

  /**
   * Ingests normalised log records: GenAI content events (the official OpenAI
   * instrumentation's `gen_ai.*.message` / `gen_ai.choice`, or semconv ≥ 1.37
   * `gen_ai.client.inference.operation.details`) are kept durably until their run is
   * finalised, when they fill the hashes of the invocation they were emitted under. Resolves
   * after the commit. Content for a run already finalised is rejected (`content_after_finalisation`).
   */
  async ingestLogViews(
    views: readonly LogView[],
    preRejected: readonly RejectedSpan[] = [],
  ): Promise<LogIngestResult> {
    const { events, rejected, ignored } = readContentEvents(views);
    const write =
      events.length > 0
        ? await this.#store.writeContentEvents(events, this.#now())
        : { written: 0, late: [] };
    const late: RejectedSpan[] = write.late.map((e) => ({
      traceId: e.runId,
      spanId: e.spanId,
      reason: 'content_after_finalisation',
      message: `run ${e.runId} was finalised before this content log record arrived; raise the settle window (serve --settle-seconds) above the log exporter's delay`,
    }));
    const all = [...preRejected, ...rejected, ...late];
    this.rejections.add(all);
    return { contentEvents: events.length - write.late.length, ignored, rejected: all };
  }

  /** Ingests log records of the in-process OTel SDK (`ReadableLogRecord`). */
  ingestReadableLogRecords(records: readonly ReadableLogRecordLike[]): Promise<LogIngestResult> {
    const { views, rejected } = readableLogRecordsToViews(records);
    return this.ingestLogViews(views, rejected);
  }

  /** Ingests a decoded OTLP ExportLogsServiceRequest. */
  ingestOtlpLogs(request: OtlpExportLogsServiceRequest): Promise<LogIngestResult> {
    const { views, rejected } = otlpLogsRequestToViews(request);
    return this.ingestLogViews(views, rejected);
  }

  /** Ingests a decoded OTLP ExportTraceServiceRequest. */
  ingestOtlp(request: OtlpExportTraceServiceRequest): Promise<IngestResult> {
    const { views, rejected } = otlpRequestToViews(request);
    return this.ingestViews(views, rejected);
  }
}
