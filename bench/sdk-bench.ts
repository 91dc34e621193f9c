/**
 * SDK overhead benchmark (issue 2). Prints one JSON object.
 *
 *   npx tsx bench/sdk-bench.ts            # full: 100,000 calls per arm + 1,000,000-run heap check
 *   npx tsx bench/sdk-bench.ts --quick    # smoke: 20,000 calls per arm + 100,000 runs
 *   node --expose-gc --import tsx bench/sdk-bench.ts   # same; gc is also reachable without the flag
 *
 * One "call" is one agent step: a retrieval returning 5 chunks of 1 KB and a chat model
 * invocation with a 4 KB prompt (system instructions plus 3 of the 5 chunks) — hashing,
 * DataSource events and consumption inference included. Arms:
 *  - none:    the fake model is called directly (no tracing at all);
 *  - bare:    the same step as plain OpenTelemetry spans (run, retrieval, chat) with a few attributes;
 *  - lineage: the same step through startRun / recordRetrieval / recordModelInvocation.
 * The tracer provider samples everything but its processor drops spans, so export cost is
 * not measured. Arms alternate in blocks inside one process (DESIGN.md section 9): medians
 * drift by tens of µs between processes on this machine, so the headline is the median of
 * paired block-median differences.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { context, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { configureLineage, recordModelInvocation, recordRetrieval, startRun } from '../src/index.js';

const QUICK = process.argv.includes('--quick');
const CALLS_PER_ARM = QUICK ? 20_000 : 100_000;
const BLOCK = 500;
const HEAP_RUNS = QUICK ? 100_000 : 1_000_000;
const HEAP_CHECKPOINTS = 5;

/** A processor that drops every span: we measure the SDK, not the exporter. */
const dropping: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
const provider = new BasicTracerProvider({ spanProcessors: [dropping] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
configureLineage({ tracerProvider: provider, pseudonymKey: 'bench-pseudonym-key-0123456789' });
const tracer = provider.getTracer('bench-bare');

const VOCABULARY = (
  'loan approval applicant income credit score mortgage rate fee policy branch manager review ' +
  'document evidence tax return employer salary deposit account balance risk limit exception ' +
  'customer request decision appeal period interest term collateral valuation property insurance'
).split(' ');

/** Deterministic prose-like ASCII text (repetitive filler would make substring search unrealistically slow). */
function text(bytes: number, seed: string): string {
  let state = [...seed].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7);
  let out = `${seed}:`;
  while (out.length < bytes) {
    state = (state * 1103515245 + 12345) >>> 0;
    out += ` ${VOCABULARY[state % VOCABULARY.length]}`;
    if (state % 11 === 0) out += '.';
  }
  return out.slice(0, bytes);
}
const CHUNKS = Array.from({ length: 5 }, (_, i) => ({
  id: `kb://doc-${i}#${i}`,
  text: text(1024, `chunk-${i}`),
}));
const SYSTEM = text(900, 'system');
const QUESTION = 'Which approvals does a 60k loan need?';
const USER = `Context:\n${CHUNKS.slice(0, 3)
  .map((c) => c.text)
  .join('\n')}\n\nQuestion: ${QUESTION}`;
const MESSAGES = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: USER },
];
const PROMPT_BYTES = SYSTEM.length + USER.length;
const RESPONSE = {
  id: 'chatcmpl-bench',
  model: 'gpt-4o-2024-08-06',
  choices: [
    { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Two approvals are needed.' } },
  ],
  usage: { prompt_tokens: 1100, completion_tokens: 7 },
};

let sink = 0;
const fakeModel = () => RESPONSE;
const fakeSearch = () => CHUNKS;
const now = () => process.hrtime.bigint();
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1000;

/** A measured step: does its work and returns the µs of the part being measured. */
type Step = () => number;

// --- scenario "model_invocation": one chat call inside a run that already retrieved 5 chunks.

const invocationNone: Step = () => {
  const t0 = now();
  sink += fakeModel().usage.completion_tokens;
  return since(t0);
};

const invocationBare: Step = () => {
  let us = 0;
  tracer.startActiveSpan('invoke_agent bench', { root: true }, (run) => {
    const t0 = now();
    tracer.startActiveSpan(
      'chat gpt-4o',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.provider.name': 'openai' },
      },
      (span) => {
        const r = fakeModel();
        span.setAttribute('gen_ai.response.model', r.model);
        sink += r.usage.completion_tokens;
        span.end();
      },
    );
    us = since(t0);
    run.end();
  });
  return us;
};

const invocationLineage: Step = () => {
  let us = 0;
  startRun({ agentName: 'bench' }, () => {
    recordRetrieval({ dataSourceId: 'kb' }, (scope) => {
      for (const c of fakeSearch())
        scope.addSource({ kind: 'rag_chunk', id: c.id, content: c.text, score: 0.8 });
    });
    const t0 = now();
    const r = recordModelInvocation(
      { provider: 'openai', model: 'gpt-4o', messages: MESSAGES, temperature: 0.2, maxTokens: 256 },
      fakeModel,
    );
    us = since(t0);
    sink += r.usage.completion_tokens;
  });
  return us;
};

// --- scenario "agent_step": run + retrieval of 5 chunks + chat call, all measured.

const stepNone: Step = () => {
  const t0 = now();
  sink += fakeSearch().length;
  sink += fakeModel().usage.completion_tokens;
  return since(t0);
};

const stepBare: Step = () => {
  const t0 = now();
  tracer.startActiveSpan('invoke_agent bench', { root: true }, (run) => {
    tracer.startActiveSpan('retrieval kb', { kind: SpanKind.CLIENT }, (span) => {
      sink += fakeSearch().length;
      span.end();
    });
    tracer.startActiveSpan(
      'chat gpt-4o',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.provider.name': 'openai' },
      },
      (span) => {
        const r = fakeModel();
        span.setAttribute('gen_ai.response.model', r.model);
        sink += r.usage.completion_tokens;
        span.end();
      },
    );
    run.end();
  });
  return since(t0);
};

function lineageStep(): void {
  startRun({ agentName: 'bench', agentVersion: '1.0.0', actor: 'user-42' }, () => {
    recordRetrieval({ dataSourceId: 'kb', query: QUESTION, indexVersion: 'kb-1' }, (scope) => {
      const found = fakeSearch();
      for (const c of found) scope.addSource({ kind: 'rag_chunk', id: c.id, content: c.text, score: 0.8 });
      sink += found.length;
    });
    const r = recordModelInvocation(
      { provider: 'openai', model: 'gpt-4o', messages: MESSAGES, temperature: 0.2, maxTokens: 256 },
      fakeModel,
    );
    sink += r.usage.completion_tokens;
  });
}

const stepLineage: Step = () => {
  const t0 = now();
  lineageStep();
  return since(t0);
};

type Arms = { readonly none: Step; readonly bare: Step; readonly lineage: Step };
type Arm = keyof Arms;
const ARM_NAMES: readonly Arm[] = ['none', 'bare', 'lineage'];

function timeBlock(step: Step, n: number, into: number[]): number[] {
  const block: number[] = [];
  for (let i = 0; i < n; i++) {
    const us = step();
    block.push(us);
    into.push(us);
  }
  return block;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const round = (v: number) => Math.round(v * 100) / 100;

function measure(arms: Arms) {
  const all: Record<Arm, number[]> = { none: [], bare: [], lineage: [] };
  const blockMedians: Record<Arm, number[]> = { none: [], bare: [], lineage: [] };
  // Warm-up so the JIT has settled before anything counts.
  for (const arm of ARM_NAMES) timeBlock(arms[arm], 5_000, []);
  const blocks = Math.ceil(CALLS_PER_ARM / BLOCK);
  for (let b = 0; b < blocks; b++) {
    // Rotate the order every block so no arm always runs first (or right after a GC-heavy one).
    const order = ARM_NAMES.map((_, i) => ARM_NAMES[(i + b) % ARM_NAMES.length] as Arm);
    for (const arm of order) blockMedians[arm].push(quantile(timeBlock(arms[arm], BLOCK, all[arm]), 0.5));
  }
  const pairedDiff = (a: Arm, b: Arm) =>
    quantile(
      blockMedians[a].map((m, i) => m - (blockMedians[b][i] ?? 0)),
      0.5,
    );
  const stats = (arm: Arm) => ({
    calls: all[arm].length,
    median_us: round(quantile(all[arm], 0.5)),
    p99_us: round(quantile(all[arm], 0.99)),
  });
  return {
    arms: { none: stats('none'), bare: stats('bare'), lineage: stats('lineage') },
    paired_median_diff_us: {
      lineage_minus_bare: round(pairedDiff('lineage', 'bare')),
      lineage_minus_none: round(pairedDiff('lineage', 'none')),
      bare_minus_none: round(pairedDiff('bare', 'none')),
    },
  };
}

function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  // Without --expose-gc: enable the flag at runtime and fetch gc from a fresh context.
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapCheck() {
  const gc = getGc();
  const heapMb = () => {
    gc();
    gc();
    return round(process.memoryUsage().heapUsed / 2 ** 20);
  };
  const checkpoints: { runs: number; heap_used_mb: number }[] = [{ runs: 0, heap_used_mb: heapMb() }];
  const per = HEAP_RUNS / HEAP_CHECKPOINTS;
  const started = performance.now();
  for (let c = 1; c <= HEAP_CHECKPOINTS; c++) {
    for (let i = 0; i < per; i++) lineageStep();
    checkpoints.push({ runs: c * per, heap_used_mb: heapMb() });
  }
  const first = checkpoints[1]?.heap_used_mb ?? 0;
  const last = checkpoints[checkpoints.length - 1]?.heap_used_mb ?? 0;
  return {
    runs: HEAP_RUNS,
    seconds: round((performance.now() - started) / 1000),
    checkpoints,
    growth_after_first_checkpoint_mb: round(last - first),
  };
}

const invocation = measure({ none: invocationNone, bare: invocationBare, lineage: invocationLineage });
const step = measure({ none: stepNone, bare: stepBare, lineage: stepLineage });
const heap = heapCheck();
const target = 25;
console.log(
  JSON.stringify(
    {
      benchmark: 'agent-lineage SDK overhead',
      mode: QUICK ? 'quick' : 'full',
      node: process.version,
      workload: {
        prompt_bytes: PROMPT_BYTES,
        retrieved_chunks: CHUNKS.length,
        chunk_bytes: 1024,
        chunks_in_prompt: 3,
        block_size: BLOCK,
        context_manager: 'AsyncLocalStorageContextManager',
        processor: 'drops spans (export not measured)',
      },
      model_invocation: {
        what: 'recordModelInvocation (input/system/output hashing, inference against 5 retrieved chunks, response parsing) vs one bare chat span vs the bare call',
        ...invocation,
        target: {
          max_median_above_bare_us: target,
          met: invocation.paired_median_diff_us.lineage_minus_bare <= target,
        },
      },
      agent_step: {
        what: 'startRun + recordRetrieval (5 chunks hashed, 5 events) + recordModelInvocation vs 3 bare spans vs no tracing',
        ...step,
      },
      heap,
      sink,
    },
    null,
    2,
  ),
);
