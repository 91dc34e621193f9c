/**
 * OTLP receiver benchmark: `npm run bench:receiver` prints one JSON object.
 *
 * Two measurements, each beside a decode-only baseline taken in the same run:
 *
 * 1. `endToEnd` — the product as shipped: `agent-lineage serve` (service/cli/run.ts, the real
 *    `startServer`: receiver → ingest pipeline → SQLite with durable commits, finaliser running)
 *    as a child process with `--max-semi-space-size=64`, fed OTLP/HTTP protobuf over keep-alive
 *    connections. Every request carries fresh trace ids (patched into pre-encoded templates), so
 *    each acknowledged span is a new durable insert, not an idempotent re-delivery. The server's
 *    RSS is read from /proc/<pid>/status (VmRSS sampled every 100 ms, VmHWM at the end), and the
 *    store is opened afterwards to check that it holds every acknowledged span.
 * 2. `receiverOnly` — the receiver transport alone, for each V8 configuration (default semi-space,
 *    `--max-semi-space-size=64`): `startOtlpHttpServer` with a trivial async ingest in a forked
 *    child, so the cost of the store can be told from the cost of HTTP + decode.
 *
 * The decode-only baseline (protobuf → otlp-types objects + limit checks, in a loop) runs in a
 * forked child. This machine is shared and noisy (per-second rates vary 2-5x), so decode and
 * end-to-end blocks alternate in short blocks and medians are reported (ratio = median of paired
 * ratios). Spans look like agent spans: 20 attributes (hashes, model ids, token counts, scores),
 * a datasource event or two, and a `consumed` link to the previous step; 512 spans per request
 * (the SDK's batch size) in 16 runs of 32 spans, each run with an `invoke_agent` root.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTraceRequestLimits } from '../exporter/otlp/check-limits.js';
import { decodeTraceRequestProtobuf } from '../exporter/otlp/decode-protobuf.js';
import { decodeTraceResponse } from '../exporter/otlp/encode-response.js';
import { startOtlpHttpServer } from '../exporter/otlp/http-server.js';
import { createOtlpReceiver } from '../exporter/otlp/otlp-receiver.js';
import { otlpProtoTypes } from '../exporter/otlp/otlp-schema.js';
import { parseReceiverLimits } from '../exporter/otlp/receiver-limits.js';
import { openSqlite } from '../exporter/stores/sqlite/sqlite-driver.js';

const SPANS_PER_REQUEST = 512;
const DISTINCT_PAYLOADS = 8;
const BLOCK_SECONDS = 1.5;
const ROUNDS = 6;
const WARMUP_SECONDS = 1.5;
const CONCURRENCY = 4;
const RUNS_PER_REQUEST = 16;
const SPANS_PER_RUN = SPANS_PER_REQUEST / RUNS_PER_REQUEST;
/** The targets for the end-to-end measurement on this 2-core machine. */
const TARGET_SPANS_PER_SEC = 15_000;
const TARGET_RSS_MB = 300;
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * Node flags of the `serve` child; the recommended young generation by default (DESIGN.md §9).
 * Override with BENCH_SERVE_NODE_FLAGS (space-separated) to see the speed/RSS trade-off.
 */
const SERVE_NODE_FLAGS = (
  process.env.BENCH_SERVE_NODE_FLAGS ?? '--max-semi-space-size=64 --max-old-space-size=256'
)
  .split(' ')
  .filter(Boolean);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: value } });
const dbl = (key: string, value: number) => ({ key, value: { doubleValue: value } });

/** Span `i` of a run: 0 is the `invoke_agent` root, the others its steps, each linked to the previous one. */
function agentSpan(traceId: Buffer, spanIds: readonly Buffer[], i: number) {
  const start = BigInt(Date.now()) * 1_000_000n + BigInt(i);
  if (i === 0) {
    return {
      traceId,
      spanId: spanIds[0]!,
      name: 'invoke_agent research-agent',
      kind: 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 30_000_000_000n).toString(),
      attributes: [
        str('gen_ai.operation.name', 'invoke_agent'),
        str('gen_ai.agent.name', 'research-agent'),
        str('gen_ai.agent.id', 'research-agent-prod'),
        str('lineage.span.type', 'run'),
      ],
      status: { code: 1 },
    };
  }
  const kind = ['model_invocation', 'retrieval', 'tool_call'][i % 3]!;
  return {
    traceId,
    spanId: spanIds[i]!,
    parentSpanId: spanIds[0]!,
    name: kind === 'model_invocation' ? 'chat gpt-4o-2024-08-06' : `${kind} step-${i}`,
    kind: 3,
    flags: 0x101,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + 1_250_000_000n).toString(),
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.provider.name', 'openai'),
      str('gen_ai.request.model', 'gpt-4o'),
      str('gen_ai.response.model', 'gpt-4o-2024-08-06'),
      str('gen_ai.response.id', `chatcmpl-${hex(12)}`),
      str('gen_ai.agent.name', 'research-agent'),
      str('lineage.span.type', kind),
      str('lineage.model.version', 'gpt-4o-2024-08-06'),
      str('lineage.input.sha256', hex(32)),
      str('lineage.output.sha256', hex(32)),
      str('lineage.prompt.system.sha256', hex(32)),
      str('lineage.tools.sha256', hex(32)),
      str('lineage.prompt.template.id', 'answer-with-citations'),
      str('lineage.prompt.template.version', '14'),
      int('gen_ai.usage.input_tokens', 1800 + i),
      int('gen_ai.usage.output_tokens', 240 + (i % 50)),
      dbl('gen_ai.request.temperature', 0.2),
      dbl('gen_ai.request.top_p', 0.95),
      int('gen_ai.request.max_tokens', 1024),
      { key: 'gen_ai.response.finish_reasons', value: { arrayValue: { values: [{ stringValue: 'stop' }] } } },
    ],
    events: Array.from({ length: 1 + (i % 2) }, (_, e) => ({
      timeUnixNano: (start + BigInt(e) * 1000n).toString(),
      name: 'lineage.datasource',
      attributes: [
        str('lineage.datasource.id', `kb://policies/doc-${i}#chunk-${e}`),
        str('lineage.datasource.kind', 'rag_chunk'),
        str('lineage.content.sha256', hex(32)),
        dbl('lineage.retrieval.score', 0.83),
        str('lineage.index.version', '2026-11-01'),
      ],
    })),
    links:
      i > 1 ? [{ traceId, spanId: spanIds[i - 1]!, attributes: [str('lineage.link.type', 'consumed')] }] : [],
    status: { code: 1 },
  };
}

/** A pre-encoded request and where each of its trace ids sits in the bytes. */
interface PayloadTemplate {
  readonly bytes: Buffer;
  /** Byte offsets of every occurrence of each run's 16-byte trace id (spans and links). */
  readonly traceIdOffsets: readonly (readonly number[])[];
}

function encodePayload(): PayloadTemplate {
  const type = otlpProtoTypes().exportTraceServiceRequest;
  const traceIds = Array.from({ length: RUNS_PER_REQUEST }, () => randomBytes(16));
  const spans = traceIds.flatMap((traceId) => {
    const spanIds = Array.from({ length: SPANS_PER_RUN }, () => randomBytes(8));
    return spanIds.map((_, i) => agentSpan(traceId, spanIds, i));
  });
  const bytes = Buffer.from(
    type
      .encode(
        type.fromObject({
          resourceSpans: [
            {
              resource: {
                attributes: [str('service.name', 'research-agent'), str('service.version', '3.1.0')],
              },
              scopeSpans: [{ scope: { name: 'agent-lineage', version: '0.1.0' }, spans }],
            },
          ],
        }),
      )
      .finish(),
  );
  const traceIdOffsets = traceIds.map((id) => {
    const offsets: number[] = [];
    for (let at = bytes.indexOf(id); at >= 0; at = bytes.indexOf(id, at + 1)) offsets.push(at);
    return offsets;
  });
  return { bytes, traceIdOffsets };
}

/**
 * A copy of the template with fresh random trace ids: new runs, so the durable store inserts
 * every span instead of recognising a re-delivery. Costs a ~0.5 MB copy on the client.
 */
function freshPayload(template: PayloadTemplate): Buffer {
  const out = Buffer.from(template.bytes);
  for (const offsets of template.traceIdOffsets) {
    const id = randomBytes(16);
    for (const at of offsets) id.copy(out, at);
  }
  return out;
}

interface ServerReport {
  readonly rssIdleMb: number;
  readonly rssPeakMb: number;
  readonly rssEndMb: number;
}

type ParentMessage =
  | { readonly type: 'payloads'; readonly payloads: string[] }
  | { readonly type: 'decode' }
  | { readonly type: 'stop' };
type ChildMessage =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'decoded'; readonly spansPerSec: number }
  | { readonly type: 'report'; readonly report: ServerReport };

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Child process: serves, and runs a decode-only block whenever asked. */
async function serverMain(): Promise<void> {
  const send = (m: ChildMessage) => process.send!(m);
  const inbox: ParentMessage[] = [];
  let wake: (() => void) | undefined;
  process.on('message', (m: ParentMessage) => {
    inbox.push(m);
    wake?.();
  });
  const next = async (): Promise<ParentMessage> => {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return inbox.shift()!;
  };
  const first = await next();
  if (first.type !== 'payloads') throw new Error('bench server expected payloads first');
  const payloads = first.payloads.map((p) => Buffer.from(p, 'base64'));
  const limits = parseReceiverLimits();
  // The receiver's decode + limit-check work, without HTTP or ingest.
  const decodeBlock = (seconds: number) => {
    let spans = 0;
    const t0 = performance.now();
    for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
      spans += checkTraceRequestLimits(decodeTraceRequestProtobuf(payloads[i % payloads.length]!), limits);
    }
    return spans / ((performance.now() - t0) / 1000);
  };
  decodeBlock(WARMUP_SECONDS);

  const receiver = createOtlpReceiver({
    ingest: async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return { rejectedSpans: 0 };
    },
  });
  const server = await startOtlpHttpServer(receiver, { port: 0 });
  // Idle baseline (after a GC when exposed): the tsx loader, payload copies and the decode warm-up.
  globalThis.gc?.();
  const rssIdle = process.memoryUsage().rss;
  let rssPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 100);
  send({ type: 'listening', port: server.port });
  for (let m = await next(); m.type !== 'stop'; m = await next()) {
    if (m.type === 'decode') send({ type: 'decoded', spansPerSec: decodeBlock(BLOCK_SECONDS) });
  }
  clearInterval(sampler);
  const rssEnd = process.memoryUsage().rss;
  await server.close();
  await receiver.close();
  const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  send({ type: 'report', report: { rssIdleMb: mb(rssIdle), rssPeakMb: mb(rssPeak), rssEndMb: mb(rssEnd) } });
  process.disconnect();
}

/** One POST; resolves with the status and the spans the server rejected (from partial_success). */
function postOnce(
  agent: Agent,
  port: number,
  body: Uint8Array,
): Promise<{ status: number; rejected: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          // Full success is an empty body; anything else carries partial_success.
          const rejected =
            status === 200 && chunks.length > 0
              ? decodeTraceResponse(Buffer.concat(chunks)).rejectedSpans
              : 0;
          resolve({ status, rejected });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A forked bench child: decode-only blocks on request, plus a trivial-ingest receiver. */
interface BenchChild {
  readonly port: number;
  decodeBlock(): Promise<number>;
  stop(): Promise<ServerReport>;
}

async function forkBenchChild(
  extraFlags: readonly string[],
  payloads: readonly PayloadTemplate[],
): Promise<BenchChild> {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], {
    execArgv: [...process.execArgv, ...extraFlags],
  });
  const messages: ChildMessage[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: ChildMessage) => {
    messages.push(m);
    wake?.();
  });
  const next = async <T extends ChildMessage['type']>(
    type: T,
  ): Promise<Extract<ChildMessage, { type: T }>> => {
    while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    const m = messages.shift()!;
    if (m.type !== type) throw new Error(`bench child sent ${m.type}, expected ${type}`);
    return m as Extract<ChildMessage, { type: T }>;
  };
  child.send({
    type: 'payloads',
    payloads: payloads.map((p) => p.bytes.toString('base64')),
  } satisfies ParentMessage);
  const { port } = await next('listening');
  return {
    port,
    async decodeBlock() {
      child.send({ type: 'decode' } satisfies ParentMessage);
      return (await next('decoded')).spansPerSec;
    },
    async stop() {
      child.send({ type: 'stop' } satisfies ParentMessage);
      return (await next('report')).report;
    },
  };
}

/** Acknowledged spans/s over keep-alive connections for `seconds`; every request gets fresh trace ids. */
async function e2eBlock(
  agent: Agent,
  port: number,
  payloads: readonly PayloadTemplate[],
  seconds: number,
  tally: { acknowledged: number; refused: number; rejectedSpans: number },
): Promise<number> {
  let acknowledged = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const worker = async (w: number) => {
    for (let i = w; performance.now() < deadline; i += CONCURRENCY) {
      const { status, rejected } = await postOnce(agent, port, freshPayload(payloads[i % payloads.length]!));
      if (status === 200) {
        acknowledged += SPANS_PER_REQUEST - rejected;
        tally.rejectedSpans += rejected;
      } else {
        tally.refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  tally.acknowledged += acknowledged;
  return acknowledged / ((performance.now() - t0) / 1000);
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (kb: number) => round(kb / 1024, 1);

/** Alternates decode-only blocks (in `child`) with end-to-end blocks against `port`. */
async function alternate(child: BenchChild, port: number, payloads: readonly PayloadTemplate[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const tally = { acknowledged: 0, refused: 0, rejectedSpans: 0 };
  await e2eBlock(agent, port, payloads, WARMUP_SECONDS, tally);
  const decodeRates: number[] = [];
  const e2eRates: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const decoded = await child.decodeBlock();
    const e2e = await e2eBlock(agent, port, payloads, BLOCK_SECONDS, tally);
    decodeRates.push(decoded);
    e2eRates.push(e2e);
    ratios.push(e2e / decoded);
  }
  agent.destroy();
  return {
    decodeOnlySpansPerSec: Math.round(median(decodeRates)),
    endToEndSpansPerSec: Math.round(median(e2eRates)),
    ratio: round(median(ratios), 2),
    endToEndSpansPerSecRange: [Math.round(Math.min(...e2eRates)), Math.round(Math.max(...e2eRates))],
    decodeOnlySpansPerSecRange: [Math.round(Math.min(...decodeRates)), Math.round(Math.max(...decodeRates))],
    tally,
  };
}

/** Receiver transport only (trivial ingest) for one V8 configuration. */
async function runReceiverOnly(extraFlags: string[], payloads: readonly PayloadTemplate[]) {
  const child = await forkBenchChild(extraFlags, payloads);
  const measured = await alternate(child, child.port, payloads);
  const report = await child.stop();
  return {
    nodeFlags: extraFlags,
    decodeOnlySpansPerSec: measured.decodeOnlySpansPerSec,
    endToEndSpansPerSec: measured.endToEndSpansPerSec,
    ratio: measured.ratio,
    endToEndSpansPerSecRange: measured.endToEndSpansPerSecRange,
    decodeOnlySpansPerSecRange: measured.decodeOnlySpansPerSecRange,
    serverRssIdleMb: report.rssIdleMb,
    serverRssPeakMb: report.rssPeakMb,
    serverRssEndMb: report.rssEndMb,
    non200Responses: measured.tally.refused,
  };
}

/** VmRSS and VmHWM of a process in KiB, from /proc (Linux). */
function procMemoryKb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** The built CLI exists and is newer than every source file it is built from. */
function assertBuiltCli(): void {
  const main = join(REPO_ROOT, 'dist', 'service', 'cli', 'main.js');
  if (!existsSync(main)) {
    throw new Error('dist/ is missing: run `npm run build` (npm ci does it) before bench:receiver');
  }
  const stale = newerSource(statSync(main).mtimeMs);
  if (stale !== undefined) {
    throw new Error(`dist/ is older than ${stale}: run \`npm run build\` first, or this measures old code`);
  }
}

/** A source file of the built packages changed after `builtMs`, if any (the first found). */
function newerSource(builtMs: number): string | undefined {
  for (const dir of ['src', 'semconv', 'exporter', 'service', 'instrumentation']) {
    for (const entry of readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!entry.endsWith('.ts') || entry.endsWith('.test.ts')) continue;
      if (statSync(join(REPO_ROOT, dir, entry)).mtimeMs > builtMs) return join(dir, entry);
    }
  }
  return undefined;
}

/**
 * `agent-lineage serve` as a child process; resolves with its OTLP/HTTP port. It runs the
 * built CLI (bin/agent-lineage.js → dist/, built by `npm ci`), as users run it: running the
 * sources through tsx would add its transpiler's memory to the RSS measured.
 */
async function spawnServe(
  dataDir: string,
  authFile: string,
): Promise<{ child: ChildProcess; httpPort: number }> {
  const child = spawn(
    process.execPath,
    [
      ...SERVE_NODE_FLAGS,
      'bin/agent-lineage.js',
      'serve',
      '--data-dir',
      dataDir,
      '--auth',
      authFile,
      '--api-port',
      '0',
      '--otlp-http-port',
      '0',
      '--otlp-grpc-port',
      '0',
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const httpPort = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const port = /OTLP\/HTTP\s+http:\/\/[^\s]+:(\d+)\/v1\/traces/.exec(output)?.[1];
      if (port !== undefined) resolve(Number(port));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening:\n${output}`)));
  });
  // Refusals are logged per request; keep reading so a full pipe never stalls the server.
  child.stdout?.resume();
  return { child, httpPort };
}

/** The shipped server (durable SQLite commits) beside the decode-only baseline. */
async function runEndToEnd(payloads: readonly PayloadTemplate[]) {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-receiver-bench-'));
  const authFile = join(dir, 'auth.json');
  const token = randomBytes(24).toString('base64url');
  await writeFile(
    authFile,
    JSON.stringify({
      keys: [{ id: 'bench', sha256: createHash('sha256').update(token).digest('hex'), role: 'engineering' }],
    }),
  );
  const dataDir = join(dir, 'data');
  const decodeChild = await forkBenchChild(['--max-semi-space-size=64'], payloads);
  const served = await spawnServe(dataDir, authFile).catch(async (error: unknown) => {
    await decodeChild.stop();
    throw error;
  });
  const { child, httpPort } = served;
  try {
    const pid = child.pid!;
    const idle = procMemoryKb(pid);
    let rssPeakKb = idle.rss;
    const sampler = setInterval(() => {
      rssPeakKb = Math.max(rssPeakKb, procMemoryKb(pid).rss);
    }, 100);
    const measured = await alternate(decodeChild, httpPort, payloads);
    clearInterval(sampler);
    const end = procMemoryKb(pid);
    await decodeChild.stop();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const exitCode = await exited;
    // Durability check: the store holds every acknowledged span (the server is gone: one writer).
    const db = openSqlite(join(dataDir, 'lineage.db'));
    const storedSpans = Number(db.prepare('SELECT count(*) AS n FROM spans').get()?.n ?? 0);
    db.close();
    return {
      server:
        'agent-lineage serve (bin/agent-lineage.js, built dist/): SQLite synchronous=FULL, WAL, finaliser on',
      nodeFlags: SERVE_NODE_FLAGS,
      decodeOnlyNodeFlags: ['--max-semi-space-size=64'],
      decodeOnlySpansPerSec: measured.decodeOnlySpansPerSec,
      endToEndSpansPerSec: measured.endToEndSpansPerSec,
      ratio: measured.ratio,
      endToEndSpansPerSecRange: measured.endToEndSpansPerSecRange,
      decodeOnlySpansPerSecRange: measured.decodeOnlySpansPerSecRange,
      serverRssIdleMb: mb(idle.rss),
      serverRssPeakSampledMb: mb(rssPeakKb),
      serverRssEndMb: mb(end.rss),
      serverVmHwmMb: mb(end.hwm),
      spansAcknowledged: measured.tally.acknowledged,
      spansRejected: measured.tally.rejectedSpans,
      spansInStore: storedSpans,
      non200Responses: measured.tally.refused,
      serverExitCode: exitCode,
      targets: {
        endToEndSpansPerSec: TARGET_SPANS_PER_SEC,
        serverRssMb: TARGET_RSS_MB,
        spansPerSecMet: measured.endToEndSpansPerSec >= TARGET_SPANS_PER_SEC,
        rssMet: mb(end.hwm) <= TARGET_RSS_MB,
      },
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  assertBuiltCli();
  const payloads = Array.from({ length: DISTINCT_PAYLOADS }, encodePayload);
  const endToEnd = await runEndToEnd(payloads);
  const receiverOnly = [];
  for (const flags of [[], ['--max-semi-space-size=64']])
    receiverOnly.push(await runReceiverOnly(flags, payloads));
  const result = {
    benchmark: 'otlp-receiver-http-protobuf',
    node: process.version,
    cpus: (await import('node:os')).availableParallelism(),
    spansPerRequest: SPANS_PER_REQUEST,
    runsPerRequest: RUNS_PER_REQUEST,
    attributesPerSpan: 20,
    requestBytes: Math.round(payloads.reduce((n, p) => n + p.bytes.length, 0) / payloads.length),
    concurrency: CONCURRENCY,
    method: `${ROUNDS} alternating ${BLOCK_SECONDS}s blocks (decode-only in a forked child, then end-to-end) after a ${WARMUP_SECONDS}s warm-up; medians (ratio = median of paired ratios)`,
    endToEnd,
    receiverOnly: { ingest: 'trivial async (setImmediate); no store', runs: receiverOnly },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv.includes('--server')) {
  await serverMain();
} else {
  await main();
}
