import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attr,
  encodeTraceRequest,
  grpcExportRaw,
  newRun,
  partialSuccessOf,
  postTraces,
  type RunSpans,
  rpcStatusOf,
} from './otlp-payloads.js';
import {
  createWorkspace,
  killAllServerProcesses,
  type ReliabilityWorkspace,
  type ServerProcess,
  startServerProcess,
} from './server-process.js';
import { type LineageApiClient, lineageApiClient, readStoreTotals } from './store-inspection.js';

const PROTOBUF = 'application/x-protobuf';
const GRPC_INVALID_ARGUMENT = 3;
/** Receiver defaults (exporter/otlp/receiver-limits.ts) the oversized cases must exceed. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

// Strings that mean something to SQL, Cypher, LIKE, JSON and shells; they must be data only.
const SQL_CYPHER = `x'); DROP TABLE nodes; -- MATCH (n) DETACH DELETE n // $p {a:1} \`b\` "q" \\ */ /*`;
const LIKE_MODEL = `gpt-%_' OR '1'='1`;

/** Deterministic bytes (xorshift32), so a failing random-protobuf case can be replayed. */
function pseudoRandomBytes(seed: number, length: number): Buffer {
  let x = seed >>> 0 || 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Replaces an ASCII placeholder inside an encoded request by raw bytes of the same length. */
function patchBytes(body: Uint8Array, placeholder: string, bytes: readonly number[]): Buffer {
  if (Buffer.byteLength(placeholder) !== bytes.length) throw new Error('patch must keep the length');
  const out = Buffer.from(body);
  let at = out.indexOf(placeholder);
  if (at < 0) throw new Error(`placeholder ${placeholder} not in the body`);
  for (; at >= 0; at = out.indexOf(placeholder, at + 1)) out.set(bytes, at);
  return out;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('bad input against the running server', () => {
  let ws: ReliabilityWorkspace;
  let server: ServerProcess;
  let api: LineageApiClient;
  /** Runs that must be in the store at the end, and runs that must not. */
  const stored = new Set<string>();
  const neverStored = new Set<string>();
  /** Runs stored with altered text by the non-UTF-8 bug (reported by its own test, not counted twice). */
  const alteredRuns = new Set<string>();

  beforeAll(async () => {
    ws = await createWorkspace('bad-input');
    server = await startServerProcess({ dataDir: ws.dataDir, authFile: ws.authFile, settleSeconds: 1 });
    api = lineageApiClient(server.apiUrl, ws.token);
  });

  afterAll(async () => {
    await killAllServerProcesses();
    await ws?.remove();
  });

  /** Sends a fresh valid run and checks it is acknowledged in full and readable: the server still serves. */
  async function expectStillServing(): Promise<void> {
    const run = newRun();
    const answer = await postTraces(server.otlpHttpUrl, encodeTraceRequest(run.spans), {
      contentType: PROTOBUF,
    });
    expect(answer.status, server.output()).toBe(200);
    expect(partialSuccessOf(answer)).toEqual({ rejectedSpans: 0 });
    expect((await api.runGraph(run.runId))?.nodes.length).toBeGreaterThan(0);
    stored.add(run.runId);
  }

  /** The run is unknown to the API now, and must stay absent from the store file at the end. */
  async function expectNotStored(run: RunSpans): Promise<void> {
    expect(await api.runGraph(run.runId)).toBeUndefined();
    neverStored.add(run.runId);
  }

  it('refuses truncated protobuf with 400 INVALID_ARGUMENT and stores nothing of it', async () => {
    const run = newRun();
    const body = encodeTraceRequest(run.spans);
    for (const cut of [1, 7, Math.floor(body.byteLength / 2), body.byteLength - 1]) {
      const answer = await postTraces(server.otlpHttpUrl, body.subarray(0, cut), { contentType: PROTOBUF });
      expect(answer.status, `cut at ${cut}`).toBe(400);
      expect(rpcStatusOf(answer).code).toBe(GRPC_INVALID_ARGUMENT);
    }
    const grpcAnswer = await grpcExportRaw(server.otlpGrpcAddress, body.subarray(0, body.byteLength - 1));
    expect(grpcAnswer.code).toBe(GRPC_INVALID_ARGUMENT);
    await expectNotStored(run);
    await expectStillServing();
  });

  it('answers random protobuf with 4xx or an empty success, never a 5xx, and stores nothing', async () => {
    const acceptedBefore = await api.metric('lineage_spans_accepted_total');
    for (let seed = 1; seed <= 40; seed++) {
      const body = pseudoRandomBytes(seed, 1 + ((seed * 977) % 4096));
      const answer = await postTraces(server.otlpHttpUrl, body, { contentType: PROTOBUF });
      // Random bytes can happen to be a valid message of unknown fields only: that is an empty export.
      expect([200, 400], `seed ${seed}: ${answer.body.toString('latin1').slice(0, 200)}`).toContain(
        answer.status,
      );
    }
    for (let seed = 41; seed <= 45; seed++) {
      const answer = await grpcExportRaw(server.otlpGrpcAddress, pseudoRandomBytes(seed, 2048));
      expect([0, GRPC_INVALID_ARGUMENT], `grpc seed ${seed}: ${answer.details}`).toContain(answer.code);
    }
    expect(await api.metric('lineage_spans_accepted_total')).toBe(acceptedBefore);
    await expectStillServing();
  });

  it('refuses wrong content types and encodings with 4xx', async () => {
    const run = newRun();
    const body = encodeTraceRequest(run.spans);
    const cases: { contentType?: string; contentEncoding?: string; body: Uint8Array; status: number }[] = [
      { contentType: 'text/plain', body, status: 415 },
      { body, status: 415 },
      { contentType: 'application/grpc', body, status: 415 },
      { contentType: PROTOBUF, contentEncoding: 'br', body, status: 415 },
      // Declared gzip, sent raw: the gzip header check fails.
      { contentType: PROTOBUF, contentEncoding: 'gzip', body, status: 400 },
      // Protobuf bytes declared as JSON.
      { contentType: 'application/json', body, status: 400 },
    ];
    for (const c of cases) {
      const answer = await postTraces(server.otlpHttpUrl, c.body, {
        ...(c.contentType ? { contentType: c.contentType } : {}),
        ...(c.contentEncoding ? { contentEncoding: c.contentEncoding } : {}),
      });
      expect(answer.status, JSON.stringify({ ...c, body: undefined })).toBe(c.status);
    }
    await expectNotStored(run);
    await expectStillServing();
  });

  it('answers 413 to a body whose declared length is over the limit, every time', async () => {
    // The client sends headers and body at once, like the OTel exporters. The answer must reach
    // it: if the connection is reset first, the exporter sees EPIPE/ECONNRESET, which it retries.
    const big = Buffer.alloc(MAX_REQUEST_BYTES + 1024, 0x0a);
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = await postTraces(server.otlpHttpUrl, big, { contentType: PROTOBUF });
      outcomes.push(answer.status === 0 ? `no answer: ${answer.body.toString()}` : String(answer.status));
    }
    expect(outcomes).toEqual(['413', '413', '413', '413', '413']);
    await expectStillServing();
  });

  it('answers 413 to an oversized chunked body and to a gzip bomb', async () => {
    const run = newRun();
    const big = Buffer.alloc(MAX_REQUEST_BYTES + 1024, 0x0a);
    const chunked = await postTraces(server.otlpHttpUrl, big, { contentType: PROTOBUF, chunked: true });
    expect(chunked.status, chunked.body.toString()).toBe(413);
    // ~80 KB on the wire, 80 MiB inflated: the bound must stop inflation, not memory.
    const bomb = gzipSync(Buffer.alloc(MAX_DECOMPRESSED_BYTES + 16 * 1024 * 1024));
    const answer = await postTraces(server.otlpHttpUrl, bomb, {
      contentType: PROTOBUF,
      contentEncoding: 'gzip',
    });
    expect(answer.status).toBe(413);
    // A valid request wrapped in gzip still works (the bomb did not wedge the decompressor).
    const gz = gzipSync(encodeTraceRequest(run.spans));
    const ok = await postTraces(server.otlpHttpUrl, gz, { contentType: PROTOBUF, contentEncoding: 'gzip' });
    expect(ok.status).toBe(200);
    stored.add(run.runId);
    await expectStillServing();
  });

  it('rejects spans with invalid trace or span ids alone, counted in partial_success', async () => {
    const good = newRun();
    const bad = newRun();
    const [root, chat] = bad.spans as [RunSpans['spans'][0], RunSpans['spans'][0]];
    const spans = [
      ...good.spans,
      { ...root, spanId: Buffer.alloc(8) }, // all-zero span id
      { ...chat, spanId: randomBytes(9) }, // wrong length
      { ...chat, traceId: randomBytes(15), spanId: randomBytes(8) }, // short trace id
      { ...chat, traceId: Buffer.alloc(16), spanId: randomBytes(8) }, // all-zero trace id
    ];
    const answer = await postTraces(server.otlpHttpUrl, encodeTraceRequest(spans), { contentType: PROTOBUF });
    expect(answer.status).toBe(200);
    const partial = partialSuccessOf(answer);
    expect(partial.rejectedSpans).toBe(4);
    expect(partial.errorMessage).toMatch(/invalid_(trace|span)_id/);
    expect((await api.runGraph(good.runId))?.nodes.map((n) => n.spanId).sort()).toEqual(
      expect.arrayContaining(good.spans.map((s) => Buffer.from(s.spanId).toString('hex'))),
    );
    stored.add(good.runId);
    await expectNotStored(bad);

    // OTLP/JSON: ids are strings there, so a path can be smuggled in as an "id".
    const json = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '../../etc/passwd',
                  spanId: 'a\u0000b',
                  name: 'x',
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                },
              ],
            },
          ],
        },
      ],
    };
    const jsonAnswer = await postTraces(server.otlpHttpUrl, Buffer.from(JSON.stringify(json)), {
      contentType: 'application/json',
    });
    expect(jsonAnswer.status).toBe(200);
    const jsonPartial = JSON.parse(jsonAnswer.body.toString('utf8')) as {
      partialSuccess?: { rejectedSpans?: string };
    };
    expect(jsonPartial.partialSuccess?.rejectedSpans).toBe('1');
    await expectStillServing();
  });

  it('refuses a span with 10,000 attributes whole, on HTTP and gRPC', async () => {
    const run = newRun(Array.from({ length: 10_000 }, (_, i) => attr(`custom.attribute.${i}`, `value ${i}`)));
    const body = encodeTraceRequest(run.spans);
    const answer = await postTraces(server.otlpHttpUrl, body, { contentType: PROTOBUF });
    expect(answer.status).toBe(400);
    expect(rpcStatusOf(answer)).toMatchObject({
      code: GRPC_INVALID_ARGUMENT,
      message: expect.stringMatching(/attributes/),
    });
    expect((await grpcExportRaw(server.otlpGrpcAddress, body)).code).toBe(GRPC_INVALID_ARGUMENT);
    await expectNotStored(run);
    await expectStillServing();
  });

  it('stores SQL/Cypher/LIKE metacharacters verbatim and returns them verbatim', async () => {
    const run = newRun(
      [attr('gen_ai.agent.name', SQL_CYPHER), attr('gen_ai.agent.id', SQL_CYPHER)],
      [attr('gen_ai.request.model', LIKE_MODEL)],
    );
    const other = newRun(); // uses a plain model name: a LIKE wildcard must not match it
    for (const r of [run, other]) {
      const answer = await postTraces(server.otlpHttpUrl, encodeTraceRequest(r.spans), {
        contentType: PROTOBUF,
      });
      expect(answer.status).toBe(200);
      expect(partialSuccessOf(answer)).toEqual({ rejectedSpans: 0 });
      stored.add(r.runId);
    }
    const graph = await api.runGraph(run.runId);
    const runNode = graph?.nodes.find((n) => n.kind === 'ExecutionRun');
    expect(runNode?.props.agentName).toBe(SQL_CYPHER);
    expect(runNode?.props.agentId).toBe(SQL_CYPHER);
    const invocation = graph?.nodes.find((n) => n.kind === 'ModelInvocation');
    expect(invocation?.props.requestModel).toBe(LIKE_MODEL);

    const res = await api.get(`/lineage/models/${encodeURIComponent(LIKE_MODEL)}/runs`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { runId: string }[] };
    expect(page.items.map((i) => i.runId)).toEqual([run.runId]);
    await expectStillServing();
  });

  // Same byte length as the replacement, so the protobuf framing stays valid. The bytes: a lone
  // 0xff and 0xfe, a truncated 2-byte sequence, and an encoded UTF-16 surrogate (CESU-8).
  const NOT_UTF8_PLACEHOLDER = 'NOTUTF8@@';
  const NOT_UTF8 = [0x61, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x62];

  it('refuses an OTLP/JSON body that is not valid UTF-8 with 400', async () => {
    const placeholder = NOT_UTF8_PLACEHOLDER;
    const json = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: randomBytes(16).toString('hex'),
                  spanId: randomBytes(8).toString('hex'),
                  name: placeholder,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000001000000000',
                },
              ],
            },
          ],
        },
      ],
    };
    const body = patchBytes(Buffer.from(JSON.stringify(json)), placeholder, NOT_UTF8);
    const answer = await postTraces(server.otlpHttpUrl, body, { contentType: 'application/json' });
    expect(answer.status).toBe(400);
    await expectStillServing();
  });

  it('rejects (or refuses) protobuf strings that are not valid UTF-8 instead of storing altered text', async () => {
    const placeholder = NOT_UTF8_PLACEHOLDER;
    const invalid = NOT_UTF8;
    const run = newRun([attr('gen_ai.agent.name', placeholder)]);
    const body = patchBytes(encodeTraceRequest(run.spans), placeholder, invalid);
    const answer = await postTraces(server.otlpHttpUrl, body, { contentType: PROTOBUF });
    expect(answer.status).toBeLessThan(500);
    if (answer.status === 200) {
      // Accepted only as a counted rejection of the span that carries the bad string; what the
      // store holds otherwise is shown, since a silent U+FFFD substitution is what this guards against.
      const runNode = (await api.runGraph(run.runId))?.nodes.find((n) => n.kind === 'ExecutionRun');
      if (runNode !== undefined) alteredRuns.add(run.runId);
      expect(
        { rejectedSpans: partialSuccessOf(answer).rejectedSpans, storedAgentName: runNode?.props.agentName },
        'invalid UTF-8 was accepted and stored altered',
      ).toEqual({ rejectedSpans: 1, storedAgentName: undefined });
    }
    await expectStillServing();
  });

  it('keeps archive files inside the archive folder for path-traversal and NUL agent ids', async () => {
    const traversal = newRun([attr('gen_ai.agent.id', '../../etc/passwd')]);
    const nul = newRun([
      attr('gen_ai.agent.id', 'evil\u0000/../../x'),
      attr('gen_ai.agent.name', 'agent\u0000name'),
    ]);
    const absolute = newRun([attr('gen_ai.agent.id', '/tmp/agent-lineage-escape')]);
    for (const r of [traversal, nul, absolute]) {
      const answer = await postTraces(server.otlpHttpUrl, encodeTraceRequest(r.spans), {
        contentType: PROTOBUF,
      });
      expect(answer.status).toBe(200);
      expect(partialSuccessOf(answer)).toEqual({ rejectedSpans: 0 });
      stored.add(r.runId);
    }
    // NUL survives storage and the API (JSON escapes it); nothing truncates at it.
    const nulRun = (await api.runGraph(nul.runId))?.nodes.find((n) => n.kind === 'ExecutionRun');
    expect(nulRun?.props.agentId).toBe('evil\u0000/../../x');
    expect(nulRun?.props.agentName).toBe('agent\u0000name');

    // --settle-seconds 1 and a 1 s finaliser tick: bounded wait for the three bundles.
    const archiveDir = join(ws.dataDir, 'archive');
    const keys = new Map<string, string>();
    for (let i = 0; i < 60 && keys.size < 3; i++) {
      for (const r of [traversal, nul, absolute]) {
        const key = (await api.runGraph(r.runId))?.finalisation?.archiveKey;
        if (key !== undefined) keys.set(r.runId, key);
      }
      if (keys.size < 3) await new Promise((done) => setTimeout(done, 500));
    }
    expect(keys.size, server.output()).toBe(3);
    for (const key of keys.values()) {
      const path = resolve(archiveDir, key);
      expect(path.startsWith(archiveDir + sep), key).toBe(true);
      expect(existsSync(path), key).toBe(true);
    }
    // Every file the server wrote is in the data dir, every bundle in the archive folder.
    for (const file of await listFiles(ws.root)) {
      const rel = relative(ws.root, file);
      expect(rel === 'auth.json' || rel.startsWith(`data${sep}`), rel).toBe(true);
      if (file.endsWith('.jsonld')) expect(file.startsWith(archiveDir + sep), rel).toBe(true);
    }
    expect(existsSync(join(ws.root, 'etc'))).toBe(false);
    expect(existsSync('/tmp/agent-lineage-escape')).toBe(false);
    await expectStillServing();
  });

  it('holds exactly the accepted runs in the store file after a clean stop (nothing partial)', async () => {
    expect(await server.stop()).toBe(0);
    const totals = readStoreTotals(join(ws.dataDir, 'lineage.db'));
    expect(totals.duplicateNodeIds).toEqual([]);
    for (const runId of neverStored) expect(totals.runIds).not.toContain(runId);
    const unexpected = totals.runIds.filter((id) => !stored.has(id) && !alteredRuns.has(id));
    expect(unexpected).toEqual([]);
    expect(totals.runIds.filter((id) => stored.has(id)).length).toBe(stored.size);
  });
});
