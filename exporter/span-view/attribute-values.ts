import { Buffer } from 'node:buffer';
import type { Attrs, AttrValue } from '../model/span-view.js';
import { bytesToHex } from './hex-id.js';
import { int64ToBigInt } from './int64.js';
import type { OtlpAnyValue, OtlpKeyValue } from './otlp-types.js';
import { SpanRejection } from './span-rejection.js';
import type { SpanViewLimits } from './span-view-limits.js';
import { decodeUtf8Lenient, toWellFormed } from './well-formed-string.js';

/** A JSON-safe plain value (what kvlists and mixed arrays become before `JSON.stringify`). */
export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

const ONEOF_FIELDS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;
type OneofField = (typeof ONEOF_FIELDS)[number];

function tooDeep(where: string, limits: SpanViewLimits): SpanRejection {
  return new SpanRejection('attribute_limit', `${where}: value nested deeper than ${limits.maxValueDepth}`);
}

function tooLong(where: string, length: number, limits: SpanViewLimits): SpanRejection {
  return new SpanRejection(
    'attribute_limit',
    `${where}: value length ${length} exceeds ${limits.maxAttributeValueLength}`,
  );
}

function checkCount(count: number, where: string, limits: SpanViewLimits): void {
  if (count > limits.maxAttributesPerSpan) {
    throw new SpanRejection(
      'attribute_limit',
      `${where}: ${count} entries exceed the limit of ${limits.maxAttributesPerSpan}`,
    );
  }
}

function readString(value: unknown): string {
  // Some decoders hand over raw bytes for strings; decode leniently rather than crash.
  if (value instanceof Uint8Array) return toWellFormed(decodeUtf8Lenient(value));
  return toWellFormed(String(value));
}

/** int64 as a number when exact, otherwise its decimal string (a JS number would round it). */
function readInt(value: unknown): number | string | undefined {
  const big = int64ToBigInt(value);
  if (big === undefined) return undefined;
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big.toString();
}

/** Finite doubles stay numbers; NaN/±Infinity (proto3 JSON spells them as strings) become strings so JSON stays valid. */
function readDouble(value: unknown): number | string | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (Number.isFinite(n)) return n;
  if (typeof value === 'string' || typeof value === 'number') return String(n);
  return undefined;
}

function readBytes(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return bytesToHex(value);
  // proto3 JSON encodes bytes as base64.
  if (typeof value === 'string') return Buffer.from(value, 'base64').toString('hex');
  return undefined;
}

/** Which oneof field is set: protobufjs `oneofs: true` names it in `value`; otherwise the first defined one. */
function setField(any: OtlpAnyValue): OneofField | undefined {
  const named = (any as { value?: unknown }).value;
  if (typeof named === 'string' && (ONEOF_FIELDS as readonly string[]).includes(named)) {
    return named as OneofField;
  }
  for (const field of ONEOF_FIELDS) if (any[field] !== undefined && any[field] !== null) return field;
  return undefined;
}

function anyToPlain(
  any: OtlpAnyValue | undefined,
  depth: number,
  where: string,
  limits: SpanViewLimits,
): Plain {
  if (depth > limits.maxValueDepth) throw tooDeep(where, limits);
  if (any === undefined || any === null || typeof any !== 'object') return null;
  switch (setField(any)) {
    case 'stringValue':
      return readString(any.stringValue);
    case 'boolValue':
      return any.boolValue === true;
    case 'intValue':
      return readInt(any.intValue) ?? null;
    case 'doubleValue':
      return readDouble(any.doubleValue) ?? null;
    case 'bytesValue':
      return readBytes(any.bytesValue) ?? null;
    case 'arrayValue': {
      const values = any.arrayValue?.values ?? [];
      checkCount(values.length, where, limits);
      return values.map((v) => anyToPlain(v, depth + 1, where, limits));
    }
    case 'kvlistValue': {
      const values = any.kvlistValue?.values ?? [];
      checkCount(values.length, where, limits);
      const out: { [key: string]: Plain } = {};
      for (const kv of values) {
        if (kv === null || typeof kv !== 'object') continue;
        out[readString(kv.key)] = anyToPlain(kv.value, depth + 1, where, limits);
      }
      return out;
    }
    default:
      return null;
  }
}

/**
 * Arrays stay arrays when every element is a string, every one a number, or every one a
 * boolean (the shapes OTel attributes allow); anything else (mixed, nested, null) becomes
 * its JSON so no element is lost.
 */
function plainArrayToAttr(values: readonly Plain[]): AttrValue {
  if (values.length === 0) return [];
  const first = typeof values[0];
  if (
    (first === 'string' || first === 'number' || first === 'boolean') &&
    values.every((v) => typeof v === first)
  ) {
    return values as string[] | number[] | boolean[];
  }
  return JSON.stringify(values);
}

function attrLength(value: AttrValue): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) {
    let total = 0;
    for (const v of value) total += typeof v === 'string' ? Math.max(1, v.length) : 1;
    return total;
  }
  return 1;
}

function plainToAttr(plain: Plain): AttrValue | undefined {
  if (plain === null) return undefined;
  if (Array.isArray(plain)) return plainArrayToAttr(plain);
  if (typeof plain === 'object') return JSON.stringify(plain);
  return plain;
}

function bounded(value: AttrValue, where: string, limits: SpanViewLimits): AttrValue {
  const length = attrLength(value);
  if (length > limits.maxAttributeValueLength) throw tooLong(where, length, limits);
  return value;
}

/**
 * Flattens OTLP KeyValues into `Attrs`: kvlist → JSON string, bytes → hex, homogeneous
 * arrays kept, mixed arrays → JSON string, int64 beyond 2^53 → decimal string, unset
 * values dropped. Duplicate keys: the last one wins (OTLP forbids them; this keeps the
 * result independent of anything but input order).
 * @throws {SpanRejection} `attribute_limit` when count, length or nesting exceed `limits`.
 */
export function flattenOtlpAttributes(
  kvs: readonly OtlpKeyValue[] | undefined,
  limits: SpanViewLimits,
  where: string,
): Attrs {
  if (kvs === undefined || kvs === null) return {};
  if (!Array.isArray(kvs)) throw new SpanRejection('invalid_span', `${where}: attributes is not a list`);
  checkCount(kvs.length, where, limits);
  const out: Record<string, AttrValue> = {};
  for (const kv of kvs) {
    if (kv === null || typeof kv !== 'object') continue;
    const key = readString(kv.key);
    const value = plainToAttr(anyToPlain(kv.value, 0, `${where} '${key.slice(0, 100)}'`, limits));
    if (value !== undefined) out[key] = bounded(value, `${where} '${key.slice(0, 100)}'`, limits);
  }
  return out;
}

function sdkValueToPlain(value: unknown, depth: number, where: string, limits: SpanViewLimits): Plain {
  if (depth > limits.maxValueDepth) throw tooDeep(where, limits);
  switch (typeof value) {
    case 'string':
      return toWellFormed(value);
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return readInt(value) ?? null;
    case 'object': {
      if (value === null) return null;
      if (value instanceof Uint8Array) return bytesToHex(value);
      if (Array.isArray(value)) {
        checkCount(value.length, where, limits);
        return value.map((v) => sdkValueToPlain(v, depth + 1, where, limits));
      }
      const entries = Object.entries(value);
      checkCount(entries.length, where, limits);
      const out: { [key: string]: Plain } = {};
      for (const [k, v] of entries) out[toWellFormed(k)] = sdkValueToPlain(v, depth + 1, where, limits);
      return out;
    }
    default:
      return null;
  }
}

/**
 * Normalises OTel JS SDK attributes (values are primitives or homogeneous arrays that may
 * contain null/undefined). Undefined and null values are dropped; arrays holding nulls
 * become JSON strings so positions are kept.
 * @throws {SpanRejection} `attribute_limit` when count, length or nesting exceed `limits`.
 */
export function normaliseSdkAttributes(
  attributes: Readonly<Record<string, unknown>> | undefined,
  limits: SpanViewLimits,
  where: string,
): Attrs {
  if (attributes === undefined || attributes === null || typeof attributes !== 'object') return {};
  const keys = Object.keys(attributes);
  checkCount(keys.length, where, limits);
  const out: Record<string, AttrValue> = {};
  for (const key of keys) {
    const at = `${where} '${key.slice(0, 100)}'`;
    const value = plainToAttr(sdkValueToPlain(attributes[key], 0, at, limits));
    if (value !== undefined) out[toWellFormed(key)] = bounded(value, at, limits);
  }
  return out;
}

/**
 * An OTLP AnyValue as a plain JSON value (kvlist → object, bytes → hex, int64 beyond 2^53 →
 * decimal string), for log record bodies.
 * @throws {SpanRejection} `attribute_limit` when count or nesting exceed `limits`.
 */
export function otlpAnyValueToPlain(
  any: OtlpAnyValue | undefined,
  limits: SpanViewLimits,
  where: string,
): Plain {
  return anyToPlain(any, 0, where, limits);
}

/**
 * A value the OTel JS SDK holds (log body: string, number, object, array, bytes) as a plain
 * JSON value.
 * @throws {SpanRejection} `attribute_limit` when count or nesting exceed `limits`.
 */
export function sdkValueToPlainValue(value: unknown, limits: SpanViewLimits, where: string): Plain {
  return sdkValueToPlain(value, 0, where, limits);
}
