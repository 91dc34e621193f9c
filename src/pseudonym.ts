import { createHmac } from 'node:crypto';
import type { PseudonymKey } from './config.js';
import { reportFailure, warnOnce } from './report.js';

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
  if (key === undefined) {
    warnOnce(
      'pseudonym-no-key',
      'no pseudonymKey configured: actor and recipient identifiers are dropped, never sent raw',
    );
    return undefined;
  }
  try {
    if (typeof key === 'function') {
      const material = key(identifier);
      return material === undefined ? undefined : hmac(material, identifier);
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
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(identifier, pseudonym);
  }
  return pseudonym;
}
