// A lone surrogate cannot be encoded as UTF-8; left in place it would make Buffer/SQLite
// writes lossy at some later, less obvious point, and hashes would disagree between layers.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HAS_LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The string with every lone UTF-16 surrogate replaced by U+FFFD (what `String#toWellFormed` does). */
export function toWellFormed(text: string): string {
  return HAS_LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\uFFFD') : text;
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 bytes decoded leniently: invalid sequences become U+FFFD instead of throwing. */
export function decodeUtf8Lenient(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}
