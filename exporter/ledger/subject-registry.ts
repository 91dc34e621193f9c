import { randomBytes } from 'node:crypto';
import type { SqlDatabase } from '../stores/sqlite/sqlite-driver.js';
import { decryptSubjectContent, encryptSubjectContent } from './subject-content-cipher.js';

/** Prefix of a subject surrogate: random, so it cannot be mapped back once the registry row is gone. */
export const SURROGATE_PREFIX = 'surrogate:';

/** Shape of a pseudonym as the SDK emits it (`src/pseudonym.ts`). */
export const PSEUDONYM_PATTERN = /^hmac-sha256:[0-9a-f]{64}$/;

/** One registered subject. */
export interface SubjectEntry {
  readonly surrogate: string;
  readonly contentKey: Uint8Array;
}

const CACHE_LIMIT = 10_000;

function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new Error('subject registry: content_key is not a BLOB');
}

/**
 * The mutable GDPR subject registry (DESIGN.md section 3, issue 6): each pseudonym that
 * reaches the exporter (`lineage.run.actor`, `lineage.output.recipient`) gets a random
 * surrogate and an AES-256-GCM content key. Only the surrogate is written to the graph,
 * the archive and the log; erasing the row (see IntegrityLog.eraseSubject) makes the
 * surrogate unlinkable and the subject's encrypted content unreadable, while every stored
 * byte, hash and proof stays as it was.
 *
 * Lives in the ledger's SQLite file (table `subjects`); all methods are synchronous.
 */
export class SubjectRegistry {
  readonly #db: SqlDatabase;
  readonly #cache = new Map<string, SubjectEntry>();
  readonly #byPseudonym;
  readonly #bySurrogate;
  readonly #insert;
  readonly #delete;
  readonly #now: () => number;

  constructor(db: SqlDatabase, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#byPseudonym = db.prepare('SELECT surrogate, content_key FROM subjects WHERE pseudonym = ?');
    this.#bySurrogate = db.prepare('SELECT content_key FROM subjects WHERE surrogate = ?');
    this.#insert = db.prepare(
      'INSERT INTO subjects(pseudonym, surrogate, content_key, created_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT(pseudonym) DO NOTHING',
    );
    this.#delete = db.prepare('DELETE FROM subjects WHERE pseudonym = ? RETURNING surrogate');
  }

  /** The entry of a pseudonym, if registered (no side effect). */
  lookup(pseudonym: string): SubjectEntry | undefined {
    const hit = this.#cache.get(pseudonym);
    if (hit) return hit;
    const row = this.#byPseudonym.get(pseudonym);
    if (!row) return undefined;
    const entry = { surrogate: String(row.surrogate), contentKey: asBytes(row.content_key) };
    this.#remember(pseudonym, entry);
    return entry;
  }

  /**
   * Entries for every pseudonym, registering the new ones in one durable transaction
   * (before the graph write that will carry their surrogates).
   */
  resolve(pseudonyms: Iterable<string>): Map<string, SubjectEntry> {
    const out = new Map<string, SubjectEntry>();
    const missing: string[] = [];
    for (const p of pseudonyms) {
      if (out.has(p)) continue;
      const entry = this.lookup(p);
      if (entry) out.set(p, entry);
      else missing.push(p);
    }
    if (missing.length > 0) {
      this.#db.transaction(() => {
        for (const p of missing) {
          const surrogate = SURROGATE_PREFIX + randomBytes(16).toString('hex');
          this.#insert.run(p, surrogate, randomBytes(32), this.#now());
        }
      });
      for (const p of missing) {
        const entry = this.lookup(p);
        if (!entry) throw new Error('subject registry: insert did not persist');
        out.set(p, entry);
      }
    }
    return out;
  }

  /** Decrypts subject content of node `nodeId` carrying `surrogate`; undefined once erased. */
  decryptContent(surrogate: string, nodeId: string, value: string): string | undefined {
    const row = this.#bySurrogate.get(surrogate);
    return row ? decryptSubjectContent(asBytes(row.content_key), nodeId, value) : undefined;
  }

  /** Encrypts content for a subject's key (used by the ingest transform). */
  encryptContent(entry: SubjectEntry, nodeId: string, plaintext: string): string {
    return encryptSubjectContent(entry.contentKey, nodeId, plaintext);
  }

  /**
   * Deletes a subject's row (surrogate mapping and content key). Returns the surrogate it
   * had, or undefined for an unknown pseudonym. Call inside the ledger's transaction
   * (IntegrityLog.eraseSubject) so the tombstone commits together with the deletion.
   */
  delete(pseudonym: string): string | undefined {
    this.#cache.delete(pseudonym);
    const row = this.#delete.get(pseudonym);
    return row ? String(row.surrogate) : undefined;
  }

  /** Number of registered subjects. */
  count(): number {
    return Number(this.#db.prepare('SELECT count(*) AS n FROM subjects').get()?.n ?? 0);
  }

  #remember(pseudonym: string, entry: SubjectEntry): void {
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(pseudonym, entry);
  }
}
