import { context, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
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
    const done = Promise.resolve()
      .then(() =>
        context.with(suppressTracing(context.active()), () => this.#pipeline.ingestReadableLogRecords(logs)),
      )
      .then(
        (result) => {
          if (result.rejected.length > 0) {
            diag.warn(
              `agent-lineage: ${result.rejected.length} log record(s) rejected`,
              result.rejected.slice(0, 5),
            );
          }
          resultCallback({ code: ExportResultCode.SUCCESS });
        },
        (error: unknown) => {
          diag.error('agent-lineage: log export failed', error);
          resultCallback({
            code: ExportResultCode.FAILED,
            error: error instanceof Error ? error : new Error(String(error)),
          });
        },
      )
      .catch((error: unknown) => diag.error('agent-lineage: log export result callback threw', error))
      .finally(() => {
        this.#pending.delete(done);
      });
    this.#pending.add(done);
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
