import type { AuthKey } from '../auth/auth-file.js';
import { tokenSha256 } from '../auth/key-verifier.js';
import type { Role } from '../auth/principal.js';

/** A test key: its token and its auth file entry. */
export interface TestKey {
  readonly token: string;
  readonly key: AuthKey;
}

/** Builds a key whose token is `token-{id}`. */
export function testKey(id: string, role: Role, scope?: AuthKey['scope']): TestKey {
  const token = `token-${id}`;
  return { token, key: { id, sha256: tokenSha256(token), role, ...(scope ? { scope } : {}) } };
}
