import type { OtlpAnyValue, OtlpExportTraceServiceRequest, OtlpKeyValue } from '../span-view/otlp-types.js';
import type { OtlpExportLogsServiceRequest } from './otlp-logs-types.js';
import { OtlpLimitError } from './receiver-errors.js';
import type { ReceiverLimits } from './receiver-limits.js';

type AttributeLimits = Pick<ReceiverLimits, 'maxAttributesPerSpan' | 'maxAttributeValueLength'>;

function valueLength(v: string | Uint8Array): number {
  return v.length;
}

function checkValue(
  value: OtlpAnyValue | undefined,
  key: string,
  where: string,
  limits: AttributeLimits,
): void {
  if (value === undefined) return;
  const max = limits.maxAttributeValueLength;
  if (value.stringValue !== undefined && valueLength(value.stringValue) > max) {
    throw new OtlpLimitError(
      'attribute-value',
      `attribute "${key}" on ${where} is ${value.stringValue.length} characters long; the limit is ${max}`,
    );
  }
  if (value.bytesValue !== undefined && valueLength(value.bytesValue) > max) {
    throw new OtlpLimitError(
      'attribute-value',
      `attribute "${key}" on ${where} has ${value.bytesValue.length} bytes; the limit is ${max}`,
    );
  }
  const items = value.arrayValue?.values;
  if (items !== undefined) {
    if (items.length > limits.maxAttributesPerSpan) {
      throw new OtlpLimitError(
        'attributes',
        `attribute "${key}" on ${where} is an array of ${items.length} values; the limit is ${limits.maxAttributesPerSpan}`,
      );
    }
    for (const item of items) checkValue(item, key, where, limits);
  }
  const entries = value.kvlistValue?.values;
  if (entries !== undefined) checkAttributes(entries, `${where} (in "${key}")`, limits);
}

function checkAttributes(
  attributes: readonly OtlpKeyValue[] | undefined,
  where: string,
  limits: AttributeLimits,
): void {
  if (attributes === undefined) return;
  if (attributes.length > limits.maxAttributesPerSpan) {
    throw new OtlpLimitError(
      'attributes',
      `${where} has ${attributes.length} attributes; the limit is ${limits.maxAttributesPerSpan}`,
    );
  }
  for (const kv of attributes) {
    if (kv.key.length > limits.maxAttributeValueLength) {
      throw new OtlpLimitError(
        'attribute-value',
        `an attribute key on ${where} is ${kv.key.length} characters long; the limit is ${limits.maxAttributeValueLength}`,
      );
    }
    checkValue(kv.value, kv.key, where, limits);
  }
}

/**
 * Checks a decoded trace request against the span, attribute-count and attribute-length limits
 * before anything of it reaches ingest, so an over-limit request is refused whole (a partial
 * store would leave half a run). The attribute bounds apply to spans, events, links, resources
 * and scopes alike, and to the elements of array and kvlist values. Returns the span count.
 */
export function checkTraceRequestLimits(
  request: OtlpExportTraceServiceRequest,
  limits: Pick<ReceiverLimits, 'maxSpansPerRequest' | 'maxAttributesPerSpan' | 'maxAttributeValueLength'>,
): number {
  let spans = 0;
  for (const rs of request.resourceSpans ?? []) {
    checkAttributes(rs.resource?.attributes, 'a resource', limits);
    for (const ss of rs.scopeSpans ?? []) {
      checkAttributes(ss.scope?.attributes, 'an instrumentation scope', limits);
      const list = ss.spans ?? [];
      spans += list.length;
      if (spans > limits.maxSpansPerRequest) {
        throw new OtlpLimitError(
          'spans',
          `request has more than ${limits.maxSpansPerRequest} spans (the limit); split it into smaller batches`,
        );
      }
      for (const span of list) {
        const where = `span "${span.name ?? ''}"`;
        checkAttributes(span.attributes, where, limits);
        for (const event of span.events ?? [])
          checkAttributes(event.attributes, `an event of ${where}`, limits);
        for (const link of span.links ?? []) checkAttributes(link.attributes, `a link of ${where}`, limits);
      }
    }
  }
  return spans;
}

/**
 * Checks a decoded logs request the same way: at most `maxSpansPerRequest` log records, and
 * the attribute bounds on records, resources and scopes; bodies get the count bounds but no
 * length bound (they carry whole prompts). Returns the record count.
 */
export function checkLogsRequestLimits(
  request: OtlpExportLogsServiceRequest,
  limits: Pick<ReceiverLimits, 'maxSpansPerRequest' | 'maxAttributesPerSpan' | 'maxAttributeValueLength'>,
): number {
  const bodyLimits = { ...limits, maxAttributeValueLength: Number.MAX_SAFE_INTEGER };
  let records = 0;
  for (const rl of request.resourceLogs ?? []) {
    checkAttributes(rl.resource?.attributes, 'a resource', limits);
    for (const sl of rl.scopeLogs ?? []) {
      checkAttributes(sl.scope?.attributes, 'an instrumentation scope', limits);
      const list = sl.logRecords ?? [];
      records += list.length;
      if (records > limits.maxSpansPerRequest) {
        throw new OtlpLimitError(
          'spans',
          `request has more than ${limits.maxSpansPerRequest} log records (the limit); split it into smaller batches`,
        );
      }
      for (const record of list) {
        checkAttributes(record.attributes, 'a log record', limits);
        // A body is message content (a long RAG prompt is normal): only the request size bounds
        // its strings; its shape (array and map sizes) is still checked.
        checkValue(record.body, 'body', 'a log record', bodyLimits);
      }
    }
  }
  return records;
}
