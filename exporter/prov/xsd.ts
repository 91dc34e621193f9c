import type { JsonLdValue } from './prov-document.js';

/** Epoch ms → `xsd:dateTime` lexical form (UTC, ms precision), or undefined when not a valid time. */
export function toDateTime(epochMs: number): string | undefined {
  if (!Number.isFinite(epochMs)) return undefined;
  const d = new Date(epochMs);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A typed `xsd:dateTime` literal, for properties whose context term is not already typed. */
export function dateTimeLiteral(epochMs: number): JsonLdValue | undefined {
  const v = toDateTime(epochMs);
  return v === undefined ? undefined : { '@value': v, '@type': 'xsd:dateTime' };
}

/**
 * Parses a time prop that may be epoch ms or an ISO-8601 string into the `xsd:dateTime`
 * lexical form; undefined when it is neither (the caller then keeps the raw text).
 */
export function parseTimeProp(value: string | number): string | undefined {
  if (typeof value === 'number') return toDateTime(value);
  // Only full ISO date-times: Date.parse accepts too much (e.g. "1") to be trusted alone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : toDateTime(ms);
}
