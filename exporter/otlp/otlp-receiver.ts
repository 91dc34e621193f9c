import type { OtlpExportTraceServiceRequest } from '../span-view/otlp-types.js';
import { checkLogsRequestLimits, checkTraceRequestLimits } from './check-limits.js';
import { decodeLogsRequestJson, decodeTraceRequestJson } from './decode-json.js';
import { decodeLogsRequestProtobuf, decodeTraceRequestProtobuf } from './decode-protobuf.js';
import type { ExportLogsResult, ExportTracesResult, OtlpEncoding } from './encode-response.js';
import type { OtlpExportLogsServiceRequest } from './otlp-logs-types.js';
import { UnavailableError } from './receiver-errors.js';
import { parseReceiverLimits, type ReceiverLimits, type ReceiverLimitsInput } from './receiver-limits.js';

/** Where the receiver reports refusals and internal failures. */
export interface ReceiverLogger {
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/**
 * Durably commits one decoded request and reports how many of its spans it rejected.
 * Resolve only after the commit is durable: the client is acknowledged when this resolves.
 * Reject with `UnavailableError` for transient failures (store down, overloaded) so the client
 * retries; any other rejection is answered as an internal error.
 */
export type TraceIngest = (request: OtlpExportTraceServiceRequest) => Promise<ExportTracesResult>;

/** Like TraceIngest, for a decoded logs request: resolve once its records are durable. */
export type LogsIngest = (request: OtlpExportLogsServiceRequest) => Promise<ExportLogsResult>;

/** Dependencies and settings of `createOtlpReceiver`. */
export interface OtlpReceiverOptions {
  readonly ingest: TraceIngest;
  /** Ingests OTLP logs (GenAI content events); without it, logs requests are refused as not served. */
  readonly ingestLogs?: LogsIngest;
  /** Validated with zod; see `DEFAULT_RECEIVER_LIMITS` for the defaults. */
  readonly limits?: ReceiverLimitsInput;
  /** Defaults to `console`. */
  readonly logger?: ReceiverLogger;
}

/** Transport-independent core shared by the OTLP/HTTP and OTLP/gRPC servers. */
export interface OtlpReceiver {
  /** The resolved limits (transports read the size bounds from here). */
  readonly limits: ReceiverLimits;
  /** Requests currently admitted and not yet answered. */
  readonly inFlight: number;
  /**
   * Runs one request's work (body read, decode, ingest) under the in-flight bound. Throws
   * `UnavailableError` at once when the bound is reached or the receiver is closing.
   */
  admit<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Decodes an (already decompressed) body, enforces the span and attribute limits, and passes
   * the whole request to ingest. Throws `OtlpDecodeError`, `OtlpLimitError`, `UnavailableError`
   * or ingest's own error; nothing reaches ingest when decoding or a limit fails.
   */
  exportTraces(body: Uint8Array, encoding: OtlpEncoding): Promise<ExportTracesResult>;
  /** Whether logs are ingested (`ingestLogs` was given). */
  readonly servesLogs: boolean;
  /** As exportTraces, for an `ExportLogsServiceRequest` (record count bounded by maxSpansPerRequest). */
  exportLogs(body: Uint8Array, encoding: OtlpEncoding): Promise<ExportLogsResult>;
  /** Stops admitting requests and resolves when every admitted one has been answered. */
  close(): Promise<void>;
}

/** Creates the receiver core; limits are validated here and a bad value throws at start-up. */
export function createOtlpReceiver(options: OtlpReceiverOptions): OtlpReceiver {
  const limits = parseReceiverLimits(options.limits);
  const logger = options.logger ?? console;
  const running = new Set<Promise<unknown>>();
  let closing = false;
  let bytesInFlight = 0;

  async function boundedInFlight<T>(body: Uint8Array, work: () => Promise<T>): Promise<T> {
    // Decoded OTLP takes several times its size in heap: bound what is decoded at once.
    if (bytesInFlight > 0 && bytesInFlight + body.byteLength > limits.maxInFlightBytes) {
      throw new UnavailableError(
        `receiver busy: ${bytesInFlight} request bytes already being ingested (limit ${limits.maxInFlightBytes}); retry`,
      );
    }
    bytesInFlight += body.byteLength;
    try {
      return await work();
    } finally {
      bytesInFlight -= body.byteLength;
    }
  }

  /** An ingest's rejected count limited to [0, items]; an impossible one is logged. */
  function clampRejected(reported: number, items: number, source: string, field: string): number {
    const rejected = Number.isInteger(reported) ? Math.min(Math.max(reported, 0), items) : 0;
    if (rejected !== reported) {
      logger.warn(`otlp receiver: ${source} reported an impossible ${field}; clamped`, { reported, items });
    }
    return rejected;
  }

  function exportTraces(body: Uint8Array, encoding: OtlpEncoding): Promise<ExportTracesResult> {
    return boundedInFlight(body, () => decodeAndIngest(body, encoding));
  }

  async function decodeAndIngestLogs(body: Uint8Array, encoding: OtlpEncoding): Promise<ExportLogsResult> {
    const ingestLogs = options.ingestLogs;
    if (ingestLogs === undefined) throw new Error('logs are not served by this receiver');
    const request = encoding === 'json' ? decodeLogsRequestJson(body) : decodeLogsRequestProtobuf(body);
    const records = checkLogsRequestLimits(request, limits);
    if (records === 0) return { rejectedLogRecords: 0 };
    const result = await ingestLogs(request);
    const rejected = clampRejected(result.rejectedLogRecords, records, 'ingestLogs', 'rejectedLogRecords');
    return result.errorMessage === undefined
      ? { rejectedLogRecords: rejected }
      : { rejectedLogRecords: rejected, errorMessage: result.errorMessage };
  }

  async function decodeAndIngest(body: Uint8Array, encoding: OtlpEncoding): Promise<ExportTracesResult> {
    const request = encoding === 'json' ? decodeTraceRequestJson(body) : decodeTraceRequestProtobuf(body);
    const spans = checkTraceRequestLimits(request, limits);
    // An empty request is a valid export with nothing to commit.
    if (spans === 0) return { rejectedSpans: 0 };
    const result = await options.ingest(request);
    const rejected = clampRejected(result.rejectedSpans, spans, 'ingest', 'rejectedSpans');
    return result.errorMessage === undefined
      ? { rejectedSpans: rejected }
      : { rejectedSpans: rejected, errorMessage: result.errorMessage };
  }

  return {
    limits,
    get inFlight() {
      return running.size;
    },
    admit<T>(work: () => Promise<T>): Promise<T> {
      if (closing) return Promise.reject(new UnavailableError('receiver is shutting down'));
      if (running.size >= limits.maxInFlightRequests) {
        return Promise.reject(
          new UnavailableError(
            `receiver overloaded: ${limits.maxInFlightRequests} requests already in flight`,
          ),
        );
      }
      const task = work();
      running.add(task);
      const done = () => running.delete(task);
      task.then(done, done);
      return task;
    },
    exportTraces,
    servesLogs: options.ingestLogs !== undefined,
    exportLogs(body: Uint8Array, encoding: OtlpEncoding): Promise<ExportLogsResult> {
      return boundedInFlight(body, () => decodeAndIngestLogs(body, encoding));
    },
    async close() {
      closing = true;
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
