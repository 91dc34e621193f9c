/**
 * Sends OTel log records (the official OpenAI instrumentation's GenAI content events) to a
 * receiver's `POST /v1/logs` with the official `@opentelemetry/exporter-logs-otlp-proto`
 * (OTLP/HTTP protobuf), the way an app's log exporter would.
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';

/**
 * How one export ended, as the official exporter reported it. It does not expose the HTTP
 * status of a success, and it only logs partial success (rejected records) through `diag`:
 * `ok` means the receiver answered 2xx, not that it kept every record.
 */
export type LogExportStatus =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** The HTTP status the receiver refused the export with, when there was a response. */
      readonly httpStatus?: number;
      readonly error: string;
    };

/** A logger provider whose records go to `url`, plus what each export ended with. */
export interface OtlpLogSender {
  readonly loggerProvider: LoggerProvider;
  /** Outcome of every export, in order (the receiver may not accept logs yet). */
  readonly statuses: LogExportStatus[];
  /** Every record exported, for assertions on what the instrumentation logged. */
  readonly records: ReadableLogRecord[];
}

function statusOf(result: ExportResult): LogExportStatus {
  if (result.code === ExportResultCode.SUCCESS) return { ok: true };
  const code = (result.error as { code?: unknown } | undefined)?.code;
  return {
    ok: false,
    ...(typeof code === 'number' ? { httpStatus: code } : {}),
    error: result.error?.message ?? 'export failed',
  };
}

/** Records what is exported and how each export ended, around the official exporter. */
class RecordingLogExporter implements LogRecordExporter {
  readonly #inner: LogRecordExporter;
  readonly #statuses: LogExportStatus[];
  readonly #records: ReadableLogRecord[];

  constructor(inner: LogRecordExporter, statuses: LogExportStatus[], records: ReadableLogRecord[]) {
    this.#inner = inner;
    this.#statuses = statuses;
    this.#records = records;
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.#records.push(...logs);
    this.#inner.export(logs, (result) => {
      this.#statuses.push(statusOf(result));
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}

/**
 * Starts a logger provider exporting to `${otlpHttpUrl}/v1/logs`. It batches (the SDK's
 * SimpleLogRecordProcessor.forceFlush does not wait for exports in flight): `forceFlush()`
 * resolves once the receiver answered every record emitted before it.
 */
export function startOtlpLogSender(otlpHttpUrl: string): OtlpLogSender {
  const statuses: LogExportStatus[] = [];
  const records: ReadableLogRecord[] = [];
  const exporter = new OTLPLogExporter({ url: `${otlpHttpUrl}/v1/logs` });
  const loggerProvider = new LoggerProvider({
    processors: [
      new BatchLogRecordProcessor({ exporter: new RecordingLogExporter(exporter, statuses, records) }),
    ],
  });
  return { loggerProvider, statuses, records };
}
