import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Strict } from '../../exporter/integrity/bytes.js';
import { openCheckpoint } from '../../exporter/integrity/checkpoint.js';
import { checkConsistency } from '../../exporter/integrity/checkpoint-consistency.js';
import { logLeafHash } from '../../exporter/integrity/log-leaf.js';
import { verifyInclusion } from '../../exporter/integrity/merkle.js';
import { decodeVerifierKey } from '../../exporter/integrity/note-key.js';
import { verifyOutputAttestation } from '../../exporter/integrity/output-attestation.js';
import { type IntegrityLog, openIntegrityLog } from '../../exporter/ledger/integrity-log.js';
import { buildIntegrityWorld } from '../../exporter/ledger/test-support/integrity-world.js';
import { TEST_ORIGIN } from '../../exporter/ledger/test-support/ledger-fixtures.js';
import { runGraphToProvBundle } from '../../exporter/prov/run-graph-to-prov-bundle.js';
import { serialiseBundle } from '../../exporter/prov/serialise-bundle.js';
import { FsArchiveStore } from '../../exporter/stores/fs-archive/fs-archive-store.js';
import { openSqlite } from '../../exporter/stores/sqlite/sqlite-driver.js';
import {
  openSqliteGraphStore,
  type SqliteGraphStore,
} from '../../exporter/stores/sqlite/sqlite-graph-store.js';
import { authenticate } from '../api/authenticate.js';
import { createResponder, type RequestState } from '../api/respond.js';
import { FileAccessLog } from '../auth/file-access-log.js';
import { type TestKey, testKey } from '../test-support/test-keys.js';
import { anchorAccessLog } from './anchored-access-log.js';
import { createIntegrityRouter } from './integrity-router.js';

let dir: string;
let server: Server;
let baseUrl: string;
let log: IntegrityLog;
let store: SqliteGraphStore;
let accessLog: FileAccessLog;
let runs: { rag1: string; rag2: string; tools: string };
let bob: string;
let outputHash: string;
const engineering = testKey('eng', 'engineering');
const compliance = testKey('comp', 'compliance');
/** Scoped to run rag1 once the world exists. */
let auditor: TestKey;

function get(path: string, key: TestKey = engineering) {
  return fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key.token}` } });
}

beforeAll(async () => {
  const w = await buildIntegrityWorld();
  dir = w.dir;
  runs = w.runs;
  bob = w.bob;
  outputHash = (await w.store.getRun(runs.rag1))!.nodes.find((n) => n.kind === 'FinalOutput')!.sha256!;
  await w.close();
  // Tamper with one row of the hot store: the FinalOutput of run rag2 now claims another channel.
  const db = openSqlite(join(dir, 'lineage.db'));
  const changed = db
    .prepare(
      `UPDATE nodes SET rec = replace(rec, '"channel":"api"', '"channel":"email"')
       WHERE kind = 5 AND rid = (SELECT rid FROM runs WHERE run_id = ?)`,
    )
    .run(runs.rag2).changes;
  db.close();
  expect(changed).toBe(1);

  store = await openSqliteGraphStore({ path: join(dir, 'lineage.db') });
  const archive = new FsArchiveStore({ root: join(dir, 'archive') });
  log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
  accessLog = await FileAccessLog.open(join(dir, 'access-log.jsonl'));
  auditor = testKey('aud', 'auditor', { runs: [runs.rag1] });
  const state: RequestState = { principals: new WeakMap() };
  const responder = createResponder({ accessLog: anchorAccessLog(accessLog, log), clock: Date.now }, state);
  const app = express();
  app.use(authenticate([engineering.key, compliance.key, auditor.key], state));
  app.use(
    createIntegrityRouter({
      log,
      store,
      archive,
      prov: { runGraphToProvBundle, serialiseBundle },
      includeContent: false,
      responder,
      state,
    }),
  );
  const onError: ErrorRequestHandler = (error, req, res, _next) => responder.sendError(req, res, error);
  app.use(onError);
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await accessLog.close();
  await store.close();
  log.close();
  await rm(dir, { recursive: true, force: true });
});

describe('integrity routes', () => {
  it('serves the signed checkpoint as text and the verifier key that opens it', async () => {
    const keyRes = await get('/lineage/log/key');
    expect(keyRes.headers.get('content-type')).toMatch(/^text\/plain/);
    const key = decodeVerifierKey((await keyRes.text()).trim());
    const res = await get('/lineage/log/checkpoint');
    expect(res.status).toBe(200);
    const cp = openCheckpoint(await res.text(), [key], { origin: TEST_ORIGIN }).checkpoint;
    expect(cp.size).toBe(log.size);
  });

  it('serves an inclusion proof that verifies against the served checkpoint', async () => {
    const res = await get(`/lineage/runs/${runs.tools}/inclusion-proof`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      leaf: Parameters<typeof logLeafHash>[0];
      leafIndex: number;
      treeSize: number;
      proof: string[];
      checkpoint: string;
    };
    const cp = openCheckpoint(body.checkpoint, [log.verifier()]).checkpoint;
    verifyInclusion(
      body.leafIndex,
      body.treeSize,
      logLeafHash(body.leaf),
      body.proof.map((p) => fromBase64Strict(p)!),
      cp.rootHash,
    );
    expect((await get(`/lineage/runs/${'0'.repeat(32)}/inclusion-proof`)).status).toBe(404);
  });

  it('serves consistency proofs between sizes and rejects impossible ranges', async () => {
    const first = openCheckpoint(log.checkpointAt(1) ?? log.latestCheckpoint()!, [log.verifier()]).checkpoint;
    const latest = openCheckpoint(log.issueCheckpoint(), [log.verifier()]).checkpoint;
    const res = await get(`/lineage/log/consistency?from=${first.size}&to=${latest.size}`);
    const body = (await res.json()) as { proof: string[] };
    checkConsistency(
      first,
      latest,
      body.proof.map((p) => fromBase64Strict(p)!),
    );
    expect((await get(`/lineage/log/consistency?from=0`)).status).toBe(400);
    expect((await get(`/lineage/log/consistency?from=2&to=${log.size + 5}`)).status).toBe(400);
  });

  it('verifies an untouched run and names the hot-store row that was edited in another', async () => {
    const ok = (await (await get(`/lineage/runs/${runs.rag1}/verify`)).json()) as { verified: boolean };
    expect(ok.verified).toBe(true);
    const bad = (await (await get(`/lineage/runs/${runs.rag2}/verify`)).json()) as {
      verified: boolean;
      checks: { check: string; status: string; detail?: string }[];
    };
    expect(bad.verified).toBe(false);
    expect(bad.checks.filter((c) => c.status === 'failed').map((c) => c.check)).toEqual(['hot-store']);
    expect(bad.checks.find((c) => c.check === 'bundle-hash')?.status).toBe('passed');
  });

  it('signs a per-output attestation that verifies offline, and asks which run when bytes are shared', async () => {
    const ambiguous = await get(`/lineage/outputs/${outputHash}/attestation`);
    expect(ambiguous.status).toBe(409);
    expect(((await ambiguous.json()) as { runIds: string[] }).runIds.sort()).toEqual(
      [runs.rag1, runs.rag2].sort(),
    );
    const res = await get(`/lineage/outputs/${outputHash}/attestation?runId=${runs.rag1}`);
    expect(res.status).toBe(200);
    const envelope = await res.json();
    const v = verifyOutputAttestation(envelope, log.verifier(), { outputSha256: outputHash });
    expect(v.inclusionVerified).toBe(true);
    expect(v.predicate.runId).toBe(runs.rag1);
    expect(v.predicate.models.map((m) => m.version)).toEqual(['gpt-4o-2024-08-06']);
    expect(v.predicate.dataSources).toHaveLength(3);
    expect((await get(`/lineage/outputs/${'1'.repeat(64)}/attestation`)).status).toBe(404);
  });

  it('confines auditors to their scope and anchors each of their requests in the log', async () => {
    const before = log.size;
    expect((await get(`/lineage/runs/${runs.rag1}/inclusion-proof`, auditor)).status).toBe(200);
    expect((await get(`/lineage/runs/${runs.tools}/inclusion-proof`, auditor)).status).toBe(403);
    expect((await get(`/lineage/outputs/${outputHash}/attestation`, auditor)).status).toBe(200);
    expect(log.size).toBe(before + 3);
    expect(log.leafAt(before)?.type).toBe('access');
  });

  it('erases a subject for compliance only, and only once', async () => {
    const post = (key: TestKey, p = bob) =>
      fetch(`${baseUrl}/lineage/subjects/${p}/erase`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.token}` },
      });
    expect((await post(engineering)).status).toBe(403);
    expect((await post(auditor)).status).toBe(403);
    expect((await post(compliance, 'bob')).status).toBe(400);
    const res = await post(compliance);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tombstoneLeafIndex: number; checkpoint: string };
    expect(JSON.stringify(body)).not.toMatch(/surrogate/);
    expect(log.leafAt(body.tombstoneLeafIndex)?.type).toBe('tombstone');
    expect((await post(compliance)).status).toBe(404);
    // Evidence still verifies after the erasure.
    const ok = (await (await get(`/lineage/runs/${runs.rag1}/verify`)).json()) as { verified: boolean };
    expect(ok.verified).toBe(true);
  });
});
