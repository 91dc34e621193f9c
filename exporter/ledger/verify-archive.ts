import { bytesEqual, sha256Hex, toBase64 } from '../integrity/bytes.js';
import { type Checkpoint, openCheckpoint } from '../integrity/checkpoint.js';
import { CheckpointConsistencyError, checkConsistency } from '../integrity/checkpoint-consistency.js';
import { decodeLogLeaf, type LogLeaf } from '../integrity/log-leaf.js';
import {
  consistencyProof,
  hashLeaf,
  inclusionProof,
  rootHash,
  verifyInclusion,
} from '../integrity/merkle.js';
import type { NoteVerifierKey } from '../integrity/note-key.js';
import type { LogView } from './log-view.js';

/**
 * What failed, one name per tampering the verifier can tell apart:
 * - `checkpoint-signature`: the checkpoint is missing, malformed, from another log, or not
 *   signed by the trusted key (e.g. signed by an unknown key);
 * - `trusted-checkpoint`: the trusted earlier checkpoint itself does not verify;
 * - `checkpoint-consistency`: the latest checkpoint does not extend the trusted one
 *   (`reason`: truncated | fork | inconsistent | origin-mismatch);
 * - `log-truncated`: the log holds fewer leaves than its checkpoint covers;
 * - `log-root`: the stored tree does not give the checkpoint's root;
 * - `log-leaf`: a stored leaf is malformed or its bytes do not hash to the stored leaf hash;
 * - `bundle-hash`: an archived bundle's bytes do not hash to its leaf's bundleSha256;
 * - `bundle-not-in-log`: an archived bundle has no leaf covered by the checkpoint;
 * - `bundle-missing`: a bundle leaf has no archived file;
 * - `inclusion`: the bundle's leaf is not provably in the checkpointed tree.
 */
export type VerifyCheck =
  | 'checkpoint-signature'
  | 'trusted-checkpoint'
  | 'checkpoint-consistency'
  | 'log-truncated'
  | 'log-root'
  | 'log-leaf'
  | 'bundle-hash'
  | 'bundle-not-in-log'
  | 'bundle-missing'
  | 'inclusion';

/** One failed check and what it was about. */
export interface VerifyFailure {
  readonly check: VerifyCheck;
  /** What failed: an archive key, `leaf <n>`, or `checkpoint`. */
  readonly target: string;
  readonly message: string;
  /** Sub-reason, e.g. `fork` for checkpoint-consistency or `unknown-key` for the signature. */
  readonly reason?: string;
}

/** Outcome of {@link verifyArchive}. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly checkpoint?: { readonly origin: string; readonly size: number; readonly rootHash: string };
  readonly leavesChecked: number;
  readonly bundlesChecked: number;
  readonly failures: readonly VerifyFailure[];
}

/** One archived bundle to check: its archive key and bytes. */
export interface BundleFile {
  readonly key: string;
  readonly bytes: Uint8Array;
}

/** Input of {@link verifyArchive}. */
export interface VerifyArchiveInput {
  readonly log: LogView;
  /** The log's public key (trusted). */
  readonly key: NoteVerifierKey;
  /** Checkpoint to verify against; default: the log's latest stored checkpoint. */
  readonly checkpoint?: string;
  /** A checkpoint the verifier trusted earlier: the log must have grown from it. */
  readonly trusted?: string;
  readonly bundles: AsyncIterable<BundleFile> | Iterable<BundleFile>;
  /** Also report bundle leaves without an archived file (true for a whole archive). */
  readonly expectEveryBundle?: boolean;
  /** Check every stored leaf's bytes against its stored hash (O(n); default true). */
  readonly scanLeaves?: boolean;
  /** Called after each bundle. */
  readonly onBundle?: (done: number) => void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function reasonOf(error: unknown): string | undefined {
  if (error instanceof CheckpointConsistencyError) return error.failure;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Offline verification of archived bundles against the integrity log (DESIGN.md section 6):
 * the checkpoint signature, consistency with a trusted earlier checkpoint (truncation and
 * forks), the stored tree against the checkpoint root, every leaf's bytes, every bundle's
 * SHA-256 against its leaf, and every bundle leaf's inclusion proof. Collects all failures
 * instead of stopping at the first, so the report names exactly what was tampered with.
 */
export async function verifyArchive(input: VerifyArchiveInput): Promise<VerifyReport> {
  const { log, key } = input;
  const failures: VerifyFailure[] = [];
  const fail = (check: VerifyCheck, target: string, msg: string, reason?: string) => {
    failures.push({ check, target, message: msg, ...(reason ? { reason } : {}) });
  };
  const done = (cp?: Checkpoint, leavesChecked = 0, bundlesChecked = 0): VerifyReport => ({
    ok: failures.length === 0,
    ...(cp ? { checkpoint: { origin: cp.origin, size: cp.size, rootHash: toBase64(cp.rootHash) } } : {}),
    leavesChecked,
    bundlesChecked,
    failures,
  });

  const note = input.checkpoint ?? log.latestCheckpoint();
  if (note === undefined) {
    fail('checkpoint-signature', 'checkpoint', 'the log has no signed checkpoint', 'missing');
    return done();
  }
  let cp: Checkpoint;
  try {
    cp = openCheckpoint(note, [key], { origin: key.name }).checkpoint;
  } catch (error) {
    fail(
      'checkpoint-signature',
      'checkpoint',
      `checkpoint does not verify: ${message(error)}`,
      reasonOf(error),
    );
    return done();
  }

  if (input.trusted !== undefined) {
    let trusted: Checkpoint | undefined;
    try {
      trusted = openCheckpoint(input.trusted, [key], { origin: key.name }).checkpoint;
    } catch (error) {
      fail(
        'trusted-checkpoint',
        'trusted checkpoint',
        `trusted checkpoint does not verify: ${message(error)}`,
      );
    }
    if (trusted) {
      try {
        const proof =
          trusted.size > 0 && trusted.size < cp.size && cp.size <= log.size()
            ? consistencyProof(trusted.size, cp.size, log.read)
            : [];
        checkConsistency(trusted, cp, proof);
      } catch (error) {
        fail(
          'checkpoint-consistency',
          'checkpoint',
          `checkpoint of size ${cp.size} does not extend the trusted checkpoint of size ${trusted.size}: ${message(error)}`,
          reasonOf(error) ?? 'inconsistent',
        );
      }
    }
  }

  const logSize = log.size();
  if (logSize < cp.size) {
    fail('log-truncated', 'log', `the log has ${logSize} leaves but its checkpoint covers ${cp.size}`);
  } else {
    try {
      if (!bytesEqual(rootHash(cp.size, log.read), cp.rootHash)) {
        fail(
          'log-root',
          'log',
          `the stored tree's root at size ${cp.size} differs from the signed checkpoint`,
        );
      }
    } catch (error) {
      fail('log-root', 'log', `the stored tree cannot give the root at size ${cp.size}: ${message(error)}`);
    }
  }

  const covered = Math.min(cp.size, logSize);
  let leavesChecked = 0;
  if (input.scanLeaves !== false) {
    for (let i = 0; i < covered; i++) {
      const stored = log.leaf(i);
      leavesChecked++;
      if (!stored) {
        fail('log-leaf', `leaf ${i}`, `leaf ${i} is missing`);
        continue;
      }
      let leaf: LogLeaf | undefined;
      try {
        leaf = decodeLogLeaf(stored.data);
      } catch (error) {
        fail('log-leaf', `leaf ${i}`, `leaf ${i} is malformed: ${message(error)}`);
      }
      if (!bytesEqual(hashLeaf(stored.data), stored.storedHash)) {
        const what = leaf?.type === 'bundle' ? ` (run ${leaf.runId} bundle ${leaf.sequence})` : '';
        fail(
          'log-leaf',
          `leaf ${i}`,
          `leaf ${i}${what} bytes do not match the leaf hash recorded in the tree`,
        );
      }
    }
  }

  const seen = new Set<string>();
  let bundlesChecked = 0;
  for await (const file of input.bundles) {
    bundlesChecked++;
    seen.add(file.key);
    checkBundle(file, cp, log, fail);
    input.onBundle?.(bundlesChecked);
  }
  if (input.expectEveryBundle) {
    for (const { key: k, index } of log.bundleKeys()) {
      if (index < covered && !seen.has(k))
        fail('bundle-missing', k, `leaf ${index} names ${k}, which is not in the archive`);
    }
  }
  return done(cp, leavesChecked, bundlesChecked);
}

function checkBundle(
  file: BundleFile,
  cp: Checkpoint,
  log: LogView,
  fail: (check: VerifyCheck, target: string, msg: string, reason?: string) => void,
): void {
  const index = log.bundleIndexByKey(file.key);
  if (index === undefined) {
    fail('bundle-not-in-log', file.key, `${file.key} has no leaf in the log`);
    return;
  }
  if (index >= cp.size) {
    fail(
      'bundle-not-in-log',
      file.key,
      `${file.key} is leaf ${index}, not yet covered by the checkpoint (size ${cp.size})`,
    );
    return;
  }
  const stored = log.leaf(index);
  let leaf: LogLeaf;
  try {
    if (!stored) throw new Error('leaf is missing');
    leaf = decodeLogLeaf(stored.data);
  } catch (error) {
    fail('inclusion', file.key, `leaf ${index} of ${file.key} cannot be read: ${message(error)}`);
    return;
  }
  if (leaf.type !== 'bundle' || leaf.archiveKey !== file.key) {
    fail('inclusion', file.key, `leaf ${index} does not describe ${file.key}`);
    return;
  }
  const actual = sha256Hex(file.bytes);
  if (actual !== leaf.bundleSha256) {
    fail(
      'bundle-hash',
      file.key,
      `${file.key} (run ${leaf.runId}) hashes to ${actual}, the log recorded ${leaf.bundleSha256}`,
    );
  }
  try {
    // The leaf hash is recomputed from the leaf bytes; only the sibling path comes from the log.
    verifyInclusion(
      index,
      cp.size,
      hashLeaf(stored.data),
      inclusionProof(index, cp.size, log.read),
      cp.rootHash,
    );
  } catch (error) {
    fail(
      'inclusion',
      file.key,
      `leaf ${index} of run ${leaf.runId} is not in the checkpointed tree: ${message(error)}`,
    );
  }
}
