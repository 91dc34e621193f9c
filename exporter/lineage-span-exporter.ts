import { context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import { exportDurably } from './durable-export.js';
import type { RunFinaliser } from './finalise/run-finaliser.js';
import type { IngestPipeline } from './pipeline/ingest-pipeline.js';
import type { ReadableSpanLike } from './span-view/from-readable-span.js';

/** Options of LineageSpanExporter. */
export interface LineageSpanExporterOptions {
  readonly pipeline: IngestPipeline;
  /** Finalises settled runs into the archive; forceFlush runs one finalisation pass. */
  readonly finaliser?: RunFinaliser;
  /** Called on shutdown after pending exports finished (close stores you own here). */
  readonly onShutdown?: () => Promise<void>;
}

/**
 * A standard OTel `SpanExporter` that turns span batches into lineage records. Use it
 * under a `BatchSpanProcessor`. It never throws: every outcome reaches the result
 * callback, and success is reported only after the batch is durable in the store. Its
 * own I/O runs inside `suppressTracing`, so exporting creates no spans.
 */
export class LineageSpanExporter {
  readonly #pipeline: IngestPipeline;
  readonly #finaliser: RunFinaliser | undefined;
  readonly #onShutdown: (() => Promise<void>) | undefined;
  readonly #pending = new Set<Promise<void>>();
  #shutdown = false;

  constructor(options: LineageSpanExporterOptions) {
    this.#pipeline = options.pipeline;
    this.#finaliser = options.finaliser;
    this.#onShutdown = options.onShutdown;
  }

  /** Exports a batch; the callback fires once, after the batch is durable or has failed. */
  export(spans: ReadableSpanLike[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('LineageSpanExporter is shut down') });
      return;
    }
    exportDurably('span', this.#pending, () => this.#pipeline.ingestReadableSpans(spans), resultCallback);
  }

  /** Waits for pending exports, then runs one finalisation pass. */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.#pending]);
    if (this.#finaliser) {
      await context.with(suppressTracing(context.active()), () => this.#finaliser!.tick());
    }
  }

  /** Flushes, stops the finaliser and releases resources. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    await Promise.all([...this.#pending]);
    await this.#finaliser?.stop();
    await this.#onShutdown?.();
  }
}
