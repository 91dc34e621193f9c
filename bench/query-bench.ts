/**
 * bench:query — lineage query latency on a generated SQLite store of ≥ 1,000,000 nodes.
 *
 * The store holds ordinary agent runs (11–29 spans, 5 DataSources per retrieval, sources
 * drawn from a 100 k-document corpus), 10,000 of whose outputs used one popular source,
 * and multi-agent chains of 20 nested sub-agent runs (each run spawned from its parent's
 * tool span, ≈ 62 edges from the top output to the deepest source). All runs are then
 * finalised (closures materialised), except a few chains kept open to measure the live
 * recursive walk. Generation uses synchronous=NORMAL (durability is not what is measured).
 *
 * Usage: npx tsx bench/query-bench.ts [--path /tmp/lineage-query-bench.db] [--reuse] [--nodes 1000000] [--iterations 500]
 * Prints one JSON object on stdout; progress on stderr.
 */
import { existsSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { MappedBatch } from '../exporter/model/lineage-record.js';
import { openSqliteGraphStore, type SqliteGraphStore } from '../exporter/stores/sqlite/sqlite-graph-store.js';
import {
  type BuiltRun,
  buildAgentRun,
  mergeBatches,
  seededRandom,
  traceIdOf,
} from '../exporter/stores/test-support/lineage-fixtures.js';

const { values } = parseArgs({
  options: {
    path: { type: 'string', default: '/tmp/lineage-query-bench.db' },
    reuse: { type: 'boolean', default: false },
    nodes: { type: 'string', default: '1000000' },
    iterations: { type: 'string', default: '500' },
  },
});
const path = values.path;
const targetNodes = Number(values.nodes);
const iterations = Number(values.iterations);
const POPULAR = 'kb://popular';
const POPULAR_OUTPUTS = 10_000;
const CHAINS = 30;
const OPEN_CHAINS = 5;
const CHAIN_DEPTH = 20;
const T0 = Date.UTC(2026, 0, 1);

interface Plan {
  readonly regularOutputs: string[];
  readonly chainTops: string[];
  readonly openChainTops: string[];
  readonly sampleSources: string[];
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function generate(store: SqliteGraphStore): Promise<Plan> {
  const rnd = seededRandom(7);
  const plan: Plan = { regularOutputs: [], chainTops: [], openChainTops: [], sampleSources: [] };
  let nodes = 0;
  let runs = 0;
  let popular = 0;
  let pending: MappedBatch[] = [];
  let pendingSpans = 0;
  const finaliseOrder: string[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await store.writeBatch(mergeBatches(pending), Date.now());
    pending = [];
    pendingSpans = 0;
  };
  const add = async (run: BuiltRun) => {
    pending.push(run.batch);
    pendingSpans += run.batch.spans.length;
    nodes += run.batch.nodes.length;
    runs++;
    if (pendingSpans >= 2048) await flush();
  };
  const started = performance.now();
  let chainsBuilt = 0;
  while (nodes < targetNodes || popular < POPULAR_OUTPUTS || chainsBuilt < CHAINS) {
    // Interleave one chain every ~500 regular runs so chains sit throughout the store.
    if (chainsBuilt < CHAINS && runs % 500 === 250) {
      let parent: BuiltRun | undefined;
      const chain: string[] = [];
      for (let level = 0; level < CHAIN_DEPTH; level++) {
        const run: BuiltRun = buildAgentRun({
          traceId: traceIdOf(`chain-${chainsBuilt}-${level}`),
          startMs: T0 + runs * 100 + level,
          agentName: `sub-agent-${level}`,
          steps: 2,
          sourcesPerRetrieval: 3,
          sourceId: () => `kb://doc/${Math.floor(rnd() * 100_000)}`,
          ...(parent ? { spawnedBy: parent.toolSpan } : {}),
        });
        if (level === 0)
          (chainsBuilt < OPEN_CHAINS ? plan.openChainTops : plan.chainTops).push(run.outputSha256!);
        chain.push(run.runId);
        parent = run;
        await add(run);
      }
      // Open chains stay unfinalised; half the others are finalised parent-first, so
      // children finalise after their parents (exercises closure recomputation).
      if (chainsBuilt >= OPEN_CHAINS)
        finaliseOrder.push(...(chainsBuilt % 2 === 0 ? chain : [...chain].reverse()));
      chainsBuilt++;
      continue;
    }
    const usePopular = popular < POPULAR_OUTPUTS && rnd() < 0.7;
    if (usePopular) popular++;
    const run = buildAgentRun({
      traceId: traceIdOf(`run-${runs}`),
      startMs: T0 + runs * 100,
      agentName: `agent-${runs % 50}`,
      steps: 4 + Math.floor(rnd() * 10),
      sourcesPerRetrieval: 5,
      sourceId: (k, n) =>
        usePopular && k === 0 && n === 0 ? POPULAR : `kb://doc/${Math.floor(rnd() * 100_000)}`,
      model:
        runs % 3 === 0
          ? { request: 'gpt-4o', response: 'gpt-4o-2024-08-06' }
          : runs % 3 === 1
            ? { request: 'gpt-4o', response: 'gpt-4o-2024-11-20' }
            : { request: 'claude-sonnet', response: 'claude-sonnet-20250514' },
    });
    if (runs % 97 === 0) plan.regularOutputs.push(run.outputSha256!);
    if (runs % 89 === 0) plan.sampleSources.push(run.sourceIds[3]!);
    finaliseOrder.push(run.runId);
    await add(run);
    if (runs % 2000 === 0) {
      log(`  generated ${runs} runs, ${nodes} nodes (${Math.round((performance.now() - started) / 1000)} s)`);
    }
  }
  await flush();
  log(
    `generated ${runs} runs, ${nodes} nodes in ${Math.round((performance.now() - started) / 1000)} s; finalising…`,
  );
  const finStarted = performance.now();
  let i = 0;
  for (const runId of finaliseOrder) {
    await store.markFinalised(runId, {
      finalisedAtMs: Date.now(),
      sequence: 0,
      archiveKey: `bench/${runId}.jsonld`,
      bundleSha256: '0'.repeat(64),
    });
    if (++i % 5000 === 0) log(`  finalised ${i}/${finaliseOrder.length}`);
  }
  log(`finalised ${finaliseOrder.length} runs in ${Math.round((performance.now() - finStarted) / 1000)} s`);
  return plan;
}

function percentile(sorted: readonly number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Number((sorted[idx] ?? 0).toFixed(3));
}

async function measure(
  name: string,
  inputs: readonly string[],
  run: (input: string) => Promise<number>,
): Promise<Record<string, number>> {
  for (let i = 0; i < Math.min(50, iterations); i++) await run(inputs[i % inputs.length]!);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let resultSize = 0;
  for (let i = 0; i < iterations; i++) {
    const input = inputs[i % inputs.length]!;
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    resultSize = await run(input);
    times.push(performance.now() - t);
    const cpu = process.cpuUsage(cpu0);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const out = {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: Number((times[times.length - 1] ?? 0).toFixed(3)),
    // Process CPU time per query: insensitive to being descheduled on a shared machine.
    cpuP50: percentile(cpuTimes, 50),
    cpuP99: percentile(cpuTimes, 99),
    n: times.length,
    resultSize,
  };
  log(`${name}: ${JSON.stringify(out)}`);
  return out;
}

async function main(): Promise<void> {
  let generateSeconds: number | undefined;
  const planPath = `${path}.plan.json`;
  let plan: Plan;
  if (values.reuse && existsSync(path) && existsSync(planPath)) {
    plan = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(planPath, 'utf8'))) as Plan;
    log(`reusing ${path}`);
  } else {
    for (const suffix of ['', '-wal', '-shm', '.plan.json']) rmSync(`${path}${suffix}`, { force: true });
    const store = await openSqliteGraphStore({ path, synchronous: 'NORMAL' });
    const t = performance.now();
    plan = await generate(store);
    generateSeconds = Math.round((performance.now() - t) / 1000);
    store.checkpoint();
    await store.close();
    (await import('node:fs')).writeFileSync(planPath, JSON.stringify(plan));
  }

  const store = await openSqliteGraphStore({ path });
  const stats = store.stats();
  log(`store: ${JSON.stringify(stats)}`);
  await prepareDeepCursor(store);
  const queries = {
    backwardRegularOutput: await measure('backward regular', plan.regularOutputs, async (h) => {
      return (await store.backwardLineage(h)).sources.length;
    }),
    backwardChain20Finalised: await measure('backward chain-20 (closure)', plan.chainTops, async (h) => {
      return (await store.backwardLineage(h, { maxDepth: 100 })).sources.length;
    }),
    backwardChain20LiveWalk: await measure('backward chain-20 (live walk)', plan.openChainTops, async (h) => {
      return (await store.backwardLineage(h, { maxDepth: 100 })).sources.length;
    }),
    forwardPopularFirstPage: await measure('forward popular first page', [POPULAR], async (s) => {
      return (await store.forwardLineage(s, { limit: 100 })).items.length;
    }),
    forwardPopularPage20: await measure('forward popular page 20', [POPULAR], async (s) => {
      // A deep page (cursor of page 20 fetched once beforehand): cost must not grow with depth.
      return (await store.forwardLineage(s, { limit: 100, cursor: deepCursor })).items.length;
    }),
    forwardRandomSourceFirstPage: await measure('forward random source', plan.sampleSources, async (s) => {
      return (await store.forwardLineage(s, { limit: 100 })).items.length;
    }),
    runsByModelFirstPage: await measure(
      'runs by model first page',
      ['gpt-4o', 'gpt-4o-2024-11-20', 'claude-sonnet'],
      async (m) => {
        return (await store.runsByModel(m, { limit: 100 })).items.length;
      },
    ),
    runsByModelDateRangeFirstPage: await measure(
      'runs by model, date range',
      ['gpt-4o-2024-08-06'],
      async (m) => {
        return (await store.runsByModel(m, { fromMs: T0 + 200_000, toMs: T0 + 900_000, limit: 100 })).items
          .length;
      },
    ),
  };
  await store.close();
  const result = {
    bench: 'query',
    driver: store.driver,
    node: process.version,
    store: { ...stats, bytesPerNode: Math.round(stats.fileBytes / stats.nodes) },
    ...(generateSeconds !== undefined ? { generateSeconds } : {}),
    popularSourceOutputs: POPULAR_OUTPUTS,
    chains: { count: CHAINS, depthRuns: CHAIN_DEPTH, unfinalised: OPEN_CHAINS },
    queriesMs: queries,
    loadAverage: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2))),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

let deepCursor: string | undefined;
/** Walks 19 pages once to get the cursor of page 20 (not timed). */
async function prepareDeepCursor(store: SqliteGraphStore): Promise<void> {
  let cursor: string | undefined;
  for (let i = 0; i < 19; i++) {
    const page = await store.forwardLineage(POPULAR, { limit: 100, ...(cursor ? { cursor } : {}) });
    cursor = page.nextCursor;
  }
  deepCursor = cursor;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
