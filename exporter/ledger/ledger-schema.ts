/**
 * Schema of the integrity log's own SQLite file (`ledger.db`, next to the lineage store).
 * The log is append-only: `leaves` and `tree_nodes` rows are inserted once and never
 * updated, so a crash can only lose a whole (rolled back) append transaction.
 * `subjects` is the one mutable table: the GDPR subject registry, kept in the same file
 * so that deleting a subject and appending its tombstone commit in one transaction.
 */
export const LEDGER_SCHEMA_VERSION = 1;

/** Leaf kinds as small integers (stored in `leaves.kind`). */
export const LEAF_KIND_CODE = { bundle: 1, tombstone: 2, access: 3 } as const;

/** DDL, idempotent. */
export const LEDGER_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

-- idx: leaf index (0-based, contiguous). data: RFC 8785 leaf bytes. hash: RFC 9162 leaf hash.
-- run_id / seq / archive_key: set for bundle leaves only (lookups for proofs and verify).
CREATE TABLE IF NOT EXISTS leaves (
  idx INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  data BLOB NOT NULL,
  hash BLOB NOT NULL,
  run_id TEXT,
  seq INTEGER,
  archive_key TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS leaves_bundle ON leaves(run_id, seq) WHERE kind = 1;
CREATE INDEX IF NOT EXISTS leaves_archive_key ON leaves(archive_key) WHERE kind = 1;

-- Perfect subtree hashes above the leaves (level >= 1): node (level, idx) covers leaves
-- [idx * 2^level, (idx + 1) * 2^level). They make proofs O(log n) reads.
CREATE TABLE IF NOT EXISTS tree_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Every signed checkpoint issued, by tree size (C2SP signed note text).
CREATE TABLE IF NOT EXISTS checkpoints (
  size INTEGER PRIMARY KEY,
  note TEXT NOT NULL,
  issued_at_ms INTEGER NOT NULL
);

-- GDPR subject registry: pseudonym -> random surrogate + AES-256-GCM content key.
-- Rows are deleted on erasure (secure_delete is on for this file).
CREATE TABLE IF NOT EXISTS subjects (
  pseudonym TEXT PRIMARY KEY,
  surrogate TEXT NOT NULL UNIQUE,
  content_key BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
`;
