/**
 * OTLP receiver benchmark: `npx tsx bench/receiver-bench.ts` prints one JSON object.
 *
 * For each V8 configuration (default semi-space, `--max-semi-space-size=64`) a child process
 * runs the server side, so the client (this process) does not share its event loop. This
 * machine is shared and noisy (per-second rates vary 2-5x), so the two measurements alternate
 * in short blocks inside the same server process and the medians are reported:
 *  - decode-only block: protobuf → otlp-types objects + limit checks, in a loop, in the server;
 *  - end-to-end block: OTLP/HTTP protobuf POSTs of pre-encoded batches over keep-alive
 *    connections through `startOtlpHttpServer` with a trivial async ingest (the durable store
 *    is plugged in by the lead later), counting only acknowledged (200) spans;
 *  - the server's RSS, sampled every 100 ms (peak) and at the end.
 * Spans look like agent spans: 20 attributes (hashes, model ids, token counts, scores), a
 * datasource event or two, and a `consumed` link; 512 spans per request (the SDK's batch size).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { checkTraceRequestLimits } from '../exporter/otlp/check-limits.js';
import { decodeTraceRequestProtobuf } from '../exporter/otlp/decode-protobuf.js';
import { startOtlpHttpServer } from '../exporter/otlp/http-server.js';
import { createOtlpReceiver } from '../exporter/otlp/otlp-receiver.js';
import { otlpProtoTypes } from '../exporter/otlp/otlp-schema.js';
import { parseReceiverLimits } from '../exporter/otlp/receiver-limits.js';

const SPANS_PER_REQUEST = 512;
const DISTINCT_PAYLOADS = 8;
const BLOCK_SECONDS = 1.5;
const ROUNDS = 6;
const WARMUP_SECONDS = 1.5;
const CONCURRENCY = 4;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: value } });
const dbl = (key: string, value: number) => ({ key, value: { doubleValue: value } });

function agentSpan(traceId: Buffer, i: number) {
  const start = BigInt(Date.now()) * 1_000_000n + BigInt(i);
  const kind = ['model_invocation', 'retrieval', 'tool_call'][i % 3]!;
  return {
    traceId,
    spanId: randomBytes(8),
    parentSpanId: randomBytes(8),
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
    links: [{ traceId, spanId: randomBytes(8), attributes: [str('lineage.link.type', 'consumed')] }],
    status: { code: 1 },
  };
}

function encodePayload(): Uint8Array {
  const type = otlpProtoTypes().exportTraceServiceRequest;
  const traceId = randomBytes(16);
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => agentSpan(traceId, i));
  return type
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
    .finish();
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

function postOnce(agent: Agent, port: number, body: Uint8Array): Promise<number> {
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
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Parent: for one V8 configuration, drive the child server and measure acknowledged spans/s. */
async function runConfiguration(extraFlags: string[], payloads: Uint8Array[]) {
  const child = fork(new URL(import.meta.url).pathname, ['--server'], {
    execArgv: [...process.execArgv, ...extraFlags],
  });
  const messages: ChildMessage[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: ChildMessage) => {
    messages.push(m);
    wake?.();
  });
  const next = async (): Promise<ChildMessage> => {
    while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return messages.shift()!;
  };
  child.send({
    type: 'payloads',
    payloads: payloads.map((p) => Buffer.from(p).toString('base64')),
  } satisfies ParentMessage);
  const listening = await next();
  if (listening.type !== 'listening') throw new Error('unexpected message from bench server');

  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let errors = 0;
  const e2eBlock = async (seconds: number) => {
    let acknowledged = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    const worker = async (w: number) => {
      for (let i = w; performance.now() < deadline; i += CONCURRENCY) {
        const status = await postOnce(agent, listening.port, payloads[i % payloads.length]!);
        if (status === 200) acknowledged += SPANS_PER_REQUEST;
        else errors++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    return acknowledged / ((performance.now() - t0) / 1000);
  };
  await e2eBlock(WARMUP_SECONDS);
  const decodeRates: number[] = [];
  const e2eRates: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    child.send({ type: 'decode' } satisfies ParentMessage);
    const decoded = await next();
    if (decoded.type !== 'decoded') throw new Error('unexpected message from bench server');
    const e2e = await e2eBlock(BLOCK_SECONDS);
    decodeRates.push(decoded.spansPerSec);
    e2eRates.push(e2e);
    ratios.push(e2e / decoded.spansPerSec);
  }
  agent.destroy();
  child.send({ type: 'stop' } satisfies ParentMessage);
  const report = await next();
  if (report.type !== 'report') throw new Error('unexpected message from bench server');
  return {
    nodeFlags: extraFlags,
    decodeOnlySpansPerSec: Math.round(median(decodeRates)),
    endToEndSpansPerSec: Math.round(median(e2eRates)),
    ratio: Math.round(median(ratios) * 100) / 100,
    endToEndSpansPerSecRange: [Math.round(Math.min(...e2eRates)), Math.round(Math.max(...e2eRates))],
    decodeOnlySpansPerSecRange: [Math.round(Math.min(...decodeRates)), Math.round(Math.max(...decodeRates))],
    serverRssIdleMb: report.report.rssIdleMb,
    serverRssPeakMb: report.report.rssPeakMb,
    serverRssEndMb: report.report.rssEndMb,
    non200Responses: errors,
  };
}

async function main(): Promise<void> {
  const payloads = Array.from({ length: DISTINCT_PAYLOADS }, encodePayload);
  const runs = [];
  for (const flags of [[], ['--max-semi-space-size=64']]) runs.push(await runConfiguration(flags, payloads));
  const result = {
    benchmark: 'otlp-receiver-http-protobuf',
    node: process.version,
    cpus: (await import('node:os')).availableParallelism(),
    spansPerRequest: SPANS_PER_REQUEST,
    attributesPerSpan: 20,
    requestBytes: Math.round(payloads.reduce((n, p) => n + p.length, 0) / payloads.length),
    concurrency: CONCURRENCY,
    method: `${ROUNDS} alternating ${BLOCK_SECONDS}s blocks per configuration; medians (ratio = median of paired ratios)`,
    ingest: 'trivial async (setImmediate); no durable store',
    runs,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv.includes('--server')) {
  await serverMain();
} else {
  await main();
}
