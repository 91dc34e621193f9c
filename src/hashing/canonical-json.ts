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
  return serialise(value, [], false);
}

/**
 * {@link canonicalize} of the value as `JSON.stringify` sends it, i.e. of
 * `JSON.parse(JSON.stringify(value))`: object properties whose value is `undefined`, a
 * function or a symbol are left out, and such array elements and non-finite numbers are
 * `null`. For hashing a request exactly as a client puts it on the wire (an OpenAI message
 * built as `{ role, content, name: undefined }` is sent without `name`).
 * @throws {CanonicalJsonError} for cycles, BigInt and lone surrogates (what JSON.stringify
 * throws on, or cannot send as UTF-8), and for a value that sends nothing at all.
 */
export function canonicalizeAsSent(value: unknown): string {
  if (isUnsendable(value)) throw new CanonicalJsonError(`${typeof value} is not valid JSON`, '');
  return serialise(value, [], true);
}

/** What JSON.stringify leaves out of an object and writes as `null` in an array. */
export function isUnsendable(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

// Every request is hashed on the caller's thread, so this runs once per model call: no
// closures or per-element allocations on the success path. A failing element's path is
// assembled only while the error propagates (each level prefixes its own segment).

// `sent`: serialise as canonicalizeAsSent does (JSON.stringify's omissions) instead of rejecting.
function serialise(value: unknown, ancestors: object[], sent: boolean): string {
  switch (typeof value) {
    case 'string':
      return serialiseString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        if (sent) return 'null';
        throw new CanonicalJsonError(`number ${value} is not valid JSON`, '');
      }
      // JSON.stringify(-0) is '0', which RFC 8785 requires.
      return JSON.stringify(value);
    case 'object':
      return value === null ? 'null' : serialiseObject(value, ancestors, sent);
    case 'bigint':
      throw new CanonicalJsonError('BigInt is not valid JSON', '');
    default:
      throw new CanonicalJsonError(`${typeof value} is not valid JSON`, '');
  }
}

function serialiseObject(value: object, ancestors: object[], sent: boolean): string {
  // Ancestors, not every object seen: shared (non-cyclic) references are fine. A linear scan
  // of the path beats a Set at the depths JSON has (recursion ends far below 10,000).
  if (ancestors.includes(value)) throw new CanonicalJsonError('cyclic structure', '');
  ancestors.push(value);
  const toJson = (value as { toJSON?: unknown }).toJSON;
  const out =
    typeof toJson === 'function'
      ? serialise(toJson.call(value), ancestors, sent)
      : Array.isArray(value)
        ? serialiseArray(value, ancestors, sent)
        : serialiseRecord(value as Record<string, unknown>, ancestors, sent);
  // Not in a finally: a throw abandons the whole serialisation, and with it this path.
  ancestors.pop();
  return out;
}

function serialiseArray(value: readonly unknown[], ancestors: object[], sent: boolean): string {
  const length = value.length;
  if (length === 0) return '[]';
  let i = 0;
  try {
    let out = `[${element(value[0], ancestors, sent)}`;
    for (i = 1; i < length; i++) out += `,${element(value[i], ancestors, sent)}`;
    return `${out}]`;
  } catch (error) {
    throw under(error, String(i));
  }
}

/** An array element: JSON.stringify writes `null` for what it cannot send. */
function element(value: unknown, ancestors: object[], sent: boolean): string {
  return sent && isUnsendable(value) ? 'null' : serialise(value, ancestors, sent);
}

function serialiseRecord(record: Record<string, unknown>, ancestors: object[], sent: boolean): string {
  const keys = Object.keys(record);
  if (keys.length > 1) sortKeys(keys);
  let out = '{';
  let key = '';
  try {
    for (let i = 0; i < keys.length; i++) {
      key = keys[i] as string;
      const member = record[key];
      // JSON.stringify leaves such a property out of what it sends.
      if (sent && isUnsendable(member)) continue;
      out += `${out.length > 1 ? ',' : ''}${keyPrefix(key)}${serialise(member, ancestors, sent)}`;
    }
  } catch (error) {
    throw under(error, escapePointer(key));
  }
  return `${out}}`;
}

/**
 * Sorts keys by UTF-16 code units, the RFC 8785 order: what both Array.prototype.sort and
 * the `<` operator on strings compare. Messages have a few keys, where an insertion sort
 * is several times faster than the generic sort.
 */
export function sortKeys(keys: string[]): void {
  if (keys.length > 8) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
}

/**
 * `"key":` of an object key. Requests repeat a handful of keys (`role`, `content`, `type`,
 * ...) in every message, so short keys are remembered; the cache is bounded and cleared
 * when full (keys are strings, so an entry never goes stale).
 */
function keyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `${serialiseString(key)}:`;
    if (key.length <= MAX_CACHED_KEY_LENGTH) {
      if (keyPrefixes.size >= KEY_CACHE_LIMIT) keyPrefixes.clear();
      keyPrefixes.set(key, prefix);
    }
  }
  return prefix;
}

const KEY_CACHE_LIMIT = 1024;
const MAX_CACHED_KEY_LENGTH = 64;
const keyPrefixes = new Map<string, string>();

/** The error one level deeper in the document: a CanonicalJsonError gets the segment prefixed. */
function under(error: unknown, segment: string): unknown {
  return error instanceof CanonicalJsonError ? error.under(segment) : error;
}

/** RFC 8785 requires I-JSON input: a lone surrogate has no UTF-8 form, so it is an error. */
function serialiseString(value: string): string {
  if (!isWellFormed(value)) throw new CanonicalJsonError('string contains a lone surrogate', '');
  return value.length < LONG_STRING ? JSON.stringify(value) : quoteLong(value);
}

/**
 * Strings from this length on are quoted by {@link quoteLong}; shorter ones by
 * JSON.stringify, whose per-call cost is lower than 34 searches.
 */
const LONG_STRING = 512;

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
};

/**
 * The characters a well-formed string must escape (RFC 8785 section 3.2.2.2: `\\`, `"` and
 * U+0000..U+001F), backslash first because the later replacements introduce backslashes,
 * and what JSON.stringify (ECMAScript QuoteJSONString) writes for each.
 */
const CONTROL_CODES = Array.from({ length: 0x20 }, (_, code) => code);
const ESCAPED: readonly string[] = ['\\', '"', ...CONTROL_CODES.map((code) => String.fromCharCode(code))];
const ESCAPES: readonly string[] = [
  '\\\\',
  '\\"',
  ...CONTROL_CODES.map((code) => SHORT_ESCAPES[code] ?? `\\u${code.toString(16).padStart(4, '0')}`),
];

/**
 * JSON.stringify of a long well-formed string, identical output. On Node 20 JSON.stringify
 * scans about 1 ns per character, while String.prototype.indexOf of one character is a
 * vectorised search about thirty times faster: a prompt usually holds a handful of the 34
 * characters that need escaping (line breaks, a few quotes), so searching for each and
 * replacing only those that occur is several times cheaper. Text dense with escapes
 * (code, embedded JSON) goes back to JSON.stringify, which is cheaper there.
 */
function quoteLong(value: string): string {
  // Replacing costs as much as JSON.stringify's pass at about one escape per 32 characters;
  // giving up at one per 64 bounds the searches wasted on escape-dense text.
  let budget = value.length >> 6;
  const present: number[] = [];
  for (let i = 0; i < ESCAPED.length; i++) {
    const char = ESCAPED[i] as string;
    let at = value.indexOf(char);
    if (at === -1) continue;
    do {
      if (--budget < 0) return JSON.stringify(value);
      at = value.indexOf(char, at + 1);
    } while (at !== -1);
    present.push(i);
  }
  if (present.length === 0) return `"${value}"`;
  let out = value;
  for (const i of present) out = out.replaceAll(ESCAPED[i] as string, ESCAPES[i] as string);
  return `"${out}"`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** String.prototype.isWellFormed (Node 20+) is native and fast; the regex is the fallback. */
const HAS_IS_WELL_FORMED =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';

/** Whether a string has no lone surrogate, i.e. has a UTF-8 form (String.prototype.isWellFormed). */
export function isWellFormed(value: string): boolean {
  return HAS_IS_WELL_FORMED
    ? (value as string & { isWellFormed(): boolean }).isWellFormed()
    : !LONE_SURROGATE.test(value);
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
