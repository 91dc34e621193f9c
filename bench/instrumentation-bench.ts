/**
 * Added cost per OpenAI chat call of four instrumentations, measured in the same process:
 * ours (agent-lineage, with hashing), the official `@opentelemetry/instrumentation-openai`,
 * OpenInference and Traceloop (default config and content capture off), plus a bare
 * "one OTel span" wrapper as a floor.
 *
 * Method (shared/DESIGN.md section 9): per-process medians drift by tens of µs here, so each
 * instrumentation's patched `Completions.prototype.create` is alternated with the original
 * in blocks inside one process (A/B, order swapped every round) and the median of the
 * paired per-call differences is reported. The client talks to an in-process fake
 * transport (its `fetch` option returns a canned Response — no sockets), the prompt is
 * 4 KB, an AsyncLocalStorage context manager is active (as in any real deployment), and
 * spans go to a counting span processor so exporter cost does not blur the comparison.
 *
 * The same wrappers are then measured a second time with the client's request path stubbed
 * (`isolated`): `create` returns a real `APIPromise` over a response that arrives in the next
 * task, whose parse yields the canned completion. That leaves each instrumentation's own work, without
 * the client's ~40 µs of request building, fetch and parsing whose drift dominates the
 * spread of the first figures; it is a tighter reading of the instrumentations, not of what
 * an application pays (the first figures are that).
 *
 * Usage: `npx tsx bench/instrumentation-bench.ts [--quick]` — prints one JSON object.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { type Context, context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type * as OpenAINamespace from 'openai';
import { LineageOpenAIInstrumentation } from '../instrumentation/openai/index.js';
import { configureLineage } from '../src/config.js';
import { sha256Json } from '../src/hashing/sha256.js';

const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
// The client's own work drifts by several µs per block: many rounds keep the medians steady.
const ROUNDS = quick ? 12 : 120;
const ISOLATED_ROUNDS = quick ? 20 : 100;
const BLOCK_CALLS = quick ? 100 : 250;
const WARMUP_CALLS = quick ? 500 : 2000;

type CreateFn = (this: unknown, ...args: unknown[]) => unknown;
type OpenAiCjs = typeof OpenAINamespace;

/** Counts ended spans per instrumentation scope; does nothing else. */
class CountingProcessor implements SpanProcessor {
  total = 0;
  readonly sample = new Map<string, ReadableSpan>();
  onStart(_span: Span, _parent: Context): void {}
  onEnd(span: ReadableSpan): void {
    const scope = span.instrumentationScope.name;
    this.total++;
    if (!this.sample.has(scope)) this.sample.set(scope, span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    // Some packages do not export package.json; read it from node_modules directly.
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    return (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string })
      .version;
  }
}

// --- the workload: one chat call with a 4 KB prompt against a canned response ------------

const SYSTEM = 'You are a careful assistant for loan officers. Answer from the context only.';
const PROMPT =
  `Context:\n${'Fixed-rate loans above 50k need two approvals (policy 7.2). '.repeat(70)}\nQuestion: how many approvals?`.slice(
    0,
    4096,
  );
const MESSAGES = [
  { role: 'system' as const, content: SYSTEM },
  { role: 'user' as const, content: PROMPT },
];
const CANNED = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_767_225_600,
  model: 'gpt-4o-2024-08-06',
  system_fingerprint: 'fp_bench',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Two approvals are needed (policy 7.2).', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 1024, completion_tokens: 12, total_tokens: 1036 },
});
const HEADERS = { 'content-type': 'application/json' };
const fakeFetch = async (): Promise<Response> => new Response(CANNED, { status: 200, headers: HEADERS });

// --- set-up --------------------------------------------------------------------------------

const processor = new CountingProcessor();
const provider = new BasicTracerProvider({ spanProcessors: [processor] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
configureLineage({ tracerProvider: provider });

const openai = require('openai') as OpenAiCjs;
const proto = openai.OpenAI.Chat.Completions.prototype as unknown as { create: CreateFn };
const CLIENT_CREATE = proto.create;

// --- the isolated request path: a real APIPromise, the answer in the next task, no client work ---

type ApiPromiseClass = new (
  client: unknown,
  responsePromise: Promise<unknown>,
  parse: (client: unknown, props: unknown) => unknown,
) => Promise<unknown>;
const { APIPromise } = loadApiPromise();

function loadApiPromise(): { APIPromise: ApiPromiseClass } {
  try {
    return require('openai/core/api-promise') as { APIPromise: ApiPromiseClass };
  } catch (error) {
    throw new Error(
      `bench:instrumentation: openai ${versionOf('openai')} has no openai/core/api-promise (v5 and later do); run it with the openai version in package.json (npm ci)`,
      { cause: error },
    );
  }
}
const STUB_PROPS = {
  response: new Response(null, { status: 200, headers: HEADERS }),
  options: { method: 'post', path: '/chat/completions' },
  controller: new AbortController(),
  requestLogID: 'log_bench',
  retryOfRequestLogID: undefined,
  startTime: 0,
};
// A fresh object per call, as the client's own parse returns (instrumentations may annotate it).
const parseStub = async (): Promise<unknown> => JSON.parse(CANNED);
// The answer arrives in a later task, as from a socket: a real client's response is never
// settled before create() returns (and the caller's await has asked for the parsed body).
const stubResponse = (): Promise<unknown> => new Promise((resolve) => setImmediate(resolve, STUB_PROPS));
const STUB_CREATE: CreateFn = function stubCreate(this: unknown) {
  return new APIPromise((this as { _client: unknown })._client, stubResponse(), parseStub);
};

/**
 * What every instrumentation wraps: it forwards to the client's `create` or to the stub, so
 * one installation of each instrumentation serves both measurements (OpenInference refuses a
 * second patch of the same module).
 */
let target: CreateFn = CLIENT_CREATE;
const ORIGINAL: CreateFn = function create(this: unknown, ...args: unknown[]) {
  return target.apply(this, args);
};
const client = new openai.OpenAI({
  apiKey: 'bench',
  baseURL: 'http://fake.invalid/v1',
  maxRetries: 0,
  fetch: fakeFetch,
});

/** Installs an instrumentation, takes the function it put on the prototype, and puts the original back. */
function capture(install: () => void): CreateFn {
  proto.create = ORIGINAL;
  install();
  const patched = proto.create;
  proto.create = ORIGINAL;
  if (patched === ORIGINAL) throw new Error('instrumentation did not patch chat.completions.create');
  return patched;
}

interface Variant {
  readonly name: string;
  readonly scope: string;
  readonly create: CreateFn;
  /**
   * Not an instrumentation as it ships (a floor, or a peer with its recording cut down): shown
   * to read the others against, left out of `ours_cheapest`.
   */
  readonly reference?: boolean;
}

async function loadVariants(): Promise<Variant[]> {
  const variants: Variant[] = [];

  const ours = new LineageOpenAIInstrumentation({ enabled: false });
  ours.setTracerProvider(provider);
  variants.push({
    name: 'agent-lineage',
    scope: 'agent-lineage/instrumentation-openai',
    create: capture(() => ours.instrument(openai.OpenAI)),
  });

  const { OpenAIInstrumentation: Official } = await import('@opentelemetry/instrumentation-openai');
  const official = new Official({ enabled: false });
  official.setTracerProvider(provider);
  // Its patched create records nothing while disabled; enabling only registers a loader hook.
  official.enable();
  const definition = official.getModuleDefinitions()[0];
  variants.push({
    name: 'opentelemetry-contrib',
    scope: '@opentelemetry/instrumentation-openai',
    create: capture(() => definition?.patch?.(openai, versionOf('openai'))),
  });

  const { OpenAIInstrumentation: OpenInference } = await import(
    '@arizeai/openinference-instrumentation-openai'
  );
  const openInference = new OpenInference();
  openInference.setTracerProvider(provider);
  variants.push({
    name: 'openinference',
    scope: '@arizeai/openinference-instrumentation-openai',
    create: capture(() => openInference.manuallyInstrument(openai as never)),
  });

  const { OpenAIInstrumentation: Traceloop } = await import('@traceloop/instrumentation-openai');
  const traceloop = new Traceloop({ enabled: false });
  traceloop.setTracerProvider(provider);
  variants.push({
    name: 'traceloop',
    scope: '@traceloop/instrumentation-openai',
    create: capture(() => traceloop.manuallyInstrument(openai.OpenAI as never)),
  });
  const traceloopOff = new Traceloop({ enabled: false, traceContent: false });
  traceloopOff.setTracerProvider(provider);
  variants.push({
    name: 'traceloop (content off)',
    reference: true,
    scope: '@traceloop/instrumentation-openai',
    create: capture(() => traceloopOff.manuallyInstrument(openai.OpenAI as never)),
  });

  // Floor: one span around the call, ended when the promise settles.
  const bareTracer = provider.getTracer('bare-span');
  const bare: CreateFn = function bareCreate(this: unknown, ...args: unknown[]) {
    const span = bareTracer.startSpan('chat');
    const result = context.with(trace.setSpan(context.active(), span), () =>
      ORIGINAL.apply(this, args),
    ) as Promise<unknown>;
    result.then(
      () => span.end(),
      () => span.end(),
    );
    return result;
  };
  variants.push({ name: 'bare OTel span (floor)', scope: 'bare-span', create: bare, reference: true });
  // Reference: the floor plus the SDK's input hash (RFC 8785 + SHA-256 of the 4 KB messages) —
  // what hashing alone costs, to read ours against.
  const bareHashed: CreateFn = function bareHashedCreate(this: unknown, ...args: unknown[]) {
    const span = bareTracer.startSpan('chat', {
      attributes: { 'lineage.input.sha256': sha256Json((args[0] as { messages: unknown }).messages) },
    });
    const result = context.with(trace.setSpan(context.active(), span), () =>
      ORIGINAL.apply(this, args),
    ) as Promise<unknown>;
    result.then(
      () => span.end(),
      () => span.end(),
    );
    return result;
  };
  variants.push({
    name: 'bare OTel span + input hash (reference)',
    scope: 'bare-span',
    create: bareHashed,
    reference: true,
  });
  return variants;
}

// --- measurement ---------------------------------------------------------------------------

/** Per-call cost of one block: process CPU time (user + system) and wall time, in µs. */
interface BlockTime {
  readonly cpu: number;
  readonly wall: number;
}

async function block(fn: CreateFn, calls: number): Promise<BlockTime> {
  proto.create = fn;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, temperature: 0.2 });
  }
  const wall = Number(process.hrtime.bigint() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  proto.create = ORIGINAL;
  return { cpu: (cpu.user + cpu.system) / calls, wall: wall / calls };
}

/** Median and quartiles of a sample. */
function summary(values: readonly number[]): { median: number; q1: number; q3: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: median(sorted),
    q1: median(sorted.slice(0, sorted.length >> 1)),
    q3: median(sorted.slice((sorted.length + 1) >> 1)),
  };
}

interface Samples {
  readonly cpuDiff: number[];
  readonly wallDiff: number[];
  readonly patchedCpu: number[];
  spans: number;
}

interface Measured {
  readonly samples: Map<string, Samples>;
  readonly baselineCpu: number[];
  readonly baselineWall: number[];
}

/** A/B rounds over all variants: patched blocks paired with original blocks. */
async function measure(variants: readonly Variant[], rounds: number): Promise<Measured> {
  for (const v of variants) await block(v.create, WARMUP_CALLS);
  await block(ORIGINAL, WARMUP_CALLS);

  const samples = new Map<string, Samples>(
    variants.map((v) => [v.name, { cpuDiff: [], wallDiff: [], patchedCpu: [], spans: 0 }]),
  );
  const baselineCpu: number[] = [];
  const baselineWall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Rotate which instrumentation goes first and swap the A/B order every round.
    const order = variants.map((_, i) => variants[(i + r) % variants.length] as Variant);
    for (const v of order) {
      const s = samples.get(v.name) as Samples;
      const patched = async () => {
        const before = processor.total;
        const t = await block(v.create, BLOCK_CALLS);
        s.spans += processor.total - before;
        return t;
      };
      let a: BlockTime;
      let b: BlockTime;
      if (r % 2 === 0) {
        a = await block(ORIGINAL, BLOCK_CALLS);
        b = await patched();
      } else {
        b = await patched();
        a = await block(ORIGINAL, BLOCK_CALLS);
      }
      baselineCpu.push(a.cpu);
      baselineWall.push(a.wall);
      s.cpuDiff.push(b.cpu - a.cpu);
      s.wallDiff.push(b.wall - a.wall);
      s.patchedCpu.push(b.cpu);
    }
  }
  return { samples, baselineCpu, baselineWall };
}

async function main(): Promise<void> {
  const started = performance.now();
  const variants = await loadVariants();
  target = CLIENT_CREATE;
  const { samples, baselineCpu, baselineWall } = await measure(variants, ROUNDS);
  target = STUB_CREATE;
  const isolated = await measure(variants, ISOLATED_ROUNDS);
  target = CLIENT_CREATE;

  const callsPerVariant = ROUNDS * BLOCK_CALLS;
  const added = (name: string) => summary(samples.get(name)?.cpuDiff ?? []).median;
  const ours = added('agent-lineage');
  const oursWall = summary(samples.get('agent-lineage')?.wallDiff ?? []).median;
  const results: Record<string, unknown> = {};
  for (const v of variants) {
    const s = samples.get(v.name) as Samples;
    const cpu = summary(s.cpuDiff);
    const wall = summary(s.wallDiff);
    results[v.name] = {
      added_us_per_call: round(cpu.median),
      ratio_to_ours: round(cpu.median / ours, 2),
      added_cpu_iqr_us: [round(cpu.q1), round(cpu.q3)],
      added_wall_us_per_call: round(wall.median),
      wall_ratio_to_ours: round(wall.median / oursWall, 2),
      patched_cpu_us_per_call: round(median(s.patchedCpu)),
      // Spans end asynchronously, so a block boundary can shift one span: ~1.00 means one span per call.
      spans_per_call: round(s.spans / callsPerVariant, 2),
    };
  }
  const isolatedAdded = (name: string) => summary(isolated.samples.get(name)?.cpuDiff ?? []).median;
  const isolatedOurs = isolatedAdded('agent-lineage');
  const isolatedResults: Record<string, unknown> = {};
  for (const v of variants) {
    const s = isolated.samples.get(v.name) as Samples;
    const cpu = summary(s.cpuDiff);
    isolatedResults[v.name] = {
      added_us_per_call: round(cpu.median),
      ratio_to_ours: round(cpu.median / isolatedOurs, 2),
      added_cpu_iqr_us: [round(cpu.q1), round(cpu.q3)],
      // Shows each instrumentation really recorded the stubbed calls.
      spans_per_call: round(s.spans / (ISOLATED_ROUNDS * BLOCK_CALLS), 2),
    };
  }
  const ourSpan = processor.sample.get('agent-lineage/instrumentation-openai');
  // Each peer as it ships (its default configuration); the references are not competitors.
  const peers = variants.filter((v) => v.name !== 'agent-lineage' && v.reference !== true);
  const output = {
    benchmark: 'instrumentation-openai-chat-overhead',
    method:
      'A/B blocks in one process (order rotated and swapped every round); added = median of paired (patched - original) per-call process CPU time; wall-clock figures alongside',
    node: process.version,
    quick,
    rounds: ROUNDS,
    block_calls: BLOCK_CALLS,
    prompt_bytes: Buffer.byteLength(PROMPT),
    transport: 'in-process fetch returning a canned Response (no sockets)',
    context_manager: 'AsyncLocalStorageContextManager',
    span_processor: 'counting only (no export)',
    load_average: os.loadavg().map((l) => round(l, 2)),
    versions: {
      openai: versionOf('openai'),
      '@opentelemetry/instrumentation-openai': versionOf('@opentelemetry/instrumentation-openai'),
      '@arizeai/openinference-instrumentation-openai': versionOf(
        '@arizeai/openinference-instrumentation-openai',
      ),
      '@traceloop/instrumentation-openai': versionOf('@traceloop/instrumentation-openai'),
    },
    baseline_cpu_us_per_call: round(median(baselineCpu)),
    baseline_wall_us_per_call: round(median(baselineWall)),
    results,
    ours_hashes: {
      input: typeof ourSpan?.attributes['lineage.input.sha256'] === 'string',
      system_prompt: typeof ourSpan?.attributes['lineage.prompt.system.sha256'] === 'string',
      output: typeof ourSpan?.attributes['lineage.output.sha256'] === 'string',
    },
    ours_cheapest: peers.every((v) => added(v.name) > ours),
    ours_cheaper_than: peers.filter((v) => added(v.name) > ours).map((v) => v.name),
    isolated: {
      method:
        "the same wrappers, A/B again, with create() returning a real APIPromise whose response arrives in the next task (no client request building, fetch or body parsing): the instrumentations' own work",
      rounds: ISOLATED_ROUNDS,
      baseline_cpu_us_per_call: round(median(isolated.baselineCpu)),
      results: isolatedResults,
      ours_cheapest: peers.every((v) => isolatedAdded(v.name) > isolatedOurs),
    },
    seconds: round((performance.now() - started) / 1000),
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

await main();
