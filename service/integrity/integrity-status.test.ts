import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIntegrityWorld,
  type IntegrityWorld,
} from '../../exporter/ledger/test-support/integrity-world.js';
import { runGraphToProvBundle } from '../../exporter/prov/run-graph-to-prov-bundle.js';
import { serialiseBundle } from '../../exporter/prov/serialise-bundle.js';
import { integrityStatusFromLog } from './integrity-status.js';
import { runLogKeyCommand } from './log-key-command.js';

let w: IntegrityWorld;
beforeAll(async () => {
  w = await buildIntegrityWorld();
});
afterAll(async () => {
  await w.close();
  await rm(w.dir, { recursive: true, force: true });
});

describe('audit report integrity hook', () => {
  it('reports anchored runs and runs the log does not know', async () => {
    const hook = integrityStatusFromLog({
      log: w.log,
      store: w.store,
      archive: w.archive,
      prov: { runGraphToProvBundle, serialiseBundle },
      includeContent: false,
    });
    const [a, b] = await hook([w.runs.rag1, '0'.repeat(32)]);
    expect(a).toMatchObject({ runId: w.runs.rag1, status: 'anchored' });
    expect(b).toMatchObject({ status: 'not yet anchored' });
  });
});

describe('agent-lineage log-key', () => {
  it('prints the verifier key derived from the data dir, never the secret', async () => {
    let out = '';
    expect(await runLogKeyCommand(['--data-dir', w.dir], (t) => (out += t))).toBe(0);
    expect(out.trim()).toBe(w.log.verifierKey());
    expect(out).not.toContain('PRIVATE');
    expect(
      await runLogKeyCommand(
        [],
        () => undefined,
        () => undefined,
      ),
    ).toBe(2);
  });
});
