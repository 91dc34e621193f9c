import type { RejectedSpan } from '../model/lineage-record.js';
import type { Attrs } from '../model/span-view.js';
import type { OtlpExportLogsServiceRequest, OtlpLogRecord } from '../otlp/otlp-logs-types.js';
import {
  flattenOtlpAttributes,
  normaliseSdkAttributes,
  otlpAnyValueToPlain,
  type Plain,
  sdkValueToPlainValue,
} from '../span-view/attribute-values.js';
import { readId } from '../span-view/hex-id.js';
import { int64ToBigInt } from '../span-view/int64.js';
import { toRejectedSpan } from '../span-view/span-rejection.js';
import { resolveSpanViewLimits, type SpanViewLimits } from '../span-view/span-view-limits.js';

/**
 * One log record, normalised from either the OTel JS SDK (`ReadableLogRecord`) or a decoded
 * OTLP `ExportLogsServiceRequest`, reduced to what lineage reads from logs: the span it
 * belongs to, when it was emitted, its event name, attributes and body.
 */
export interface LogView {
  /** Lowercase hex; undefined when the record carries no (or an all-zero) trace id. */
  readonly traceId?: string;
  readonly spanId?: string;
  /**
   * False when the record's trace flags say its span was not sampled (its spans will never
   * arrive, so its content must not wait for them); true when sampled or unknown.
   */
  readonly sampled: boolean;
  /** Emit time in unix nanoseconds (observed time when unset; 0 when neither is). */
  readonly timeNs: bigint;
  /** `LogRecord.event_name`, else the `event.name` attribute (older instrumentations). */
  readonly eventName?: string;
  readonly attributes: Attrs;
  /** The body as a plain JSON value (kvlist → object). */
  readonly body: Plain;
}

/** Records that normalised, and the ones rejected (each alone, with a reason code). */
export interface LogViewsResult {
  readonly views: LogView[];
  readonly rejected: RejectedSpan[];
}

function optionalId(value: unknown, bytes: 8 | 16): string | undefined {
  const id = readId(value, bytes);
  return id.ok ? id.hex : undefined;
}

function eventNameOf(field: unknown, attributes: Attrs): string | undefined {
  if (typeof field === 'string' && field !== '') return field;
  const attr = attributes['event.name'];
  return typeof attr === 'string' && attr !== '' ? attr : undefined;
}

function nanosOf(value: unknown): bigint | undefined {
  const nanos = int64ToBigInt(value);
  return nanos !== undefined && nanos > 0n ? nanos : undefined;
}

/** W3C trace flags: bit 0 is `sampled`. Unknown flags count as sampled. */
function sampledFlag(flags: unknown): boolean {
  return typeof flags === 'number' && Number.isInteger(flags) ? (flags & 1) === 1 : true;
}

function fromOtlpRecord(record: OtlpLogRecord, limits: SpanViewLimits): LogView {
  const attributes = flattenOtlpAttributes(record.attributes, limits, 'log record');
  const traceId = optionalId(record.traceId, 16);
  const spanId = optionalId(record.spanId, 8);
  const eventName = eventNameOf(record.eventName, attributes);
  return {
    ...(traceId !== undefined ? { traceId } : {}),
    ...(spanId !== undefined ? { spanId } : {}),
    // OTLP LogRecord.flags carries the trace flags in its low byte; 0 when the record has no span.
    sampled: traceId === undefined || sampledFlag(record.flags),
    timeNs: nanosOf(record.timeUnixNano) ?? nanosOf(record.observedTimeUnixNano) ?? 0n,
    ...(eventName !== undefined ? { eventName } : {}),
    attributes,
    body: otlpAnyValueToPlain(record.body, limits, 'log record body'),
  };
}

/**
 * Normalises every record of a decoded OTLP logs request; a record over the limits is
 * rejected alone. Resource and scope are not read: lineage joins logs to spans by id.
 */
export function otlpLogsRequestToViews(
  request: OtlpExportLogsServiceRequest,
  limits?: Partial<SpanViewLimits>,
): LogViewsResult {
  const resolved = resolveSpanViewLimits(limits);
  const views: LogView[] = [];
  const rejected: RejectedSpan[] = [];
  for (const rl of request.resourceLogs ?? []) {
    for (const sl of rl?.scopeLogs ?? []) {
      for (const record of sl?.logRecords ?? []) {
        try {
          views.push(fromOtlpRecord(record, resolved));
        } catch (error) {
          rejected.push(
            toRejectedSpan(error, optionalId(record?.traceId, 16), optionalId(record?.spanId, 8)),
          );
        }
      }
    }
  }
  return { views, rejected };
}

/** The parts of the OTel JS SDK's `ReadableLogRecord` read here (structural: no SDK import). */
export interface ReadableLogRecordLike {
  readonly hrTime?: readonly [number, number];
  readonly hrTimeObserved?: readonly [number, number];
  readonly spanContext?: {
    readonly traceId?: string;
    readonly spanId?: string;
    readonly traceFlags?: number;
  };
  readonly eventName?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
}

function hrNanos(time: unknown): bigint | undefined {
  if (!Array.isArray(time) || time.length !== 2) return undefined;
  const [sec, nanos] = time as unknown[];
  if (!Number.isSafeInteger(sec) || !Number.isSafeInteger(nanos)) return undefined;
  const total = BigInt(sec as number) * 1_000_000_000n + BigInt(nanos as number);
  return total > 0n ? total : undefined;
}

function fromSdkRecord(record: ReadableLogRecordLike, limits: SpanViewLimits): LogView {
  const attributes = normaliseSdkAttributes(record.attributes, limits, 'log record');
  const traceId = optionalId(record.spanContext?.traceId, 16);
  const spanId = optionalId(record.spanContext?.spanId, 8);
  const eventName = eventNameOf(record.eventName, attributes);
  return {
    ...(traceId !== undefined ? { traceId } : {}),
    ...(spanId !== undefined ? { spanId } : {}),
    sampled: traceId === undefined || sampledFlag(record.spanContext?.traceFlags),
    timeNs: hrNanos(record.hrTime) ?? hrNanos(record.hrTimeObserved) ?? 0n,
    ...(eventName !== undefined ? { eventName } : {}),
    attributes,
    body: sdkValueToPlainValue(record.body, limits, 'log record body'),
  };
}

/** Normalises log records of the in-process OTel SDK; a record that cannot be read is rejected alone. */
export function readableLogRecordsToViews(
  records: readonly ReadableLogRecordLike[],
  limits?: Partial<SpanViewLimits>,
): LogViewsResult {
  const resolved = resolveSpanViewLimits(limits);
  const views: LogView[] = [];
  const rejected: RejectedSpan[] = [];
  for (const record of records) {
    try {
      views.push(fromSdkRecord(record, resolved));
    } catch (error) {
      let ids: { traceId?: string; spanId?: string } = {};
      try {
        ids = {
          traceId: optionalId(record?.spanContext?.traceId, 16),
          spanId: optionalId(record?.spanContext?.spanId, 8),
        };
      } catch {
        // A hostile getter: report the record without ids.
      }
      rejected.push(toRejectedSpan(error, ids.traceId, ids.spanId));
    }
  }
  return { views, rejected };
}
