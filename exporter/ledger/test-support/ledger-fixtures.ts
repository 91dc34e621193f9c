import { createHash } from 'node:crypto';
import type { FinalisedRun } from '../../finalise/run-finaliser.js';

/** Origin of every test log. */
export const TEST_ORIGIN = 'lineage.test/log';

/** A deterministic 32-hex run id for `n`. */
export function runIdOf(n: number): string {
  return createHash('sha256').update(`run-${n}`).digest('hex').slice(0, 32);
}

/** A synthetic finalised run whose bundle bytes are `bundle-{n}`. */
export function finalisedRun(n: number, sequence = 0): FinalisedRun {
  const runId = runIdOf(n);
  const body = `bundle-${n}-${sequence}`;
  return {
    runId,
    sequence,
    location: {
      key: `2026/11/24/agent/${runId}${sequence > 0 ? `.${sequence}` : ''}.jsonld`,
      sha256: createHash('sha256').update(body).digest('hex'),
      size: body.length,
    },
  };
}
