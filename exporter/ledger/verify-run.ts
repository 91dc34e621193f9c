import { sha256Hex } from '../integrity/bytes.js';
import type { ArchiveStore } from '../ports/archive-store.js';
import type { GraphStore, RunGraph } from '../ports/graph-store.js';
import type { IntegrityLog } from './integrity-log.js';
import { type BundleFile, type VerifyFailure, verifyArchive } from './verify-archive.js';

/** The PROV-O mapper the finaliser used (exporter/prov), passed in to keep this file pure of it. */
export interface BundleMapper {
  runGraphToProvBundle(
    graph: RunGraph,
    options: { includeContent: boolean; sequence: number; generatedAtMs: number },
  ): unknown;
  serialiseBundle(doc: unknown): Uint8Array | string;
}

/** Result of one named check of {@link verifyRun}. */
export interface RunCheck {
  readonly check: 'log-entry' | 'checkpoint-signature' | 'bundle-hash' | 'inclusion' | 'hot-store';
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly detail?: string;
}

/** Outcome of {@link verifyRun}. */
export interface RunVerification {
  readonly runId: string;
  readonly verified: boolean;
  readonly checkpoint?: { readonly size: number; readonly rootHash: string };
  readonly bundles: readonly {
    readonly sequence: number;
    readonly archiveKey: string;
    readonly leafIndex: number;
  }[];
  readonly checks: readonly RunCheck[];
  readonly failures: readonly VerifyFailure[];
}

/** `generatedAtMs` exactly as the run finaliser computes it (latest span end, at least the run start). */
function finaliserTimeMs(graph: RunGraph): number {
  const runNode = graph.nodes.find((n) => n.kind === 'ExecutionRun');
  let start = runNode?.startTimeMs ?? Number.POSITIVE_INFINITY;
  if (!runNode) for (const s of graph.spans) start = Math.min(start, s.startTimeMs);
  let latest = start;
  for (const s of graph.spans) if (s.endTimeMs > latest) latest = s.endTimeMs;
  return latest;
}

/**
 * Verifies one run end to end against the live log: every archived bundle of the run hashes
 * to its leaf, each leaf is included in the latest checkpoint, the checkpoint is signed by
 * the log key, and the hot store still reproduces the main bundle byte for byte (re-mapped
 * with the same PROV-O mapper). That last check is how an edit of one row of the hot store
 * shows; it is skipped for runs with supplementary bundles (late spans), whose main bundle
 * was made from an earlier state of the run.
 */
export async function verifyRun(
  deps: {
    readonly log: IntegrityLog;
    readonly store: Pick<GraphStore, 'getRun'>;
    readonly archive: Pick<ArchiveStore, 'get'>;
    readonly prov: BundleMapper;
    /** Whether the finaliser archived captured content (serve's captureContent). */
    readonly includeContent: boolean;
  },
  runId: string,
): Promise<RunVerification | undefined> {
  const bundles = deps.log.bundlesOfRun(runId);
  const graph = await deps.store.getRun(runId);
  if (bundles.length === 0 && !graph) return undefined;
  const checks: RunCheck[] = [];
  if (bundles.length === 0) {
    checks.push({
      check: 'log-entry',
      status: 'failed',
      detail: 'the run has no bundle in the integrity log',
    });
    return { runId, verified: false, bundles: [], checks, failures: [] };
  }
  checks.push({ check: 'log-entry', status: 'passed', detail: `${bundles.length} bundle leaf(s)` });
  const files: BundleFile[] = [];
  const unreadable: VerifyFailure[] = [];
  for (const { leaf } of bundles) {
    try {
      files.push({
        key: leaf.archiveKey,
        bytes: await deps.archive.get(leaf.archiveKey, leaf.archiveVersion),
      });
    } catch (error) {
      unreadable.push({
        check: 'bundle-missing',
        target: leaf.archiveKey,
        message: `cannot read ${leaf.archiveKey}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  // Make sure the checkpoint covers the run's leaves before checking against it.
  deps.log.inclusionProofForRun(runId);
  const report = await verifyArchive({
    log: deps.log.view(),
    key: deps.log.verifier(),
    bundles: files,
    scanLeaves: false,
  });
  const failures = [...unreadable, ...report.failures];
  const status = (names: string[]): RunCheck['status'] =>
    failures.some((f) => names.includes(f.check)) ? 'failed' : 'passed';
  const detailOf = (names: string[]) =>
    failures
      .filter((f) => names.includes(f.check))
      .map((f) => f.message)
      .join('; ') || undefined;
  for (const [check, names] of [
    ['checkpoint-signature', ['checkpoint-signature', 'log-root', 'log-truncated']],
    ['bundle-hash', ['bundle-hash', 'bundle-missing']],
    ['inclusion', ['inclusion', 'bundle-not-in-log']],
  ] as const) {
    const detail = detailOf([...names]);
    checks.push({ check, status: status([...names]), ...(detail ? { detail } : {}) });
  }

  const main = bundles.find((b) => b.leaf.sequence === 0);
  if (!graph) {
    checks.push({ check: 'hot-store', status: 'failed', detail: 'the run is no longer in the hot store' });
  } else if (!main || bundles.length > 1 || (graph.finalisation?.sequence ?? 0) > 0) {
    checks.push({
      check: 'hot-store',
      status: 'skipped',
      detail: 'the run has supplementary bundles; its main bundle was made from an earlier state',
    });
  } else {
    const doc = deps.prov.runGraphToProvBundle(graph, {
      includeContent: deps.includeContent,
      sequence: 0,
      generatedAtMs: finaliserTimeMs(graph),
    });
    const body = deps.prov.serialiseBundle(doc);
    const actual = sha256Hex(typeof body === 'string' ? new TextEncoder().encode(body) : body);
    if (actual === main.leaf.bundleSha256) checks.push({ check: 'hot-store', status: 'passed' });
    else {
      const message = `the hot store now maps run ${runId} to a bundle hashing ${actual}, the log recorded ${main.leaf.bundleSha256}`;
      checks.push({ check: 'hot-store', status: 'failed', detail: message });
      failures.push({ check: 'bundle-hash', target: `hot store run ${runId}`, message, reason: 'hot-store' });
    }
  }
  return {
    runId,
    verified: checks.every((c) => c.status !== 'failed'),
    ...(report.checkpoint
      ? { checkpoint: { size: report.checkpoint.size, rootHash: report.checkpoint.rootHash } }
      : {}),
    bundles: bundles.map((b) => ({
      sequence: b.leaf.sequence,
      archiveKey: b.leaf.archiveKey,
      leafIndex: b.leafIndex,
    })),
    checks,
    failures,
  };
}
