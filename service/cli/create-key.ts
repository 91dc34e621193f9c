import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** The roles of the Lineage API. */
export type Role = 'engineering' | 'compliance' | 'auditor';

/** An auditor's scope. */
export interface KeyScope {
  readonly runs?: readonly string[];
  readonly from?: string;
  readonly to?: string;
}

/** One key entry as stored in the auth file (the token itself is never stored). */
export interface KeyEntry {
  readonly id: string;
  readonly sha256: string;
  readonly role: Role;
  readonly scope?: KeyScope;
}

/** A new random bearer token (256 bits, base64url) with a readable prefix. */
export function newToken(): string {
  return `al_${randomBytes(32).toString('base64url')}`;
}

/**
 * Adds a key to an auth file (created when missing) and returns the token, which is
 * shown once and only its SHA-256 is written. The file is replaced atomically.
 */
export function addKeyToFile(path: string, entry: { id: string; role: Role; scope?: KeyScope }): string {
  if (entry.scope && entry.role !== 'auditor') throw new Error('only auditor keys have a scope');
  const file: { keys: KeyEntry[] } = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as { keys: KeyEntry[] })
    : { keys: [] };
  if (!Array.isArray(file.keys)) throw new Error(`${path} is not an auth file: it has no "keys" array`);
  if (file.keys.some((k) => k.id === entry.id))
    throw new Error(`${path} already has a key with id "${entry.id}"`);
  const token = newToken();
  const sha256 = createHash('sha256').update(token).digest('hex');
  file.keys.push({ id: entry.id, sha256, role: entry.role, ...(entry.scope ? { scope: entry.scope } : {}) });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return token;
}
