/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), hand-written because the SDK may not take
 * dependencies. ECMAScript's `JSON.stringify` already serialises strings and numbers the
 * way RFC 8785 sections 3.2.2.2 and 3.2.2.3 require, so the only work left is sorting
 * object keys by UTF-16 code units and rejecting values JSON cannot represent.
 */

/** Thrown for values that have no canonical JSON form (cycles, BigInt, NaN, functions, ...). */
export class CanonicalJsonError extends TypeError {
  /** Path (JSON Pointer-like) to the offending value, `''` for the root. */
  readonly path: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(reason: string, path: string) {
    super(`cannot canonicalise JSON at '${path || '/'}': ${reason}`);
    this.name = 'CanonicalJsonError';
    this.path = path;
    this.reason = reason;
  }

  /** The same error, one level deeper in the document. */
  under(segment: string): CanonicalJsonError {
    return new CanonicalJsonError(this.reason, `/${segment}${this.path}`);
  }
}

/**
 * Serialises a value as RFC 8785 canonical JSON.
 * `toJSON` methods are honoured (so `Date` becomes its ISO string), object properties
 * whose value is `undefined`, a function or a symbol are rejected rather than silently
 * skipped: a hash must never depend on what JSON.stringify chose to forget.
 * @throws {CanonicalJsonError} for cycles, BigInt, non-finite numbers, functions, symbols,
 * `undefined` and strings with lone surrogates (RFC 8785 requires I-JSON).
 */
export function canonicalize(value: unknown): string {
  return serialise(value, new Set<object>());
}

function serialise(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return serialiseString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`number ${value} is not valid JSON`, '');
      // JSON.stringify(-0) is '0', which RFC 8785 requires.
      return JSON.stringify(value);
    case 'object':
      return value === null ? 'null' : serialiseObject(value, ancestors);
    case 'bigint':
      throw new CanonicalJsonError('BigInt is not valid JSON', '');
    default:
      throw new CanonicalJsonError(`${typeof value} is not valid JSON`, '');
  }
}

function serialiseObject(value: object, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw new CanonicalJsonError('cyclic structure', '');
  ancestors.add(value);
  try {
    const toJson = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJson === 'function') return serialise(toJson.call(value), ancestors);
    return Array.isArray(value) ? serialiseArray(value, ancestors) : serialiseRecord(value, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function serialiseArray(value: readonly unknown[], ancestors: Set<object>): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ',';
    out += withSegment(String(i), () => serialise(value[i], ancestors));
  }
  return `${out}]`;
}

function serialiseRecord(value: object, ancestors: Set<object>): string {
  // Array.prototype.sort compares strings by UTF-16 code units, exactly the RFC 8785 order.
  const keys = Object.keys(value).sort();
  const record = value as Record<string, unknown>;
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out += ',';
    out += withSegment(
      escapePointer(key),
      () => `${serialiseString(key)}:${serialise(record[key], ancestors)}`,
    );
  }
  return `${out}}`;
}

/**
 * Runs one step of the serialisation; on failure prefixes the error's path with this
 * segment. Paths are only built on the error path, so success costs nothing extra.
 */
function withSegment(segment: string, step: () => string): string {
  try {
    return step();
  } catch (error) {
    if (error instanceof CanonicalJsonError) throw error.under(segment);
    throw error;
  }
}

/** RFC 8785 requires I-JSON input: a lone surrogate has no UTF-8 form, so it is an error. */
function serialiseString(value: string): string {
  if (!isWellFormed(value)) throw new CanonicalJsonError('string contains a lone surrogate', '');
  return JSON.stringify(value);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isWellFormed(value: string): boolean {
  // String.prototype.isWellFormed (Node 20+) is native and fast; the regex is the fallback.
  const native = (value as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(value) : !LONE_SURROGATE.test(value);
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
