import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, utf8 } from '../integrity/bytes.js';
import { openCheckpoint } from '../integrity/checkpoint.js';
import { checkConsistency } from '../integrity/checkpoint-consistency.js';
import { logLeafHash } from '../integrity/log-leaf.js';
import { verifyInclusion } from '../integrity/merkle.js';
import type { RunGraph } from '../ports/graph-store.js';
import { runGraphToProvBundle } from '../prov/run-graph-to-prov-bundle.js';
import { serialiseBundle } from '../prov/serialise-bundle.js';
import type { RunInclusion } from './integrity-log.js';
import { SURROGATE_PREFIX } from './subject-registry.js';
import { buildIntegrityWorld, type IntegrityWorld } from './test-support/integrity-world.js';
import { verifyArchive } from './verify-archive.js';
import { verifyRun } from './verify-run.js';

let w: IntegrityWorld;
const prov = { runGraphToProvBundle, serialiseBundle };

/** Every byte of every file under `dir` (graph DB, WAL, archive, ledger). */
async function allFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const p = join(e.parentPath, e.name);
      out.set(p, await readFile(p));
    }
  }
  return out;
}

function outputOf(g: RunGraph) {
  return g.nodes.find((n) => n.kind === 'FinalOutput');
}

beforeAll(async () => {
  w = await buildIntegrityWorld({ captureContent: true });
});
afterAll(async () => {
  await w.close();
  await rm(w.dir, { recursive: true, force: true });
});

describe('GDPR erasure', () => {
  it('writes only surrogates: no pseudonym reaches the graph, the archive or the log', async () => {
    const g1 = (await w.store.getRun(w.runs.rag1))!;
    const g2 = (await w.store.getRun(w.runs.rag2))!;
    const run1 = g1.nodes.find((n) => n.kind === 'ExecutionRun')!;
    const run2 = g2.nodes.find((n) => n.kind === 'ExecutionRun')!;
    expect(String(run1.props.actor)).toMatch(new RegExp(`^${SURROGATE_PREFIX}[0-9a-f]{32}$`));
    // Same subject, same surrogate: the two runs stay linkable to each other while the subject exists.
    expect(run2.props.actor).toBe(run1.props.actor);
    expect(w.log.subjects.lookup(w.alice)?.surrogate).toBe(run1.props.actor);
    expect(w.log.subjects.lookup(w.bob)?.surrogate).toBe(outputOf(g1)!.props.recipient);
    const pseudoHex = [w.alice, w.bob].map((p) => p.slice('hmac-sha256:'.length));
    for (const [path, bytes] of await allFiles(w.dir)) {
      if (path.includes('ledger.db')) continue; // the registry holds them until erasure
      for (const hex of pseudoHex) expect(bytes.includes(hex), `${path} contains a pseudonym`).toBe(false);
    }
  });

  it('erases a subject: registry row and key gone, tombstone without the pseudonym, evidence and lineage intact', async () => {
    const runIds = Object.values(w.runs);
    const before = new Map<string, RunGraph>();
    for (const id of runIds) before.set(id, (await w.store.getRun(id))!);
    const out1 = outputOf(before.get(w.runs.rag1)!)!;
    const backBefore = await w.store.backwardLineage(out1.sha256!);
    const fwdBefore = await w.store.forwardLineage('kb://loans/limits#1');
    const proofsBefore = new Map<string, RunInclusion>();
    for (const id of runIds) proofsBefore.set(id, w.log.inclusionProofForRun(id)!);
    const cpBefore = openCheckpoint(w.log.latestCheckpoint()!, [w.log.verifier()]).checkpoint;
    const surrogate = w.log.subjects.lookup(w.bob)!.surrogate;

    const erased = w.log.eraseSubject(w.bob);
    expect(erased).toBeDefined();
    expect(w.log.eraseSubject(w.bob)).toBeUndefined(); // second request: nothing left to erase

    // 1. The registry no longer maps the pseudonym, and the content key is gone.
    expect(w.log.subjects.lookup(w.bob)).toBeUndefined();
    // 2. The tombstone holds only the surrogate's hash.
    const tomb = w.log.leafAt(erased!.position.leafIndex)!;
    expect(tomb).toEqual({
      type: 'tombstone',
      surrogate: `sha256:${sha256Hex(utf8(surrogate))}`,
      erasedAt: expect.any(String),
    });
    // 3. Neither the pseudonym nor the surrogate is left in the ledger file or its WAL (secure_delete + checkpoint).
    for (const [path, bytes] of await allFiles(w.dir)) {
      if (!path.includes('ledger.db')) continue;
      expect(bytes.includes(w.bob.slice('hmac-sha256:'.length)), `${path} still holds the pseudonym`).toBe(
        false,
      );
      expect(bytes.includes(surrogate), `${path} still holds the surrogate`).toBe(false);
    }
    // 4. Every run graph is intact, and lineage answers are unchanged.
    for (const id of runIds) expect(await w.store.getRun(id)).toEqual(before.get(id));
    expect(await w.store.backwardLineage(out1.sha256!)).toEqual(backBefore);
    expect(await w.store.forwardLineage('kb://loans/limits#1')).toEqual(fwdBefore);
    // 5. Every earlier proof still verifies, the new checkpoint extends the old one, and every run verifies.
    const cpAfter = openCheckpoint(erased!.checkpoint, [w.log.verifier()]).checkpoint;
    checkConsistency(cpBefore, cpAfter, w.log.consistencyProof(cpBefore.size, cpAfter.size));
    for (const [id, inc] of proofsBefore) {
      verifyInclusion(inc.leafIndex, inc.treeSize, logLeafHash(inc.leaf), inc.proof, cpBefore.rootHash);
      const now = w.log.inclusionProofForRun(id)!;
      verifyInclusion(now.leafIndex, now.treeSize, logLeafHash(now.leaf), now.proof, cpAfter.rootHash);
      const r = await verifyRun(
        { log: w.log, store: w.store, archive: w.archive, prov, includeContent: true },
        id,
      );
      expect(r?.checks.filter((c) => c.status === 'failed')).toEqual([]);
    }
    const report = await verifyArchive({ log: w.log.view(), key: w.log.verifier(), bundles: [] });
    expect(report.failures).toEqual([]);
    // 6. Alice (not erased) is still registered and still decrypts nothing of bob's.
    expect(w.log.subjects.lookup(w.alice)).toBeDefined();
    const leaves = JSON.stringify(Array.from({ length: w.log.size }, (_, i) => w.log.leafAt(i)));
    for (const secret of [w.alice, w.bob, surrogate]) expect(leaves).not.toContain(secret);
  });
});
