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

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The value when it is a lowercase hex SHA-256 (as our attributes carry), else undefined. */
export function asSha256(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Recorded hashes are already lowercase (our SDK writes them so): skip the copy then.
  if (SHA256_HEX.test(value)) return value;
  const lower = value.toLowerCase();
  return SHA256_HEX.test(lower) ? lower : undefined;
}
