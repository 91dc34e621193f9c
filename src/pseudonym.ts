import { createHmac } from 'node:crypto';
import { keyMaterialBytes, MIN_KEY_BYTES, type PseudonymKey } from './config.js';
import { isWellFormed } from './hashing/canonical-json.js';
import { reportFailure, warnOnce } from './report.js';
import { isThenable, quiet } from './traced-call.js';

/** Prefix of every pseudonym, naming the algorithm so it can change later. */
export const PSEUDONYM_PREFIX = 'hmac-sha256:';

/**
 * Turns a personal identifier into `hmac-sha256:<hex>` with the configured key, or
 * `undefined` when it must be dropped (no key, no key for this subject, not a string).
 * The raw identifier never leaves this function.
 */
export function pseudonymize(identifier: unknown, key: PseudonymKey | undefined): string | undefined {
  if (identifier === undefined || identifier === null) return undefined;
  if (typeof identifier !== 'string' || identifier.length === 0) {
    warnOnce('pseudonym-type', 'a personal identifier that is not a non-empty string was dropped');
    return undefined;
  }
  // A lone surrogate has no UTF-8 form: HMAC-ing its U+FFFD stand-in would give two
  // different identifiers one pseudonym.
  if (!isWellFormed(identifier)) {
    warnOnce('pseudonym-ill-formed', 'a personal identifier with a lone surrogate was dropped');
    return undefined;
  }
  if (key === undefined) {
    warnOnce(
      'pseudonym-no-key',
      'no pseudonymKey configured: actor and recipient identifiers are dropped, never sent raw',
    );
    return undefined;
  }
  try {
    if (typeof key === 'function') {
      const material: unknown = key(identifier);
      if (material === undefined) return undefined;
      // A resolver's key gets the same minimum as a static one: a short key makes the
      // pseudonym reversible by brute force. A promise is no key (its rejection is quieted).
      if (keyMaterialBytes(material) < MIN_KEY_BYTES) {
        if (isThenable(material)) quiet(material);
        warnOnce(
          'pseudonym-weak-key',
          `a pseudonymKey resolver returned no key of at least ${MIN_KEY_BYTES} bytes; the identifier was dropped`,
        );
        return undefined;
      }
      return hmac(material as string | Uint8Array, identifier);
    }
    return cachedHmac(key, identifier);
  } catch (error) {
    reportFailure('pseudonymize', error);
    return undefined;
  }
}

function hmac(key: string | Uint8Array, identifier: string): string {
  return PSEUDONYM_PREFIX + createHmac('sha256', key).update(identifier, 'utf8').digest('hex');
}

/**
 * Agents see the same few actors over and over; remembering recent pseudonyms for one
 * static key saves an HMAC per run. Bounded (cleared when full) and dropped when the key
 * changes. Per-subject key resolvers are never cached, so deleting a key takes effect at once.
 */
const CACHE_LIMIT = 1024;
const MAX_CACHED_IDENTIFIER = 256;
let cacheKey: string | Uint8Array | undefined;
const cache = new Map<string, string>();

function cachedHmac(key: string | Uint8Array, identifier: string): string {
  if (key !== cacheKey) {
    cache.clear();
    cacheKey = key;
  }
  let pseudonym = cache.get(identifier);
  if (pseudonym === undefined) {
    pseudonym = hmac(key, identifier);
    // Only identifier-sized strings are kept: a cache of huge ones would pin their memory.
    if (identifier.length <= MAX_CACHED_IDENTIFIER) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(identifier, pseudonym);
    }
  }
  return pseudonym;
}
