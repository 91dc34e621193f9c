import type { OtlpExportTraceServiceRequest, OtlpKeyValue, OtlpSpan } from '../span-view/otlp-types.js';
import {
  compact,
  type JsonObject,
  parseJsonBody,
  readAnyValue,
  readArray,
  readEnum,
  readId,
  readInt32,
  readInt64,
  readKeyValues,
  readObject,
  readString,
} from './otlp-json-reader.js';
import type { OtlpExportLogsServiceRequest, OtlpLogRecord } from './otlp-logs-types.js';
import { OtlpDecodeError } from './receiver-errors.js';

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

function readResource(value: unknown, path: string) {
  const o = readObject(value, path);
  if (o === undefined) return undefined;
  return compact({
    attributes: readKeyValues(o.attributes, `${path}.attributes`),
    droppedAttributesCount: readInt32(o.droppedAttributesCount, `${path}.droppedAttributesCount`),
  });
}

function readScope(value: unknown, path: string) {
  const o = readObject(value, path);
  if (o === undefined) return undefined;
  return compact({
    name: readString(o.name, `${path}.name`),
    version: readString(o.version, `${path}.version`),
    attributes: readKeyValues(o.attributes, `${path}.attributes`),
    droppedAttributesCount: readInt32(o.droppedAttributesCount, `${path}.droppedAttributesCount`),
  });
}

function readSpan(value: unknown, p: string): OtlpSpan {
  const o: JsonObject = readObject(value, p) ?? {};
  const status = readObject(o.status, `${p}.status`);
  return compact({
    traceId: readId(o.traceId, `${p}.traceId`),
    spanId: readId(o.spanId, `${p}.spanId`),
    traceState: readString(o.traceState, `${p}.traceState`),
    parentSpanId: readId(o.parentSpanId, `${p}.parentSpanId`),
    flags: readInt32(o.flags, `${p}.flags`),
    name: readString(o.name, `${p}.name`),
    kind: readEnum(o.kind, `${p}.kind`, SPAN_KINDS),
    startTimeUnixNano: readInt64(o.startTimeUnixNano, `${p}.startTimeUnixNano`),
    endTimeUnixNano: readInt64(o.endTimeUnixNano, `${p}.endTimeUnixNano`),
    attributes: readKeyValues(o.attributes, `${p}.attributes`),
    droppedAttributesCount: readInt32(o.droppedAttributesCount, `${p}.droppedAttributesCount`),
    events: readArray(o.events, `${p}.events`, (e, ep) => {
      const eo = readObject(e, ep) ?? {};
      return compact({
        timeUnixNano: readInt64(eo.timeUnixNano, `${ep}.timeUnixNano`),
        name: readString(eo.name, `${ep}.name`),
        attributes: readKeyValues(eo.attributes, `${ep}.attributes`),
      });
    }),
    links: readArray(o.links, `${p}.links`, (l, lp) => {
      const lo = readObject(l, lp) ?? {};
      return compact({
        traceId: readId(lo.traceId, `${lp}.traceId`),
        spanId: readId(lo.spanId, `${lp}.spanId`),
        traceState: readString(lo.traceState, `${lp}.traceState`),
        attributes: readKeyValues(lo.attributes, `${lp}.attributes`),
        flags: readInt32(lo.flags, `${lp}.flags`),
      });
    }),
    status:
      status === undefined
        ? undefined
        : compact({
            message: readString(status.message, `${p}.status.message`),
            code: readEnum(status.code, `${p}.status.code`, STATUS_CODES),
          }),
  });
}

/** Turns a stack overflow from absurdly deep nesting into a decode error instead of a crash. */
function guardDepth<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof RangeError) throw new OtlpDecodeError(`malformed ${what} JSON: nesting too deep`);
    throw error;
  }
}

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` (UTF-8 bytes). Ids stay hex strings,
 * int64 stay numbers or decimal strings, `bytesValue` becomes a Uint8Array. Throws
 * `OtlpDecodeError` for invalid JSON or a wrongly typed field.
 */
export function decodeTraceRequestJson(bytes: Uint8Array): OtlpExportTraceServiceRequest {
  const root = parseJsonBody(bytes, 'ExportTraceServiceRequest');
  return guardDepth('ExportTraceServiceRequest', () =>
    compact({
      resourceSpans: readArray(root.resourceSpans, '$.resourceSpans', (rs, rp) => {
        const o = readObject(rs, rp) ?? {};
        return compact({
          resource: readResource(o.resource, `${rp}.resource`),
          scopeSpans: readArray(o.scopeSpans, `${rp}.scopeSpans`, (ss, sp) => {
            const so = readObject(ss, sp) ?? {};
            return compact({
              scope: readScope(so.scope, `${sp}.scope`),
              spans: readArray(so.spans, `${sp}.spans`, readSpan),
              schemaUrl: readString(so.schemaUrl, `${sp}.schemaUrl`),
            });
          }),
          schemaUrl: readString(o.schemaUrl, `${rp}.schemaUrl`),
        });
      }),
    }),
  );
}

function readLogRecord(value: unknown, p: string): OtlpLogRecord {
  const o: JsonObject = readObject(value, p) ?? {};
  const body: OtlpKeyValue['value'] = readAnyValue(o.body, `${p}.body`);
  return compact({
    timeUnixNano: readInt64(o.timeUnixNano, `${p}.timeUnixNano`),
    observedTimeUnixNano: readInt64(o.observedTimeUnixNano, `${p}.observedTimeUnixNano`),
    severityNumber: readInt32(o.severityNumber, `${p}.severityNumber`),
    severityText: readString(o.severityText, `${p}.severityText`),
    body,
    attributes: readKeyValues(o.attributes, `${p}.attributes`),
    droppedAttributesCount: readInt32(o.droppedAttributesCount, `${p}.droppedAttributesCount`),
    flags: readInt32(o.flags, `${p}.flags`),
    traceId: readId(o.traceId, `${p}.traceId`),
    spanId: readId(o.spanId, `${p}.spanId`),
    eventName: readString(o.eventName, `${p}.eventName`),
  });
}

/** Decodes an OTLP/JSON `ExportLogsServiceRequest` (UTF-8 bytes), same conventions as traces. */
export function decodeLogsRequestJson(bytes: Uint8Array): OtlpExportLogsServiceRequest {
  const root = parseJsonBody(bytes, 'ExportLogsServiceRequest');
  return guardDepth('ExportLogsServiceRequest', () =>
    compact({
      resourceLogs: readArray(root.resourceLogs, '$.resourceLogs', (rl, rp) => {
        const o = readObject(rl, rp) ?? {};
        return compact({
          resource: readResource(o.resource, `${rp}.resource`),
          scopeLogs: readArray(o.scopeLogs, `${rp}.scopeLogs`, (sl, sp) => {
            const so = readObject(sl, sp) ?? {};
            return compact({
              scope: readScope(so.scope, `${sp}.scope`),
              logRecords: readArray(so.logRecords, `${sp}.logRecords`, readLogRecord),
              schemaUrl: readString(so.schemaUrl, `${sp}.schemaUrl`),
            });
          }),
          schemaUrl: readString(o.schemaUrl, `${rp}.schemaUrl`),
        });
      }),
    }),
  );
}
