/**
 * bench:ledger — what the integrity log costs (issue 6).
 *
 * 1. Append + checkpoint per finalised run: the RunFinaliser hook (`onFinalised`: one
 *    transaction of bundle leaves + one signed checkpoint per batch), durable
 *    (WAL, synchronous=FULL), for finalisation batches of 1, 20 and 200 runs.
 * 2. Proof serving: inclusion proof + verification for a random run, consistency proof.
 * 3. `agent-lineage verify` over an archive of N synthetic runs (default 10,000): bundle
 *    files of ~3 KB in the archive's key layout, logged like the finaliser does; the
 *    offline verifier is timed end to end (read every file, hash it, verify its inclusion
 *    proof, scan every leaf, check the checkpoint signature and a trusted checkpoint).
 *
 * Usage: npx tsx bench/ledger-bench.ts [--runs 10000] [--append-runs 5000] [--dir /tmp/x]
 * Prints one JSON object on stdout; progress on stderr.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { FinalisedRun } from '../exporter/finalise/run-finaliser.js';
import { openCheckpoint } from '../exporter/integrity/checkpoint.js';
import { logLeafHash } from '../exporter/integrity/log-leaf.js';
import { verifyInclusion } from '../exporter/integrity/merkle.js';
import { openIntegrityLog } from '../exporter/ledger/integrity-log.js';
import { runVerifyCommand } from '../service/integrity/verify-command.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    'append-runs': { type: 'string', default: '5000' },
    dir: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const APPEND_RUNS = Number(values['append-runs']);
const ORIGIN = 'bench.agent-lineage.dev/log';
const root = values.dir ?? mkdtempSync(join(tmpdir(), 'ledger-bench-'));
const log = (line: string) => process.stderr.write(`${line}\n`);

function runIdOf(n: number): string {
  return createHash('sha256').update(`bench-run-${n}`).digest('hex').slice(0, 32);
}

/** A ~3 KB JSON-LD-like bundle; random filler so bytes differ per run. */
function bundleBytes(n: number): Uint8Array {
  const doc = {
    '@context': { prov: 'http://www.w3.org/ns/prov#' },
    '@id': `urn:run:${runIdOf(n)}`,
    '@graph': Array.from({ length: 12 }, (_, i) => ({
      '@id': `urn:node:${n}:${i}`,
      '@type': i % 3 === 0 ? 'prov:Activity' : 'prov:Entity',
      'lin:sha256': randomBytes(32).toString('hex'),
      'lin:note': randomBytes(96).toString('base64'),
    })),
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}

function finalised(n: number, body: Uint8Array): FinalisedRun {
  const runId = runIdOf(n);
  const day = String(1 + (n % 28)).padStart(2, '0');
  return {
    runId,
    sequence: 0,
    location: {
      key: `2026/11/${day}/bench-agent-${n % 7}/${runId}.jsonld`,
      sha256: createHash('sha256').update(body).digest('hex'),
      size: body.byteLength,
    },
  };
}

async function appendCost(batchSize: number): Promise<Record<string, number>> {
  const dir = join(root, `append-${batchSize}`);
  const ledger = await openIntegrityLog({ dataDir: dir, origin: ORIGIN });
  const body = new Uint8Array(16);
  const total = Math.max(batchSize, Math.floor(APPEND_RUNS / batchSize) * batchSize);
  const t0 = performance.now();
  for (let n = 0; n < total; n += batchSize) {
    await ledger.onFinalised(Array.from({ length: batchSize }, (_, i) => finalised(n + i, body)));
  }
  const ms = performance.now() - t0;
  ledger.close();
  return {
    batchSize,
    runs: total,
    totalMs: round(ms),
    usPerRun: round((ms * 1000) / total),
    usPerBatch: round((ms * 1000 * batchSize) / total),
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

async function main(): Promise<void> {
  log(`bench dir ${root}`);
  const append = [];
  for (const b of [1, 20, 200]) {
    log(`append + checkpoint, batches of ${b}…`);
    append.push(await appendCost(b));
  }

  log(`writing an archive of ${RUNS} synthetic bundles…`);
  const dataDir = join(root, 'verify');
  const archiveDir = join(dataDir, 'archive');
  const ledger = await openIntegrityLog({ dataDir, origin: ORIGIN });
  let archiveBytes = 0;
  let trusted = '';
  const BATCH = 200;
  for (let n = 0; n < RUNS; n += BATCH) {
    const batch: FinalisedRun[] = [];
    for (let i = n; i < Math.min(RUNS, n + BATCH); i++) {
      const body = bundleBytes(i);
      archiveBytes += body.byteLength;
      const run = finalised(i, body);
      const file = join(archiveDir, ...run.location.key.split('/'));
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, body, { mode: 0o444 });
      batch.push(run);
    }
    await ledger.onFinalised(batch);
    if (n === Math.floor(RUNS / 2 / BATCH) * BATCH) trusted = ledger.latestCheckpoint() as string;
  }
  const trustedPath = join(dataDir, 'trusted.checkpoint');
  writeFileSync(trustedPath, trusted);

  // Proof serving from stored nodes.
  const cp = openCheckpoint(ledger.latestCheckpoint() as string, [ledger.verifier()]).checkpoint;
  const PROOFS = 2000;
  let t0 = performance.now();
  for (let i = 0; i < PROOFS; i++) {
    const inc = ledger.inclusionProofForRun(runIdOf((i * 7919) % RUNS));
    if (!inc) throw new Error('missing leaf');
    verifyInclusion(inc.leafIndex, inc.treeSize, logLeafHash(inc.leaf), inc.proof, cp.rootHash);
  }
  const inclusionUs = ((performance.now() - t0) * 1000) / PROOFS;
  t0 = performance.now();
  for (let i = 0; i < PROOFS; i++) ledger.consistencyProof(1 + ((i * 7919) % (RUNS - 1)), RUNS);
  const consistencyUs = ((performance.now() - t0) * 1000) / PROOFS;
  ledger.close();

  log(`agent-lineage verify over ${RUNS} bundles…`);
  let stdout = '';
  const sink = new Writable({
    write(_c, _e, done) {
      done();
    },
  });
  t0 = performance.now();
  const code = await runVerifyCommand(
    [
      '--key',
      join(dataDir, 'log-verifier.pub'),
      '--log',
      join(dataDir, 'ledger.db'),
      '--archive',
      archiveDir,
      '--trusted',
      trustedPath,
      '--no-progress',
    ],
    { stdout: (t) => (stdout += t), stderr: sink },
  );
  const verifyMs = performance.now() - t0;
  if (code !== 0) throw new Error(`verify failed: ${stdout}`);

  const result = {
    bench: 'ledger',
    node: process.version,
    appendAndCheckpoint: append,
    proofs: {
      treeSize: RUNS,
      inclusionProofAndVerifyUs: round(inclusionUs),
      consistencyProofUs: round(consistencyUs),
    },
    verify: {
      runs: RUNS,
      archiveMB: round(archiveBytes / 1e6),
      totalMs: round(verifyMs),
      usPerBundle: round((verifyMs * 1000) / RUNS),
      bundlesPerSecond: Math.round(RUNS / (verifyMs / 1000)),
      output: stdout.trim(),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!values.dir) rmSync(root, { recursive: true, force: true });
}

await main();
