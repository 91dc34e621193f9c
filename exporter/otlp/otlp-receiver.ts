import type { OtlpExportTraceServiceRequest } from '../span-view/otlp-types.js';
import { checkTraceRequestLimits } from './check-limits.js';
import { decodeTraceRequestJson } from './decode-json.js';
import { decodeTraceRequestProtobuf } from './decode-protobuf.js';
import type { ExportTracesResult, OtlpEncoding } from './encode-response.js';
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

/** Dependencies and settings of `createOtlpReceiver`. */
export interface OtlpReceiverOptions {
  readonly ingest: TraceIngest;
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

  async function exportTraces(body: Uint8Array, encoding: OtlpEncoding): Promise<ExportTracesResult> {
    // Decoded OTLP takes several times its size in heap: bound what is decoded at once.
    if (bytesInFlight > 0 && bytesInFlight + body.byteLength > limits.maxInFlightBytes) {
      throw new UnavailableError(
        `receiver busy: ${bytesInFlight} request bytes already being ingested (limit ${limits.maxInFlightBytes}); retry`,
      );
    }
    bytesInFlight += body.byteLength;
    try {
      return await decodeAndIngest(body, encoding);
    } finally {
      bytesInFlight -= body.byteLength;
    }
  }

  async function decodeAndIngest(body: Uint8Array, encoding: OtlpEncoding): Promise<ExportTracesResult> {
    const request = encoding === 'json' ? decodeTraceRequestJson(body) : decodeTraceRequestProtobuf(body);
    const spans = checkTraceRequestLimits(request, limits);
    // An empty request is a valid export with nothing to commit.
    if (spans === 0) return { rejectedSpans: 0 };
    const result = await options.ingest(request);
    const rejected = Number.isInteger(result.rejectedSpans)
      ? Math.min(Math.max(result.rejectedSpans, 0), spans)
      : 0;
    if (rejected !== result.rejectedSpans) {
      logger.warn('otlp receiver: ingest reported an impossible rejectedSpans; clamped', {
        reported: result.rejectedSpans,
        spans,
      });
    }
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
    async close() {
      closing = true;
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
