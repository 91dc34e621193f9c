/**
 * bench:ingest — spans per second into the SQLite hot tier with durable commits
 * (WAL, synchronous=FULL: every batch commit is fsynced), and bytes on disk per span.
 *
 * Workload: agent runs of 11–29 spans (retrieval + model call per step, a tool call, an
 * output), 5 DataSources per retrieval drawn from a shared corpus (so sources repeat
 * across runs), links between spans, every 5th run a sub-agent spawned by the previous
 * run. Records are built with the store test-support builders (MappedBatch directly,
 * not through the span mapping yet), in batches of ~512 spans like a BatchSpanProcessor.
 * Building is not timed; writeBatch is.
 *
 * Usage: npx tsx bench/ingest-bench.ts [--spans 200000] [--batch 512] [--path /tmp/x.db]
 *          [--synchronous FULL|NORMAL] [--corpus 100000] [--wal-pages 10000]
 * Run with `node --max-semi-space-size=64` (NODE_OPTIONS) as the service should (DESIGN.md §9).
 * Prints one JSON object on stdout; progress on stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MappedBatch } from '../exporter/model/lineage-record.js';
import { openSqliteGraphStore } from '../exporter/stores/sqlite/sqlite-graph-store.js';
import {
  type BuiltRun,
  buildAgentRun,
  mergeBatches,
  seededRandom,
  traceIdOf,
} from '../exporter/stores/test-support/lineage-fixtures.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '512' },
    path: { type: 'string' },
    synchronous: { type: 'string', default: 'FULL' },
    corpus: { type: 'string', default: '100000' },
    'wal-pages': { type: 'string', default: '10000' },
  },
});
const targetSpans = Number(values.spans);
const batchSpans = Number(values.batch);
const corpus = Number(values.corpus);
const walPages = Number(values['wal-pages']);
const synchronous = values.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL';
const dir = values.path ? undefined : mkdtempSync(join(tmpdir(), 'lineage-ingest-'));
const path = values.path ?? join(dir!, 'ingest.db');

interface BuildStats {
  spans: number;
  runs: number;
  nodes: number;
  links: number;
  batches: number;
}

/** Generates batches lazily (as a receiver would get them), so no giant heap distorts GC. */
function* generateBatches(stats: BuildStats): Generator<MappedBatch> {
  const rnd = seededRandom(42);
  let pending: MappedBatch[] = [];
  let pendingSpans = 0;
  let previous: BuiltRun | undefined;
  const t0 = Date.UTC(2026, 0, 1);
  while (stats.spans < targetSpans) {
    const steps = 4 + Math.floor(rnd() * 10); // 11..29 spans per run
    const run = buildAgentRun({
      traceId: traceIdOf(`ingest-${stats.runs}`),
      startMs: t0 + stats.runs * 500,
      agentName: `agent-${stats.runs % 20}`,
      steps,
      sourcesPerRetrieval: 5,
      sourceId: () => `kb://doc/${Math.floor(rnd() * corpus)}`,
      ...(stats.runs % 5 === 4 && previous ? { spawnedBy: previous.toolSpan } : {}),
      model:
        stats.runs % 2 === 0
          ? { request: 'gpt-4o', response: 'gpt-4o-2024-08-06' }
          : { request: 'claude-sonnet' },
    });
    previous = run;
    stats.runs++;
    stats.spans += run.batch.spans.length;
    stats.nodes += run.batch.nodes.length;
    stats.links += run.batch.links.length;
    pending.push(run.batch);
    pendingSpans += run.batch.spans.length;
    if (pendingSpans >= batchSpans) {
      stats.batches++;
      yield mergeBatches(pending);
      pending = [];
      pendingSpans = 0;
    }
  }
  if (pending.length > 0) {
    stats.batches++;
    yield mergeBatches(pending);
  }
}

async function main(): Promise<void> {
  const store = await openSqliteGraphStore({
    path,
    synchronous,
    walAutocheckpoint: walPages,
  });
  process.stderr.write(
    `writing ~${targetSpans} spans to ${path} (driver ${store.driver}, synchronous=${synchronous})\n`,
  );
  const stats: BuildStats = { spans: 0, runs: 0, nodes: 0, links: 0, batches: 0 };
  // Only writeBatch is timed (wall and process CPU); building the records is not.
  let wallMs = 0;
  let cpuMicros = 0;
  let lastReport = performance.now();
  for (const batch of generateBatches(stats)) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await store.writeBatch(batch, Date.now());
    wallMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuMicros += cpu.user + cpu.system;
    if (performance.now() - lastReport > 2000) {
      process.stderr.write(`  ${stats.spans} spans, ${Math.round(stats.spans / (wallMs / 1000))} spans/s\n`);
      lastReport = performance.now();
    }
  }
  const seconds = wallMs / 1000;
  const cpuSeconds = cpuMicros / 1e6;
  store.checkpoint();
  const size = store.stats();
  await store.close();
  const result = {
    bench: 'ingest',
    driver: store.driver,
    node: process.version,
    synchronous,
    walAutocheckpointPages: walPages,
    batchSpans,
    batches: stats.batches,
    runs: stats.runs,
    spans: stats.spans,
    nodes: stats.nodes,
    edges: size.edges,
    linkIntents: stats.links,
    seconds: Number(seconds.toFixed(3)),
    spansPerSecond: Math.round(stats.spans / seconds),
    // CPU time (user + system) of this process inside writeBatch: steadier than wall time on a shared machine.
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    spansPerCpuSecond: Math.round(stats.spans / cpuSeconds),
    fileBytes: size.fileBytes,
    bytesPerSpan: Math.round(size.fileBytes / stats.spans),
    note: 'MappedBatch records from test-support builders; span mapping not included',
    // 2 shared cores: a load above 1 means other processes competed for them during the run.
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (dir) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
