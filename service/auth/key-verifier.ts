import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthKey } from './auth-file.js';
import type { Principal } from './principal.js';

/** Longest bearer token accepted; longer headers are rejected before hashing. */
export const MAX_TOKEN_LENGTH = 1024;

/**
 * Builds a token → principal lookup. The token is hashed with SHA-256 and compared with
 * every key's hash in constant time, visiting all keys so the time taken does not reveal
 * which (or whether any) key matched.
 */
export function createKeyVerifier(keys: readonly AuthKey[]): (token: string) => Principal | undefined {
  const table = keys.map((k) => ({ key: k, hash: Buffer.from(k.sha256, 'hex') }));
  return (token) => {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let match: AuthKey | undefined;
    for (const { key, hash } of table) {
      if (timingSafeEqual(digest, hash) && !match) match = key;
    }
    if (!match) return undefined;
    return { keyId: match.id, role: match.role, ...(match.scope ? { scope: match.scope } : {}) };
  };
}

/** Lowercase hex SHA-256 of a token: what an operator writes into the auth file. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
