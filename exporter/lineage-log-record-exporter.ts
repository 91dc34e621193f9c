import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { exportDurably } from './durable-export.js';
import type { ReadableLogRecordLike } from './logs/log-view.js';
import type { IngestPipeline } from './pipeline/ingest-pipeline.js';

/** Options of LineageLogRecordExporter. */
export interface LineageLogRecordExporterOptions {
  /** The same pipeline (and store) the app's LineageSpanExporter uses. */
  readonly pipeline: IngestPipeline;
}

/**
 * A standard OTel `LogRecordExporter` (use it under a `BatchLogRecordProcessor` of the
 * app's `LoggerProvider`) for instrumentations that put message content in log records,
 * such as `@opentelemetry/instrumentation-openai`: their GenAI content events fill the
 * hashes, answer artifact and FinalOutput of the invocation they belong to when its run is
 * finalised. Other records are accepted and dropped. Like LineageSpanExporter it never
 * throws, reports success only once the records are durable, and exports inside
 * `suppressTracing`.
 */
export class LineageLogRecordExporter {
  readonly #pipeline: IngestPipeline;
  readonly #pending = new Set<Promise<void>>();
  #shutdown = false;

  constructor(options: LineageLogRecordExporterOptions) {
    this.#pipeline = options.pipeline;
  }

  /** Exports a batch; the callback fires once, after the records are durable or have failed. */
  export(logs: ReadableLogRecordLike[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new Error('LineageLogRecordExporter is shut down'),
      });
      return;
    }
    exportDurably(
      'log record',
      this.#pending,
      () => this.#pipeline.ingestReadableLogRecords(logs),
      resultCallback,
    );
  }

  /** Waits for pending exports. */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  /** Waits for pending exports; later exports fail. Idempotent. */
  async shutdown(): Promise<void> {
    this.#shutdown = true;
    await Promise.all([...this.#pending]);
  }
}
