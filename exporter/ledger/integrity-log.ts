import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import canonicalize from 'canonicalize';
import type { FinalisedRun } from '../finalise/run-finaliser.js';
import type { OutputAttestationPredicate } from '../integrity/attestation-predicate.js';
import { bytesEqual, sha256Hex, utf8 } from '../integrity/bytes.js';
import { type Checkpoint, openCheckpoint, signCheckpoint } from '../integrity/checkpoint.js';
import type { DsseEnvelope } from '../integrity/dsse.js';
import type { InTotoStatement } from '../integrity/in-toto.js';
import { type BundleLeaf, decodeLogLeaf, encodeLogLeaf, type LogLeaf } from '../integrity/log-leaf.js';
import {
  appendLeaf,
  consistencyProof,
  type Frontier,
  frontierAt,
  frontierRoot,
  hashChildren,
  hashLeaf,
  inclusionProof,
  type NodeHashReader,
  rootHash,
} from '../integrity/merkle.js';
import {
  encodeVerifierKey,
  type NoteSignerKey,
  type NoteVerifierKey,
  verifierOf,
} from '../integrity/note-key.js';
import { signOutputAttestation } from '../integrity/output-attestation.js';
import type { ArchiveStore } from '../ports/archive-store.js';
import { openSqlite, type SqlDatabase, type SqliteDriverName } from '../stores/sqlite/sqlite-driver.js';
import { LEAF_KIND_CODE, LEDGER_SCHEMA_SQL, LEDGER_SCHEMA_VERSION } from './ledger-schema.js';
import { loadOrCreateLogKey } from './log-key-file.js';
import { type LogView, sqliteLogView } from './log-view.js';
import { SubjectRegistry } from './subject-registry.js';

/** Options of {@link openIntegrityLog}. Give `dataDir` or `dbPath`. */
export interface IntegrityLogOptions {
  /** Data dir: `ledger.db`, `log-signing.key` (0600) and `log-verifier.pub` live here by default. */
  readonly dataDir?: string;
  /** Ledger database file (overrides `dataDir/ledger.db`). */
  readonly dbPath?: string;
  /** Signing key file (default `dataDir/log-signing.key`, or next to `dbPath`). */
  readonly keyPath?: string;
  /** Log identity, e.g. `lineage.example.com/log`: first checkpoint line and key name. */
  readonly origin: string;
  /** Epoch ms clock (checkpoint issue times, tombstones). */
  readonly now?: () => number;
  readonly driver?: SqliteDriverName;
  /** `FULL` (default): every append is fsynced before it resolves. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/** Where a leaf landed. */
export interface LogPosition {
  readonly leafIndex: number;
  readonly leaf: LogLeaf;
}

/** Everything needed to check offline that a run's bundle leaf is in the log. */
export interface RunInclusion {
  readonly leafIndex: number;
  readonly leaf: BundleLeaf;
  /** Hex RFC 9162 leaf hash. */
  readonly leafHash: string;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint at `treeSize`. */
  readonly checkpoint: string;
}

/** Raised when the persisted log disagrees with itself or with its own signed checkpoints. */
export class IntegrityLogCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityLogCorruptError';
  }
}

function bytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new IntegrityLogCorruptError(`${what} is not a BLOB`);
}

/** Canonical JSON SHA-256 of an access-log entry (what an access leaf anchors). */
export function accessEntrySha256(entry: object): string {
  const text = canonicalize(entry);
  if (text === undefined) throw new Error('access entry cannot be canonicalised');
  return sha256Hex(utf8(text));
}

/**
 * The integrity log (DESIGN.md section 6): an RFC 9162 Merkle tree over bundle, tombstone
 * and access leaves, persisted in SQLite (leaf bytes plus every completed perfect node, so
 * proofs cost O(log n) reads), with Ed25519-signed C2SP checkpoints. Every append is one
 * transaction: a crash loses the whole append or nothing, and {@link openIntegrityLog}
 * rebuilds the frontier from stored nodes and checks it against the last signed checkpoint.
 *
 * Single writer: one process owns the file. All methods are synchronous (SQLite driver);
 * the async {@link onFinalised} adapter is what RunFinaliser awaits.
 */
export class IntegrityLog {
  readonly origin: string;
  /** GDPR subject registry, in the same file (see {@link eraseSubject}). */
  readonly subjects: SubjectRegistry;
  readonly #db: SqlDatabase;
  readonly #signer: NoteSignerKey;
  readonly #now: () => number;
  readonly #read: NodeHashReader;
  #frontier: Frontier;
  readonly #s;

  /** @internal use {@link openIntegrityLog}. */
  constructor(db: SqlDatabase, signer: NoteSignerKey, origin: string, now: () => number) {
    this.#db = db;
    this.#signer = signer;
    this.origin = origin;
    this.#now = now;
    this.subjects = new SubjectRegistry(db, now);
    this.#s = {
      insertLeaf: db.prepare(
        'INSERT INTO leaves(idx, kind, data, hash, run_id, seq, archive_key) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertNode: db.prepare('INSERT INTO tree_nodes(level, idx, hash) VALUES (?, ?, ?)'),
      leafHash: db.prepare('SELECT hash FROM leaves WHERE idx = ?'),
      leaf: db.prepare('SELECT data FROM leaves WHERE idx = ?'),
      node: db.prepare('SELECT hash FROM tree_nodes WHERE level = ? AND idx = ?'),
      bundle: db.prepare('SELECT idx, data FROM leaves WHERE kind = 1 AND run_id = ? AND seq = ?'),
      latestBundle: db.prepare(
        'SELECT idx, data FROM leaves WHERE kind = 1 AND run_id = ? ORDER BY seq DESC LIMIT 1',
      ),
      runBundles: db.prepare('SELECT idx, data FROM leaves WHERE kind = 1 AND run_id = ? ORDER BY seq'),
      byKey: db.prepare('SELECT idx FROM leaves WHERE kind = 1 AND archive_key = ?'),
      insertCheckpoint: db.prepare(
        'INSERT INTO checkpoints(size, note, issued_at_ms) VALUES (?, ?, ?) ON CONFLICT(size) DO NOTHING',
      ),
      latestCheckpoint: db.prepare('SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1'),
      checkpointAt: db.prepare('SELECT note FROM checkpoints WHERE size = ?'),
      count: db.prepare('SELECT count(*) AS n, max(idx) AS m FROM leaves'),
    };
    this.#read = (level, index) => {
      const row = level === 0 ? this.#s.leafHash.get(index) : this.#s.node.get(level, index);
      if (!row) throw new IntegrityLogCorruptError(`log has no node at level ${level} index ${index}`);
      return bytes(row.hash, `node ${level}/${index}`);
    };
    this.#frontier = this.#recover();
  }

  /** Number of leaves. */
  get size(): number {
    return this.#frontier.size;
  }

  /** Current root hash (may be ahead of the latest checkpoint). */
  get rootHash(): Uint8Array {
    return frontierRoot(this.#frontier);
  }

  /** Public verifier key string `<origin>+<key id>+<base64>` (print it, serve it, give it to auditors). */
  verifierKey(): string {
    return encodeVerifierKey(verifierOf(this.#signer));
  }

  /** The verifier key as a KeyObject wrapper, for in-process verification. */
  verifier(): NoteVerifierKey {
    return verifierOf(this.#signer);
  }

  /**
   * Appends one bundle leaf per finalised run (main or supplementary bundle) in one
   * transaction. A bundle already in the log with the same hash is skipped (re-delivery
   * after a crash); a different hash for the same (run, sequence) is refused.
   */
  appendBundles(runs: readonly FinalisedRun[]): LogPosition[] {
    const leaves: BundleLeaf[] = runs.map((r) => ({
      type: 'bundle',
      runId: r.runId,
      bundleSha256: r.location.sha256,
      archiveKey: r.location.key,
      ...(r.location.version !== undefined ? { archiveVersion: r.location.version } : {}),
      sequence: r.sequence,
    }));
    return this.#atomically(() => {
      const out: LogPosition[] = [];
      for (const leaf of leaves) {
        const existing = this.#s.bundle.get(leaf.runId, leaf.sequence);
        if (existing) {
          const old = decodeLogLeaf(bytes(existing.data, 'leaf'));
          if (old.type === 'bundle' && old.bundleSha256 === leaf.bundleSha256) {
            out.push({ leafIndex: Number(existing.idx), leaf: old });
            continue;
          }
          throw new IntegrityLogCorruptError(
            `run ${leaf.runId} bundle ${leaf.sequence} is already logged with another hash`,
          );
        }
        out.push(this.#append(leaf));
      }
      return out;
    });
  }

  /** Appends a GDPR erasure tombstone carrying only `sha256:<hex of the surrogate>`. */
  appendTombstone(surrogate: string, erasedAtMs = this.#now()): LogPosition {
    return this.#atomically(() =>
      this.#append({
        type: 'tombstone',
        surrogate: `sha256:${sha256Hex(utf8(surrogate))}`,
        erasedAt: new Date(erasedAtMs).toISOString(),
      }),
    );
  }

  /** Anchors one auditor access-log entry (its canonical JSON SHA-256) in the log. */
  appendAccess(entry: { readonly time: string; readonly [field: string]: unknown }): LogPosition {
    const entrySha256 = accessEntrySha256(entry);
    const at = new Date(Date.parse(entry.time)).toISOString();
    return this.#atomically(() =>
      this.#append({ type: 'access', entryId: `${at}/${entrySha256.slice(0, 16)}`, at, entrySha256 }),
    );
  }

  /**
   * Erases a GDPR subject: deletes its registry row (surrogate mapping and content key) and
   * appends the tombstone in the same transaction, then checkpoints. Returns undefined for
   * an unknown pseudonym. The graph, the archive and earlier leaves are untouched.
   */
  eraseSubject(pseudonym: string): { position: LogPosition; checkpoint: string } | undefined {
    const position = this.#atomically(() => {
      const surrogate = this.subjects.delete(pseudonym);
      return surrogate === undefined ? undefined : this.appendTombstone(surrogate);
    });
    if (!position) return undefined;
    // Deleted pages are zeroed (secure_delete); also push them out of the WAL file.
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return { position, checkpoint: this.issueCheckpoint() };
  }

  /** Signs and stores a checkpoint for the current size (returns the stored one when nothing changed). */
  issueCheckpoint(): string {
    const size = this.#frontier.size;
    const existing = this.#s.checkpointAt.get(size);
    if (existing) return String(existing.note);
    const note = signCheckpoint({ origin: this.origin, size, rootHash: frontierRoot(this.#frontier) }, [
      this.#signer,
    ]);
    this.#s.insertCheckpoint.run(size, note, this.#now());
    return note;
  }

  /** The latest signed checkpoint, or undefined before the first one. */
  latestCheckpoint(): string | undefined {
    const row = this.#s.latestCheckpoint.get();
    return row ? String(row.note) : undefined;
  }

  /** The stored checkpoint of exactly `size`, if one was issued. */
  checkpointAt(size: number): string | undefined {
    const row = this.#s.checkpointAt.get(size);
    return row ? String(row.note) : undefined;
  }

  /** Read-only view of the persisted tree (for {@link verifyArchive}-style checks in process). */
  view(): LogView {
    return sqliteLogView(this.#db);
  }

  /** Every bundle leaf of a run, by sequence. */
  bundlesOfRun(runId: string): { leafIndex: number; leaf: BundleLeaf }[] {
    const out: { leafIndex: number; leaf: BundleLeaf }[] = [];
    for (const row of this.#s.runBundles.iterate(runId)) {
      const leaf = decodeLogLeaf(bytes(row.data, 'leaf'));
      if (leaf.type === 'bundle') out.push({ leafIndex: Number(row.idx), leaf });
    }
    return out;
  }

  /** Leaf index of the bundle stored under an archive key. */
  leafIndexOfArchiveKey(key: string): number | undefined {
    const row = this.#s.byKey.get(key);
    return row ? Number(row.idx) : undefined;
  }

  /** The decoded leaf at `index`. */
  leafAt(index: number): LogLeaf | undefined {
    const row = this.#s.leaf.get(index);
    return row ? decodeLogLeaf(bytes(row.data, 'leaf')) : undefined;
  }

  /**
   * Inclusion evidence of a run's bundle leaf (`sequence` default: the latest bundle of the
   * run) against the latest checkpoint; issues a checkpoint first when the leaf is newer
   * than the latest one. Undefined when the run has no bundle in the log.
   */
  inclusionProofForRun(runId: string, sequence?: number): RunInclusion | undefined {
    const row =
      sequence === undefined ? this.#s.latestBundle.get(runId) : this.#s.bundle.get(runId, sequence);
    if (!row) return undefined;
    const leafIndex = Number(row.idx);
    const data = bytes(row.data, 'leaf');
    const leaf = decodeLogLeaf(data);
    if (leaf.type !== 'bundle') throw new IntegrityLogCorruptError(`leaf ${leafIndex} is not a bundle`);
    let note = this.latestCheckpoint();
    let cp = note ? this.#open(note) : undefined;
    if (!note || !cp || cp.size <= leafIndex) {
      note = this.issueCheckpoint();
      cp = this.#open(note);
    }
    return {
      leafIndex,
      leaf,
      leafHash: Buffer.from(hashLeaf(data)).toString('hex'),
      treeSize: cp.size,
      rootHash: cp.rootHash,
      proof: inclusionProof(leafIndex, cp.size, this.#read),
      checkpoint: note,
    };
  }

  /** RFC 9162 consistency proof between two tree sizes (0 < m ≤ n ≤ size). */
  consistencyProof(m: number, n: number): Uint8Array[] {
    if (n > this.size) throw new RangeError(`tree size ${n} is beyond the log size ${this.size}`);
    return consistencyProof(m, n, this.#read);
  }

  /** Root hash at an earlier size (from stored nodes). */
  rootAt(size: number): Uint8Array {
    if (size > this.size) throw new RangeError(`tree size ${size} is beyond the log size ${this.size}`);
    return rootHash(size, this.#read);
  }

  /** Signs an output attestation statement with the log key (DSSE). */
  signAttestation(statement: InTotoStatement<OutputAttestationPredicate>): DsseEnvelope {
    return signOutputAttestation(statement, this.#signer);
  }

  /**
   * The RunFinaliser hook: append the batch's bundle leaves, then issue one checkpoint.
   * Pass as `onFinalised` (compose with other listeners as needed).
   */
  readonly onFinalised = async (runs: readonly FinalisedRun[]): Promise<void> => {
    if (runs.length === 0) return;
    // One transaction (one fsync) for the leaves and the checkpoint that covers them.
    this.#atomically(() => {
      this.appendBundles(runs);
      this.issueCheckpoint();
    });
  };

  /**
   * Appends every archived bundle that has no leaf yet (start-up catch-up). A crash between
   * the archive put and the finaliser's `onFinalised` leaves bundles that are archived and
   * marked final but not logged; the finaliser will never revisit them, so the log does.
   * Returns how many leaves were appended.
   */
  async appendMissingFromArchive(archive: Pick<ArchiveStore, 'list' | 'get'>): Promise<number> {
    const missing: FinalisedRun[] = [];
    for await (const key of archive.list()) {
      if (this.leafIndexOfArchiveKey(key) !== undefined) continue;
      const m = /([0-9a-f]{32})(?:\.(\d+))?\.jsonld$/.exec(key);
      if (!m?.[1]) continue;
      const body = await archive.get(key);
      missing.push({
        runId: m[1],
        sequence: m[2] ? Number(m[2]) : 0,
        location: { key, sha256: sha256Hex(body), size: body.byteLength },
      });
    }
    // Main bundles before supplementary ones, as the finaliser would have appended them.
    missing.sort((a, b) => a.sequence - b.sequence || a.location.key.localeCompare(b.location.key));
    if (missing.length > 0) {
      this.appendBundles(missing);
      this.issueCheckpoint();
    }
    return missing.length;
  }

  /**
   * Full audit of the persisted tree: every leaf's bytes are canonical and hash to the stored
   * leaf hash, every stored node equals the hash of its children, and every stored
   * checkpoint verifies and matches the root at its size. O(n). Returns the problems found.
   */
  audit(): string[] {
    const problems: string[] = [];
    for (const row of this.#db.prepare('SELECT idx, data, hash FROM leaves ORDER BY idx').iterate()) {
      const data = bytes(row.data, 'leaf');
      try {
        decodeLogLeaf(data);
      } catch (error) {
        problems.push(`leaf ${String(row.idx)}: ${String(error)}`);
      }
      if (!bytesEqual(hashLeaf(data), bytes(row.hash, 'leaf hash'))) {
        problems.push(`leaf ${String(row.idx)}: stored hash differs from the leaf bytes`);
      }
    }
    for (const row of this.#db.prepare('SELECT level, idx, hash FROM tree_nodes').iterate()) {
      const level = Number(row.level);
      const idx = Number(row.idx);
      try {
        const expected = hashChildren(this.#read(level - 1, 2 * idx), this.#read(level - 1, 2 * idx + 1));
        if (!bytesEqual(expected, bytes(row.hash, 'node')))
          problems.push(`node ${level}/${idx}: hash differs`);
      } catch (error) {
        problems.push(`node ${level}/${idx}: ${String(error)}`);
      }
    }
    for (const row of this.#db.prepare('SELECT size, note FROM checkpoints ORDER BY size').iterate()) {
      try {
        const cp = this.#open(String(row.note));
        if (cp.size !== Number(row.size) || !bytesEqual(cp.rootHash, this.rootAt(cp.size))) {
          problems.push(`checkpoint ${String(row.size)}: root differs from the stored tree`);
        }
      } catch (error) {
        problems.push(`checkpoint ${String(row.size)}: ${String(error)}`);
      }
    }
    return problems;
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }

  #append(leaf: LogLeaf): LogPosition {
    const data = encodeLogLeaf(leaf);
    const hash = hashLeaf(data);
    const index = this.#frontier.size;
    const { frontier, completed } = appendLeaf(this.#frontier, hash);
    const bundle = leaf.type === 'bundle' ? leaf : undefined;
    this.#s.insertLeaf.run(
      index,
      LEAF_KIND_CODE[leaf.type],
      data,
      hash,
      bundle?.runId ?? null,
      bundle?.sequence ?? null,
      bundle?.archiveKey ?? null,
    );
    for (const node of completed)
      if (node.level > 0) this.#s.insertNode.run(node.level, node.index, node.hash);
    // Advanced only after the rows are written; #atomically rewinds it on rollback.
    this.#frontier = frontier;
    return { leafIndex: index, leaf };
  }

  #opened: { note: string; checkpoint: Checkpoint } | undefined;

  /** Opens (signature-checks) a stored checkpoint; the last one is memoised (proofs reuse it). */
  #open(note: string): Checkpoint {
    if (this.#opened?.note === note) return this.#opened.checkpoint;
    const checkpoint = openCheckpoint(note, [verifierOf(this.#signer)], { origin: this.origin }).checkpoint;
    this.#opened = { note, checkpoint };
    return checkpoint;
  }

  /**
   * Rebuilds the frontier from the persisted rows and checks them: leaf indexes must be
   * contiguous, and the latest signed checkpoint must verify and equal the root the stored
   * nodes give at its size (a checkpoint beyond the stored leaves means the log lost data).
   */
  #recover(): Frontier {
    const row = this.#s.count.get();
    const size = Number(row?.n ?? 0);
    const maxIdx = row?.m === null || row?.m === undefined ? -1 : Number(row.m);
    if (maxIdx + 1 !== size) {
      throw new IntegrityLogCorruptError(
        `log leaves are not contiguous: ${size} leaves, highest index ${maxIdx}`,
      );
    }
    const frontier = frontierAt(size, this.#read);
    const note = this.latestCheckpoint();
    if (note) {
      const cp = this.#open(note);
      if (cp.size > size) {
        throw new IntegrityLogCorruptError(
          `log has ${size} leaves but its checkpoint covers ${cp.size}: truncated`,
        );
      }
      if (!bytesEqual(cp.rootHash, rootHash(cp.size, this.#read))) {
        throw new IntegrityLogCorruptError(
          `stored tree does not match the signed checkpoint at size ${cp.size}`,
        );
      }
    }
    return frontier;
  }

  /** One transaction whose rollback also rewinds the in-memory frontier. */
  #atomically<T>(fn: () => T): T {
    const before = this.#frontier;
    try {
      return this.#db.transaction(fn);
    } catch (error) {
      this.#frontier = before;
      throw error;
    }
  }
}

/**
 * Opens (creating on first start) the integrity log: `ledger.db` (WAL, synchronous=FULL,
 * secure_delete for the subject registry) and the signing key (generated into the data dir
 * with mode 0600; its public key is written to `log-verifier.pub`). Recovers the tree state
 * and issues a checkpoint when leaves were appended after the last one (crash recovery).
 */
export async function openIntegrityLog(options: IntegrityLogOptions): Promise<IntegrityLog> {
  const dir = options.dataDir ? resolve(options.dataDir) : undefined;
  const dbPath = options.dbPath ?? (dir ? join(dir, 'ledger.db') : undefined);
  if (!dbPath) throw new Error('openIntegrityLog needs dataDir or dbPath');
  const baseDir = dir ?? resolve(dbPath, '..');
  mkdirSync(baseDir, { recursive: true });
  const keyPath = options.keyPath ?? join(baseDir, 'log-signing.key');
  const { signer } = await loadOrCreateLogKey(keyPath, options.origin, join(baseDir, 'log-verifier.pub'));
  const db = openSqlite(dbPath, options.driver);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    const mode = db.pragma('journal_mode = WAL');
    if (String(mode).toLowerCase() !== 'wal')
      throw new Error(`could not enable WAL (journal_mode=${String(mode)})`);
    db.exec(`PRAGMA synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.exec('PRAGMA secure_delete = ON');
    db.exec(LEDGER_SCHEMA_SQL);
    const version = db.prepare("SELECT value FROM ledger_meta WHERE key = 'schema_version'").get();
    if (version === undefined) {
      db.prepare("INSERT INTO ledger_meta(key, value) VALUES ('schema_version', ?), ('origin', ?)").run(
        String(LEDGER_SCHEMA_VERSION),
        options.origin,
      );
    } else if (version.value !== String(LEDGER_SCHEMA_VERSION)) {
      throw new Error(`unsupported ledger schema version ${String(version.value)}`);
    }
    const origin = db.prepare("SELECT value FROM ledger_meta WHERE key = 'origin'").get();
    if (origin && origin.value !== options.origin) {
      throw new IntegrityLogCorruptError(
        `ledger ${dbPath} belongs to log ${String(origin.value)}, not ${options.origin}`,
      );
    }
    const log = new IntegrityLog(db, signer, options.origin, options.now ?? Date.now);
    // Leaves appended after the last checkpoint (a crash before issuing it) get one now.
    if (log.size > 0 && log.checkpointAt(log.size) === undefined) log.issueCheckpoint();
    return log;
  } catch (error) {
    db.close();
    throw error;
  }
}
