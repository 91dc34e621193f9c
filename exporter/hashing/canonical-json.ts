/**
 * RFC 8785 (JCS) canonical JSON for plain JSON data: the exporter's stored record hashes
 * and its archived PROV-O bundles (whose SHA-256 the integrity log anchors). Same output as
 * the `canonicalize` package (exporter/stores/sqlite/sqlite-graph-store.test.ts holds them
 * equal) but about twice as fast, which matters at 20 k spans/s × several records per span. Keys sort by UTF-16
 * code units (Array#sort default), numbers and strings serialise as ES JSON.stringify
 * does, as JCS specifies; NaN/Infinity and lone surrogates are rejected as JCS requires.
 */
export function canonicalJson(value: unknown): string {
  const out = serialise(value);
  if (out === undefined) throw new Error('record has no JSON representation');
  return out;
}

/** True when the string has no lone surrogate (String#isWellFormed). */
export function wellFormed(s: string): boolean {
  // String#isWellFormed is ES2024 (Node ≥ 20); the project's lib setting is ES2023.
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Building block of canonicalJson, shared with the record hasher. */
export function serialise(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`${value} is not allowed in canonical JSON`);
      // For finite numbers String() is Number::toString, exactly what JSON.stringify (and so
      // JCS) emits, -0 included ("0"), without the JSON.stringify call.
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) s += ',';
          s += serialise(value[i]) ?? 'null';
        }
        return `${s}]`;
      }
      return serialiseEntries(value as Record<string, unknown>, sortedKeys(value));
    }
    case 'undefined':
      return undefined;
    default:
      throw new Error(`${typeof value} is not allowed in canonical JSON`);
  }
}

/**
 * Own keys in UTF-16 code-unit order (what JCS and Array#sort's default order are; `<` on
 * strings compares code units too). Records have ~5–25 keys: an insertion sort with `<`
 * beats Array#sort's generic comparator path, which showed up at two sorts per node.
 */
/** Building block of canonicalJson, shared with the record hasher. */
export function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * Quoted form (`"key":`) of object keys already seen. Records reuse a small, fixed set of
 * keys (node fields, prop names), so quoting each one (well-formedness check +
 * JSON.stringify) on every record was a measurable part of ingest; the cache is bounded
 * because keys of foreign props are untrusted and unbounded.
 */
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_LIMIT = 4096;

/** Building block of canonicalJson, shared with the record hasher. */
export function quotedKey(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = `${jsonString(key)}:`;
    if (quotedKeys.size >= QUOTED_KEYS_LIMIT) quotedKeys.clear();
    quotedKeys.set(key, q);
  }
  return q;
}

function serialiseEntries(obj: Record<string, unknown>, sortedKeys: readonly string[]): string {
  let s = '{';
  let first = true;
  for (const key of sortedKeys) {
    const v = serialise(obj[key]);
    if (v === undefined) continue;
    if (!first) s += ',';
    first = false;
    s += quotedKey(key) + v;
  }
  return `${s}}`;
}

const VERBATIM_JSON = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Building block of canonicalJson, shared with the record hasher. */
export function jsonString(s: string): string {
  // Nearly every string in a record (ids, hashes, URIs, names) is plain ASCII: quoting it
  // directly is ~2.5× faster than the well-formedness check plus JSON.stringify, and ASCII
  // is trivially well-formed. Everything else takes the general path.
  if (VERBATIM_JSON.test(s)) return `"${s}"`;
  if (!wellFormed(s)) throw new Error('lone surrogate is not allowed in canonical JSON');
  return JSON.stringify(s);
}
