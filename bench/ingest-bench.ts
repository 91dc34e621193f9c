/**
 * bench:ingest — spans per second through the real ingest path into the SQLite hot tier
 * with durable commits (WAL, synchronous=FULL: every batch commit is fsynced), and bytes
 * on disk per span.
 *
 * Workload: agent runs of 11–29 spans as our SDK records them (`lineage.*` attributes):
 * a run span, then per step a retrieval span carrying 5 `lineage.datasource` events
 * (ids drawn from a shared corpus, so sources repeat across runs) and a chat span with
 * `consumed` links to that retrieval, to the previous chat's output and to the tool call;
 * one tool call; one output span `contributed_to` the last chat. Every 5th run is a
 * sub-agent `spawned_by` the previous run's tool span; every 5th other run is
 * `triggered_by` an upstream HTTP span. Spans are plain ReadableSpan-shaped objects
 * (HrTime times, spanContext object), delivered in batches of ~512 spans like a
 * BatchSpanProcessor / Collector batch.
 *
 * Timed, per batch, as three phases: normalise (`readableSpansToViews`), map (`mapSpans`)
 * and store (`writeBatch`: one durable transaction). This is exactly what
 * `IngestPipeline.ingestReadableSpans` does, split so each phase's CPU can be reported.
 * Building the input spans is not timed.
 *
 * Usage: node --max-semi-space-size=64 --import tsx bench/ingest-bench.ts [--quick] [--verify]
 *          [--spans 200000] [--batch 512] [--path /tmp/x.db] [--synchronous FULL|NORMAL]
 *          [--corpus 100000] [--wal-pages N] [--page-size 16384]
 * (`--wal-pages` and `--page-size` default to the store's defaults.)
 * `--rounds N` (default 3, 1 with `--quick`) repeats the ingest into a new file each time and
 * reports medians, after an untimed warm-up of `--warm-up N` spans (default 20,000; 0 with
 * `--quick`) into a throwaway store. `--quick` ingests 30,000 spans instead of 200,000; `--verify` afterwards recomputes every
 * stored record's hash (verifyRecordHashes, not timed) and reports the mismatches.
 * Prints one JSON object on stdout; progress on stderr.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RunFinaliser } from '../exporter/finalise/run-finaliser.js';
import { openIntegrityLog } from '../exporter/ledger/integrity-log.js';
import { mapSpans } from '../exporter/mapping/map-spans.js';
import type { ReadableSpanLike } from '../exporter/span-view/from-readable-span.js';
import { readableSpansToViews } from '../exporter/span-view/from-readable-span.js';
import { FsArchiveStore } from '../exporter/stores/fs-archive/fs-archive-store.js';
import { openSqliteGraphStore } from '../exporter/stores/sqlite/sqlite-graph-store.js';
import { seededRandom } from '../exporter/stores/test-support/lineage-fixtures.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'warm-up': { type: 'string' },
    verify: { type: 'boolean', default: false },
    spans: { type: 'string' },
    batch: { type: 'string', default: '512' },
    path: { type: 'string' },
    synchronous: { type: 'string', default: 'FULL' },
    corpus: { type: 'string', default: '100000' },
    'wal-pages': { type: 'string' },
    'page-size': { type: 'string' },
    'log-spans': { type: 'string' },
    'log-rounds': { type: 'string' },
  },
});
const targetSpans = Number(values.spans ?? (values.quick ? '30000' : '200000'));
const batchSpans = Number(values.batch);
const rounds = Math.max(1, Number(values.rounds ?? (values.quick ? '1' : '3')));
const warmUpSpans = Math.max(0, Number(values['warm-up'] ?? (values.quick ? '0' : '20000')));
const corpus = Number(values.corpus);
/** Store options under test: the store's defaults unless overridden. */
const tuning = {
  ...(values['wal-pages'] !== undefined ? { walAutocheckpoint: Number(values['wal-pages']) } : {}),
  ...(values['page-size'] !== undefined ? { pageSize: Number(values['page-size']) } : {}),
};
const synchronous = values.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL';
const dir = values.path ? undefined : mkdtempSync(join(tmpdir(), 'lineage-ingest-'));
const path = values.path ?? join(dir as string, 'ingest.db');

/** Reseeded per round, so every round ingests exactly the same spans. */
let rnd = seededRandom(42);
const T0_MS = Date.UTC(2026, 0, 1);

function sha(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hexId(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(rnd() * 256)
      .toString(16)
      .padStart(2, '0');
  return s;
}

/** HrTime as the OTel JS SDK holds it: [epoch seconds, nanoseconds]. */
function hr(ms: number): [number, number] {
  const whole = Math.floor(ms);
  return [Math.floor(whole / 1000), (whole % 1000) * 1_000_000 + Math.round((ms - whole) * 1_000_000)];
}

interface Ctx {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

type Attrs = Record<string, string | number | boolean>;
type Link = { readonly context: Ctx; readonly attributes: Attrs };
type Event = { readonly name: string; readonly time: [number, number]; readonly attributes: Attrs };

const RESOURCE = {
  attributes: {
    'service.name': 'loan-agents',
    'service.version': '3.2.0',
    'deployment.environment.name': 'production',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.2.0',
  },
};
const SCOPE = { name: 'agent-lineage', version: '0.1.0' };
const SYSTEM_PROMPT_SHA = sha('You triage loan applications.');
const TOOLS_SHA = sha('[{"name":"get_rates"}]');

function span(
  name: string,
  ctx: Ctx,
  parent: Ctx | undefined,
  startMs: number,
  endMs: number,
  attributes: Attrs,
  links: Link[] = [],
  events: Event[] = [],
): ReadableSpanLike {
  return {
    name,
    kind: 0,
    spanContext: ctx,
    ...(parent ? { parentSpanContext: parent } : {}),
    startTime: hr(startMs),
    endTime: hr(endMs),
    status: { code: 0 },
    attributes,
    links,
    events,
    resource: RESOURCE,
    instrumentationScope: SCOPE,
  };
}

interface BuiltRun {
  readonly spans: ReadableSpanLike[];
  readonly toolSpan: Ctx;
}

/** One agent run of 2 × steps + 3 spans, as our SDK records it. */
function buildRun(n: number, steps: number, spawnedBy: Ctx | undefined): BuiltRun {
  const traceId = hexId(16);
  const ctx = (): Ctx => ({ traceId, spanId: hexId(8), traceFlags: 1 });
  const start = T0_MS + n * 500;
  const root = ctx();
  const model =
    n % 2 === 0
      ? { provider: 'openai', request: 'gpt-4o', response: 'gpt-4o-2024-08-06', pinned: true }
      : {
          provider: 'anthropic',
          request: 'claude-sonnet-4',
          response: 'claude-sonnet-4-20250514',
          pinned: true,
        };
  const out: ReadableSpanLike[] = [];
  let t = start + 5;
  let previousChat: { ctx: Ctx; outputSha: string } | undefined;
  const tool = ctx();
  const toolStart = t;
  t += 20;
  const toolOut = sha(`tool ${n}`);
  out.push(
    span('execute_tool get_rates', tool, root, toolStart, toolStart + 15, {
      'lineage.span.type': 'tool_call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_rates',
      'gen_ai.tool.call.id': `call_${n}`,
      'lineage.tool.version': '2.1.0',
      'lineage.input.sha256': sha(`{"run":${n}}`),
      'lineage.output.sha256': toolOut,
    }),
  );
  for (let k = 0; k < steps; k++) {
    const retrieval = ctx();
    const events: Event[] = [];
    for (let d = 0; d < 5; d++) {
      const doc = Math.floor(rnd() * corpus);
      events.push({
        name: 'lineage.datasource',
        time: hr(t + 3),
        attributes: {
          'lineage.datasource.id': `kb://policies/doc-${doc}.md#chunk-${doc % 7}`,
          'lineage.datasource.kind': 'rag_chunk',
          'lineage.datasource.uri': `s3://kb/policies/doc-${doc}.md`,
          'lineage.content.sha256': sha(`chunk ${doc}`),
          'lineage.content.size': 400 + (doc % 800),
          'lineage.retrieval.score': Math.round(rnd() * 1000) / 1000,
          'lineage.datasource.ingested_at': '2026-10-30T08:00:00Z',
          'lineage.index.version': 'kb-2026-11-01',
        },
      });
    }
    out.push(
      span(
        'retrieval kb-policies',
        retrieval,
        root,
        t,
        t + 8,
        {
          'lineage.span.type': 'retrieval',
          'gen_ai.operation.name': 'retrieval',
          'gen_ai.data_source.id': 'kb-policies',
          'lineage.query.sha256': sha(`query ${n} ${k}`),
          'lineage.index.version': 'kb-2026-11-01',
          'lineage.datasource.count': 5,
        },
        [],
        events,
      ),
    );
    t += 10;
    const chat = ctx();
    const outputSha = sha(`answer ${n} ${k}`);
    const links: Link[] = [{ context: retrieval, attributes: { 'lineage.link.type': 'consumed' } }];
    if (previousChat) {
      links.push({
        context: previousChat.ctx,
        attributes: { 'lineage.link.type': 'consumed', 'lineage.link.entity.sha256': previousChat.outputSha },
      });
    }
    if (k === 0) links.push({ context: tool, attributes: { 'lineage.link.type': 'consumed' } });
    out.push(
      span(
        `chat ${model.request}`,
        chat,
        root,
        t,
        t + 120,
        {
          'lineage.span.type': 'model_invocation',
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': model.provider,
          'gen_ai.request.model': model.request,
          'gen_ai.response.model': model.response,
          'lineage.model.version': model.response,
          'lineage.model.pinned': model.pinned,
          'lineage.prompt.system.sha256': SYSTEM_PROMPT_SHA,
          'lineage.tools.sha256': TOOLS_SHA,
          'lineage.input.sha256': sha(`input ${n} ${k}`),
          'lineage.output.sha256': outputSha,
          'gen_ai.usage.input_tokens': 800 + Math.floor(rnd() * 3000),
          'gen_ai.usage.output_tokens': 40 + Math.floor(rnd() * 400),
          'gen_ai.request.temperature': 0.2,
          'gen_ai.request.max_tokens': 1024,
        },
        links,
        [{ name: 'lineage.first_token', time: hr(t + 30), attributes: {} }],
      ),
    );
    previousChat = { ctx: chat, outputSha };
    t += 125;
  }
  const output = ctx();
  out.push(
    span(
      'output email',
      output,
      root,
      t,
      t + 5,
      {
        'lineage.span.type': 'output',
        'lineage.output.sha256': previousChat?.outputSha ?? sha('none'),
        'lineage.output.channel': 'email',
        'lineage.output.recipient': `hmac-sha256:${sha(`recipient ${n % 1000}`).slice(0, 32)}`,
      },
      previousChat
        ? [
            {
              context: previousChat.ctx,
              attributes: {
                'lineage.link.type': 'contributed_to',
                'lineage.link.entity.sha256': previousChat.outputSha,
              },
            },
          ]
        : [],
    ),
  );
  const rootLinks: Link[] = spawnedBy
    ? [{ context: spawnedBy, attributes: { 'lineage.link.type': 'spawned_by' } }]
    : n % 5 === 1
      ? [
          {
            context: { traceId: hexId(16), spanId: hexId(8), traceFlags: 1 },
            attributes: { 'lineage.link.type': 'triggered_by' },
          },
        ]
      : [];
  // The SDK exports a run's root last (it ends last).
  out.push(
    span(
      `invoke_agent agent-${n % 20}`,
      root,
      undefined,
      start,
      t + 10,
      {
        'lineage.span.type': 'run',
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': `agent-${n % 20}`,
        'gen_ai.agent.id': `agt_${n % 20}`,
        'lineage.agent.version': '1.4.2',
        'lineage.run.environment': 'production',
        'lineage.run.trigger': spawnedBy ? 'agent' : 'api',
        'lineage.run.actor': `hmac-sha256:${sha(`actor ${n % 5000}`).slice(0, 32)}`,
      },
      rootLinks,
    ),
  );
  return { spans: out, toolSpan: tool };
}

interface BuildStats {
  spans: number;
  runs: number;
  batches: number;
}

/** Generates span batches lazily (as an exporter receives them), so no giant heap distorts GC. */
function* generateBatches(stats: BuildStats, limit = targetSpans): Generator<ReadableSpanLike[]> {
  let pending: ReadableSpanLike[] = [];
  let previous: BuiltRun | undefined;
  while (stats.spans < limit) {
    const steps = 4 + Math.floor(rnd() * 10); // 11..29 spans per run
    const run = buildRun(stats.runs, steps, stats.runs % 5 === 4 ? previous?.toolSpan : undefined);
    previous = run;
    stats.runs++;
    stats.spans += run.spans.length;
    for (const s of run.spans) {
      pending.push(s);
      // A BatchSpanProcessor cuts at a span count, not at run boundaries.
      if (pending.length === batchSpans) {
        stats.batches++;
        yield pending;
        pending = [];
      }
    }
  }
  if (pending.length > 0) {
    stats.batches++;
    yield pending;
  }
}

function cpuMicrosNow(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** One round: ingest the whole workload into a new store file and measure each phase. */
async function ingestRound(round: number) {
  rnd = seededRandom(42);
  const roundPath = rounds === 1 ? path : `${path}.${round}`;
  const store = await openSqliteGraphStore({ path: roundPath, synchronous, ...tuning });
  const { pageSize, walAutocheckpointPages } = store.pragmas();
  process.stderr.write(
    `round ${round + 1}/${rounds}: ingesting ~${targetSpans} spans into ${roundPath} (driver ${store.driver}, synchronous=${synchronous})\n`,
  );
  const stats: BuildStats = { spans: 0, runs: 0, batches: 0 };
  const wall = { normalise: 0, map: 0, store: 0 };
  const cpu = { normalise: 0, map: 0, store: 0 };
  let nodes = 0;
  let rejected = 0;
  let lastReport = performance.now();
  let ingested = 0;
  for (const batch of generateBatches(stats)) {
    const c0 = cpuMicrosNow();
    const t0 = performance.now();
    const normalised = readableSpansToViews(batch);
    const c1 = cpuMicrosNow();
    const t1 = performance.now();
    const mapped = mapSpans(normalised.views, { captureContent: false });
    const c2 = cpuMicrosNow();
    const t2 = performance.now();
    await store.writeBatch(mapped, Date.now());
    const c3 = cpuMicrosNow();
    const t3 = performance.now();
    wall.normalise += t1 - t0;
    wall.map += t2 - t1;
    wall.store += t3 - t2;
    cpu.normalise += c1 - c0;
    cpu.map += c2 - c1;
    cpu.store += c3 - c2;
    nodes += mapped.nodes.length;
    rejected += normalised.rejected.length + mapped.rejected.length;
    ingested += batch.length;
    if (t3 - lastReport > 2000) {
      const ms = wall.normalise + wall.map + wall.store;
      process.stderr.write(`  ${ingested} spans, ${Math.round(ingested / (ms / 1000))} spans/s\n`);
      lastReport = t3;
    }
  }
  store.checkpoint();
  const size = store.stats();
  // Not timed: recompute every stored record's canonical form and SHA-256 (integrity check).
  const verify = values.verify ? store.verifyRecordHashes() : undefined;
  await store.close();
  for (const suffix of ['', '-wal', '-shm'])
    if (roundPath !== path) rmSync(`${roundPath}${suffix}`, { force: true });
  const spans = stats.spans;
  const rate = (ms: number) => Math.round(spans / (ms / 1000));
  const wallMapStore = wall.map + wall.store;
  const wallAll = wallMapStore + wall.normalise;
  const cpuMapStore = (cpu.map + cpu.store) / 1000;
  const cpuAll = cpuMapStore + cpu.normalise / 1000;
  return {
    driver: store.driver,
    pageSize,
    walAutocheckpointPages,
    batches: stats.batches,
    runs: stats.runs,
    spans,
    rejected,
    nodes,
    storedNodes: size.nodes,
    edges: size.edges,
    mapStore: {
      seconds: Number((wallMapStore / 1000).toFixed(3)),
      spansPerSecond: rate(wallMapStore),
      spansPerCpuSecond: rate(cpuMapStore),
    },
    normaliseMapStore: {
      seconds: Number((wallAll / 1000).toFixed(3)),
      spansPerSecond: rate(wallAll),
      spansPerCpuSecond: rate(cpuAll),
    },
    cpuSeconds: {
      normalise: Number((cpu.normalise / 1e6).toFixed(3)),
      map: Number((cpu.map / 1e6).toFixed(3)),
      store: Number((cpu.store / 1e6).toFixed(3)),
    },
    // Share of normalise + map + store CPU time.
    cpuShare: {
      normalise: Number((cpu.normalise / 1000 / cpuAll).toFixed(3)),
      map: Number((cpu.map / 1000 / cpuAll).toFixed(3)),
      store: Number((cpu.store / 1000 / cpuAll).toFixed(3)),
    },
    wallSeconds: {
      normalise: Number((wall.normalise / 1000).toFixed(3)),
      map: Number((wall.map / 1000).toFixed(3)),
      store: Number((wall.store / 1000).toFixed(3)),
    },
    ...(verify
      ? {
          verifiedRecords: verify.nodesChecked + verify.edgesChecked,
          hashMismatches: verify.mismatches.length,
        }
      : {}),
    fileBytes: size.fileBytes,
    bytesPerSpan: Math.round(size.fileBytes / spans),
  };
}

/**
 * Untimed: the same path over `spans` spans into a throwaway store, so the rounds measure
 * the steady state of a long-running receiver rather than V8 compiling the hot functions
 * (about a tenth of the first pass's CPU; the other benches warm up likewise).
 */
async function warmUp(spans: number): Promise<void> {
  if (spans <= 0) return;
  rnd = seededRandom(7);
  const warmPath = `${path}.warm-up`;
  const store = await openSqliteGraphStore({ path: warmPath, synchronous, ...tuning });
  for (const batch of generateBatches({ spans: 0, runs: 0, batches: 0 }, spans)) {
    await store.writeBatch(
      mapSpans(readableSpansToViews(batch).views, { captureContent: false }),
      Date.now(),
    );
  }
  await store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${warmPath}${suffix}`, { force: true });
}

async function main(): Promise<void> {
  process.stderr.write(`warm-up: ${warmUpSpans} spans into a throwaway store\n`);
  await warmUp(warmUpSpans);
  const results: Array<Awaited<ReturnType<typeof ingestRound>>> = [];
  for (let round = 0; round < rounds; round++) results.push(await ingestRound(round));
  // The round with the median map + store throughput stands for the run; every round's
  // headline figures are listed too (this shared machine is noisy, one pass can be off by 15 %).
  const byRate = [...results].sort((a, b) => a.mapStore.spansPerSecond - b.mapStore.spansPerSecond);
  const representative = byRate[byRate.length >> 1] as (typeof results)[number];
  const headline = (pick: (r: (typeof results)[number]) => number) => Math.round(median(results.map(pick)));
  const result = {
    bench: 'ingest',
    path: 'readableSpansToViews → mapSpans → SqliteGraphStore.writeBatch (one transaction per batch)',
    node: process.version,
    synchronous,
    batchSpans,
    rounds,
    warmUpSpans,
    ...representative,
    // Headline figures, medians over the rounds: wall-clock spans/s, and spans per
    // CPU-second of this process (user + system), steadier than wall time here.
    mapStore: {
      ...representative.mapStore,
      spansPerSecond: headline((r) => r.mapStore.spansPerSecond),
      spansPerCpuSecond: headline((r) => r.mapStore.spansPerCpuSecond),
    },
    normaliseMapStore: {
      ...representative.normaliseMapStore,
      spansPerSecond: headline((r) => r.normaliseMapStore.spansPerSecond),
      spansPerCpuSecond: headline((r) => r.normaliseMapStore.spansPerCpuSecond),
    },
    roundsMapStore: results.map((r) => ({
      spansPerSecond: r.mapStore.spansPerSecond,
      spansPerCpuSecond: r.mapStore.spansPerCpuSecond,
    })),
    target: { mapStoreSpansPerSecond: 20_000, met: headline((r) => r.mapStore.spansPerSecond) >= 20_000 },
    // 2 shared cores: a load above 1 means other processes competed for them during the run.
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * Issue 6: the integrity log's cost on ingest. The same pre-built batches go through
 * normalise → map → durable store with the run finaliser archiving settled runs every ten
 * batches (PROV-O bundle, write-once file, markFinalised), once without and once with the
 * Merkle log appending the finalised bundles and signing a checkpoint per finalisation
 * batch. Arms alternate over rounds in this one process; medians are reported.
 */
async function ingestWithFinalisation(batches: readonly ReadableSpanLike[][], withLog: boolean) {
  const d = mkdtempSync(join(tmpdir(), 'lineage-ingest-log-'));
  const store = await openSqliteGraphStore({
    path: join(d, 'lineage.db'),
    synchronous,
    ...tuning,
  });
  const archive = new FsArchiveStore({ root: join(d, 'archive') });
  const ledger = withLog
    ? await openIntegrityLog({ dataDir: d, origin: 'bench.agent-lineage.dev/log' })
    : undefined;
  const finaliser = new RunFinaliser({
    store,
    archive,
    settleMs: 0,
    ...(ledger ? { onFinalised: (runs) => ledger.onFinalised(runs) } : {}),
  });
  let spans = 0;
  let runs = 0;
  // The finaliser's own share, timed around its ticks (CPU and wall: its fsyncs block).
  let finaliseCpuMicros = 0;
  let finaliseWallMs = 0;
  const finalise = async () => {
    const c = cpuMicrosNow();
    const t = performance.now();
    runs += await finaliser.tick(0);
    finaliseCpuMicros += cpuMicrosNow() - c;
    finaliseWallMs += performance.now() - t;
  };
  const c0 = cpuMicrosNow();
  const t0 = performance.now();
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i]!;
    const mapped = mapSpans(readableSpansToViews(batch).views, { captureContent: false });
    await store.writeBatch(mapped, Date.now());
    spans += batch.length;
    if (i % 10 === 9) await finalise();
  }
  await finalise();
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = (cpuMicrosNow() - c0) / 1e6;
  const logLeaves = ledger?.view().size;
  ledger?.close();
  await store.close();
  await archive.close();
  rmSync(d, { recursive: true, force: true });
  return {
    spans,
    runs,
    seconds,
    cpuSeconds,
    logLeaves,
    finaliseCpuSeconds: finaliseCpuMicros / 1e6,
    finaliseSeconds: finaliseWallMs / 1000,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function logOnOff(): Promise<void> {
  const limit = Number(values['log-spans'] ?? (values.quick ? '5000' : '20000'));
  const rounds = Number(values['log-rounds'] ?? (values.quick ? '1' : '3'));
  const batches = [...generateBatches({ spans: 0, runs: 0, batches: 0 }, limit)];
  const off: number[] = [];
  const on: number[] = [];
  const ratios: number[] = [];
  // Finalisation alone (log off arm): runs per wall second and spans per CPU second of its ticks.
  const finaliseRunsPerSecond: number[] = [];
  const finaliseSpansPerCpuSecond: number[] = [];
  let sample: Awaited<ReturnType<typeof ingestWithFinalisation>> | undefined;
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`  log on/off round ${r + 1}/${rounds}\n`);
    // Swap the order every round so drift on a shared machine hits both arms alike.
    const first = r % 2 === 0;
    const a = await ingestWithFinalisation(batches, !first);
    const b = await ingestWithFinalisation(batches, first);
    const [withoutLog, withLog] = first ? [a, b] : [b, a];
    off.push(withoutLog.spans / withoutLog.cpuSeconds);
    on.push(withLog.spans / withLog.cpuSeconds);
    ratios.push(withLog.spans / withLog.cpuSeconds / (withoutLog.spans / withoutLog.cpuSeconds));
    finaliseRunsPerSecond.push(withoutLog.runs / withoutLog.finaliseSeconds);
    finaliseSpansPerCpuSecond.push(withoutLog.spans / withoutLog.finaliseCpuSeconds);
    sample = withLog;
  }
  const result = {
    bench: 'ingest-log-on-off',
    path: 'normalise → map → durable SQLite, RunFinaliser every 10 batches (PROV bundle + archive + markFinalised), with vs without the Merkle log',
    node: process.version,
    spans: sample?.spans,
    runsFinalised: sample?.runs,
    logLeaves: sample?.logLeaves,
    rounds,
    spansPerCpuSecondLogOff: Math.round(median(off)),
    spansPerCpuSecondLogOn: Math.round(median(on)),
    throughputWithLogVsWithout: Number(median(ratios).toFixed(3)),
    finalisationAlone: {
      runsPerSecond: Math.round(median(finaliseRunsPerSecond)),
      spansPerCpuSecond: Math.round(median(finaliseSpansPerCpuSecond)),
    },
    logCostShare: Number((1 - median(ratios)).toFixed(3)),
    target: { maxLogCostShare: 0.1, met: 1 - median(ratios) <= 0.1 },
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main()
  .then(() => logOnOff())
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
