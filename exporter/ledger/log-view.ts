import { existsSync } from 'node:fs';
import type { NodeHashReader } from '../integrity/merkle.js';
import { openSqlite, type SqlDatabase, type SqliteDriverName } from '../stores/sqlite/sqlite-driver.js';

/** One stored leaf: its bytes and the leaf hash the log recorded next to them. */
export interface StoredLeaf {
  readonly data: Uint8Array;
  readonly storedHash: Uint8Array;
}

/**
 * Read side of a persisted log, treated as untrusted by the verifier: everything read here
 * is checked against a signed checkpoint before it counts.
 */
export interface LogView {
  /** Number of stored leaves. */
  size(): number;
  leaf(index: number): StoredLeaf | undefined;
  /** Leaf index of the bundle stored under an archive key. */
  bundleIndexByKey(key: string): number | undefined;
  /** Every bundle leaf's archive key and index, in index order. */
  bundleKeys(): Iterable<{ readonly key: string; readonly index: number }>;
  /** Stored perfect-node hashes (level 0 = stored leaf hash). Throws for a missing node. */
  readonly read: NodeHashReader;
  /** The latest stored checkpoint note, if any. */
  latestCheckpoint(): string | undefined;
}

function blob(v: unknown): Uint8Array | undefined {
  return v instanceof Uint8Array ? v : undefined;
}

/** A {@link LogView} over an open ledger database (shared by the live log and the offline verifier). */
export function sqliteLogView(db: SqlDatabase): LogView {
  const count = db.prepare('SELECT count(*) AS n FROM leaves');
  const leaf = db.prepare('SELECT data, hash FROM leaves WHERE idx = ?');
  const leafHash = db.prepare('SELECT hash FROM leaves WHERE idx = ?');
  const node = db.prepare('SELECT hash FROM tree_nodes WHERE level = ? AND idx = ?');
  const byKey = db.prepare('SELECT idx FROM leaves WHERE kind = 1 AND archive_key = ?');
  const keys = db.prepare('SELECT idx, archive_key FROM leaves WHERE kind = 1 ORDER BY idx');
  const latest = db.prepare('SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1');
  return {
    size: () => Number(count.get()?.n ?? 0),
    leaf: (index) => {
      const row = leaf.get(index);
      const data = blob(row?.data);
      const storedHash = blob(row?.hash);
      return data && storedHash ? { data, storedHash } : undefined;
    },
    bundleIndexByKey: (key) => {
      const row = byKey.get(key);
      return row ? Number(row.idx) : undefined;
    },
    *bundleKeys() {
      for (const row of keys.iterate()) yield { key: String(row.archive_key), index: Number(row.idx) };
    },
    read: (level, index) => {
      const row = level === 0 ? leafHash.get(index) : node.get(level, index);
      const hash = blob(row?.hash);
      if (!hash) throw new Error(`log has no node at level ${level} index ${index}`);
      return hash;
    },
    latestCheckpoint: () => {
      const row = latest.get();
      return row ? String(row.note) : undefined;
    },
  };
}

/**
 * Opens a ledger file for offline verification, without creating or migrating anything
 * (a missing file is an error, not a new empty log). Safe while a server writes it (WAL).
 */
export function openLedgerFile(
  path: string,
  driver?: SqliteDriverName,
): LogView & { readonly close: () => void } {
  if (!existsSync(path)) throw new Error(`ledger file ${path} does not exist`);
  const db = openSqlite(path, driver);
  try {
    return { ...sqliteLogView(db), close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}
