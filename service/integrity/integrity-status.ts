import type { IntegrityLog } from '../../exporter/ledger/integrity-log.js';
import { type BundleMapper, verifyRun } from '../../exporter/ledger/verify-run.js';
import type { ArchiveStore } from '../../exporter/ports/archive-store.js';
import type { GraphStore } from '../../exporter/ports/graph-store.js';
import type { IntegrityStatusHook } from '../api/app-deps.js';

/**
 * The audit report's integrity hook backed by the log: `anchored` when every check of
 * {@link verifyRun} passed, `verification failed` (with the failed checks) otherwise, and
 * `not yet anchored` for runs without a bundle leaf.
 */
export function integrityStatusFromLog(deps: {
  readonly log: IntegrityLog;
  readonly store: Pick<GraphStore, 'getRun'>;
  readonly archive: Pick<ArchiveStore, 'get'>;
  readonly prov: BundleMapper;
  readonly includeContent: boolean;
}): IntegrityStatusHook {
  return async (runIds) => {
    const out = [];
    for (const runId of runIds) {
      const r = await verifyRun(deps, runId);
      if (!r || r.bundles.length === 0) {
        out.push({
          runId,
          status: 'not yet anchored',
          detail: 'no bundle of this run is in the integrity log',
        });
      } else if (r.verified) {
        out.push({
          runId,
          status: 'anchored',
          detail: `leaf ${r.bundles.map((b) => b.leafIndex).join(', ')} in checkpoint size ${r.checkpoint?.size ?? '?'}`,
        });
      } else {
        const failed = r.checks.filter((c) => c.status === 'failed').map((c) => c.check);
        out.push({ runId, status: 'verification failed', detail: `failed: ${failed.join(', ')}` });
      }
    }
    return out;
  };
}
