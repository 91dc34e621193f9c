import type { OtlpAnyValue, OtlpInt64, OtlpKeyValue } from '../span-view/otlp-types.js';
import { OtlpDecodeError } from './receiver-errors.js';

/**
 * Readers for the OTLP/JSON encoding (proto3 JSON mapping with OTLP's exceptions: ids are hex,
 * keys lowerCamelCase only, enums as integers). Each returns undefined for an absent or null
 * field, copies only known fields (OTLP/JSON receivers must ignore unknown ones, which is also
 * what happens to snake_case keys), and throws `OtlpDecodeError` naming the JSON path of
 * the first wrong type.
 */

/** A JSON object being read. */
export type JsonObject = Readonly<Record<string, unknown>>;

function fail(path: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new OtlpDecodeError(`malformed OTLP/JSON at ${path}: expected ${expected}, got ${got}`);
}

/** Reads a nested message. */
export function readObject(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) fail(path, 'object', value);
  return value as JsonObject;
}

/** Reads a repeated message field, mapping each element. */
export function readArray<T>(
  value: unknown,
  path: string,
  item: (element: unknown, elementPath: string) => T,
): T[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) fail(path, 'array', value);
  const out = new Array<T>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = item(value[i], `${path}[${i}]`);
  return out;
}

/** Reads a string field. */
export function readString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(path, 'string', value);
  return value;
}

/** Reads a trace or span id: a hex string in OTLP/JSON, validated later by the normaliser. */
export function readId(value: unknown, path: string): string | undefined {
  return readString(value, path);
}

const INTEGER = /^-?\d+$/;

/** Reads an int64/fixed64 field: a JSON number or a decimal string (the proto3 JSON mapping). */
export function readInt64(value: unknown, path: string): OtlpInt64 | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && INTEGER.test(value)) return value;
  return fail(path, 'integer or decimal string', value);
}

/** Reads a 32-bit integer field (uint32, fixed32, enum as integer). */
export function readInt32(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && INTEGER.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
    return fail(path, '32-bit integer', value);
  }
  return n;
}

/**
 * Reads an enum: an integer as OTLP/JSON requires, or the enum value name that the generic
 * proto3 JSON mapping would produce (accepted because the meaning is unambiguous).
 */
export function readEnum(value: unknown, path: string, names: readonly string[]): number | undefined {
  if (typeof value === 'string' && !INTEGER.test(value)) {
    const index = names.indexOf(value);
    if (index < 0) fail(path, `enum integer or one of ${names.join('|')}`, value);
    return index;
  }
  return readInt32(value, path);
}

/** Reads a boolean field. */
export function readBool(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') fail(path, 'boolean', value);
  return value;
}

/** Reads a double: a JSON number, or "NaN" / "Infinity" / "-Infinity" / a numeric string. */
export function readDouble(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    const n = Number(value);
    if (value.trim() !== '' && !Number.isNaN(n)) return n;
  }
  return fail(path, 'number', value);
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Reads a bytes field: base64 (standard or URL-safe) in the proto3 JSON mapping. */
export function readBytes(value: unknown, path: string): Uint8Array | undefined {
  const text = readString(value, path);
  if (text === undefined) return undefined;
  if (!BASE64.test(text)) fail(path, 'base64 string', value);
  return Buffer.from(text, 'base64');
}

/** Reads an AnyValue; more than one value field set is an error, as in the proto3 JSON mapping. */
export function readAnyValue(value: unknown, path: string): OtlpAnyValue | undefined {
  const o = readObject(value, path);
  if (o === undefined) return undefined;
  let result: OtlpAnyValue | undefined;
  let set = 0;
  if (o.stringValue !== undefined && o.stringValue !== null) {
    result = { stringValue: readString(o.stringValue, `${path}.stringValue`)! };
    set++;
  }
  if (o.boolValue !== undefined && o.boolValue !== null) {
    result = { boolValue: readBool(o.boolValue, `${path}.boolValue`)! };
    set++;
  }
  if (o.intValue !== undefined && o.intValue !== null) {
    result = { intValue: readInt64(o.intValue, `${path}.intValue`)! };
    set++;
  }
  if (o.doubleValue !== undefined && o.doubleValue !== null) {
    result = { doubleValue: readDouble(o.doubleValue, `${path}.doubleValue`)! };
    set++;
  }
  if (o.arrayValue !== undefined && o.arrayValue !== null) {
    const a = readObject(o.arrayValue, `${path}.arrayValue`)!;
    const values = readArray(a.values, `${path}.arrayValue.values`, (v, p) => readAnyValue(v, p) ?? {});
    result = { arrayValue: values === undefined ? {} : { values } };
    set++;
  }
  if (o.kvlistValue !== undefined && o.kvlistValue !== null) {
    const kv = readObject(o.kvlistValue, `${path}.kvlistValue`)!;
    const values = readKeyValues(kv.values, `${path}.kvlistValue.values`);
    result = { kvlistValue: values === undefined ? {} : { values } };
    set++;
  }
  if (o.bytesValue !== undefined && o.bytesValue !== null) {
    result = { bytesValue: readBytes(o.bytesValue, `${path}.bytesValue`)! };
    set++;
  }
  if (set > 1) throw new OtlpDecodeError(`malformed OTLP/JSON at ${path}: more than one value field set`);
  return result ?? {};
}

/** Reads a repeated KeyValue field (attributes). */
export function readKeyValues(value: unknown, path: string): OtlpKeyValue[] | undefined {
  return readArray(value, path, (element, p) => {
    const o = readObject(element, p) ?? {};
    const key = readString(o.key, `${p}.key`) ?? '';
    const v = readAnyValue(o.value, `${p}.value`);
    return v === undefined ? { key } : { key, value: v };
  });
}

/** Drops undefined properties so decoded JSON has the same "only present fields" shape as protobuf. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    if (o[k] === undefined) delete o[k];
  }
  return o;
}

/** Parses a UTF-8 JSON body; invalid UTF-8 or invalid JSON is an `OtlpDecodeError`. */
export function parseJsonBody(bytes: Uint8Array, what: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(`malformed ${what} JSON: ${reason}`);
  }
  const root = readObject(parsed, '$');
  if (root === undefined) throw new OtlpDecodeError(`malformed ${what} JSON: expected an object, got null`);
  return root;
}
