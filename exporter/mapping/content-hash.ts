import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** Lowercase hex SHA-256 of a string's UTF-8 bytes (how text content is hashed, DESIGN.md §3). */
export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Lowercase hex SHA-256 of a structured value's RFC 8785 canonical JSON; undefined when
 * the value has no JSON form (undefined, a cycle, a BigInt).
 */
export function sha256Json(value: unknown): string | undefined {
  try {
    const json = canonicalize(value);
    return json === undefined ? undefined : sha256Text(json);
  } catch {
    // No canonical form means no hash; the caller records the entity without one.
    return undefined;
  }
}

/** 1 for the code units of lowercase hex digits (below 128), else 0. */
const LOWER_HEX = new Uint8Array(128);
for (const c of '0123456789abcdef') LOWER_HEX[c.charCodeAt(0)] = 1;

/**
 * Whether `s` is 64 lowercase hex digits. A table loop: about twice as fast here as the
 * regex /^[0-9a-f]{64}$/, and every span carries several hashes.
 */
function isLowerHex64(s: string): boolean {
  if (s.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || LOWER_HEX[c] === 0) return false;
  }
  return true;
}

/** The value when it is a lowercase hex SHA-256 (as our attributes carry), else undefined. */
export function asSha256(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length !== 64) return undefined;
  // Recorded hashes are already lowercase (our SDK writes them so): skip the copy then.
  if (isLowerHex64(value)) return value;
  const lower = value.toLowerCase();
  return isLowerHex64(lower) ? lower : undefined;
}
