/**
 * Sends OTel log records (the official OpenAI instrumentation's GenAI content events) to a
 * receiver's `POST /v1/logs` as OTLP/HTTP protobuf, the way an app's log exporter would.
 * Built from the SDK's own serializer (`@opentelemetry/otlp-transformer`, which brings
 * `@opentelemetry/sdk-logs`) because no OTLP logs exporter package is installed here.
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import {
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';

/** A logger provider whose records go to `url`, plus what the receiver answered. */
export interface OtlpLogSender {
  readonly loggerProvider: LoggerProvider;
  /** HTTP status of every POST, in order (the receiver may not accept logs yet). */
  readonly statuses: number[];
  /** Every record emitted, for assertions on what the instrumentation logged. */
  readonly records: ReadableLogRecord[];
}

class ProtobufLogPoster implements LogRecordExporter {
  readonly #url: string;
  readonly #statuses: number[];
  readonly #records: ReadableLogRecord[];
  readonly #pending = new Set<Promise<void>>();

  constructor(url: string, statuses: number[], records: ReadableLogRecord[]) {
    this.#url = url;
    this.#statuses = statuses;
    this.#records = records;
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.#records.push(...logs);
    const body = ProtobufLogsSerializer.serializeRequest(logs);
    const sent = fetch(this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: body ?? new Uint8Array(),
    })
      .then(async (res) => {
        this.#statuses.push(res.status);
        await res.arrayBuffer();
        resultCallback({ code: res.ok ? ExportResultCode.SUCCESS : ExportResultCode.FAILED });
      })
      .catch((error: unknown) => {
        this.#statuses.push(0);
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      })
      .finally(() => this.#pending.delete(sent));
    this.#pending.add(sent);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}

/** Starts a logger provider exporting every record at once to `${otlpHttpUrl}/v1/logs`. */
export function startOtlpLogSender(otlpHttpUrl: string): OtlpLogSender {
  const statuses: number[] = [];
  const records: ReadableLogRecord[] = [];
  const loggerProvider = new LoggerProvider({
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new ProtobufLogPoster(`${otlpHttpUrl}/v1/logs`, statuses, records),
      }),
    ],
  });
  return { loggerProvider, statuses, records };
}
