import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  attr,
  encodeTraceRequest,
  grpcExportRaw,
  type HttpAnswer,
  partialSuccessOf,
  postTraces,
  type SpanInput,
} from './otlp-payloads.js';
import {
  createWorkspace,
  killAllServerProcesses,
  type ReliabilityWorkspace,
  startServerProcess,
} from './server-process.js';
import { lineageApiClient, readRunGraphs } from './store-inspection.js';

/** Large enough that decoding and committing it takes far longer than the signal's delivery. */
const SPANS_PER_BATCH = 12_000;

/** One run with a root span and `count - 1` chat spans, all in one request. */
function bigRun(count: number): { runId: string; spans: SpanInput[] } {
  const traceId = randomBytes(16);
  const rootId = randomBytes(8);
  const spans: SpanInput[] = [
    {
      traceId,
      spanId: rootId,
      name: 'invoke_agent bulk-agent',
      attributes: [attr('gen_ai.operation.name', 'invoke_agent'), attr('lineage.span.type', 'run')],
    },
  ];
  for (let i = 1; i < count; i++) {
    spans.push({
      traceId,
      spanId: randomBytes(8),
      parentSpanId: rootId,
      name: 'chat gpt-4o-2024-08-06',
      attributes: [
        attr('gen_ai.operation.name', 'chat'),
        attr('gen_ai.request.model', 'gpt-4o-2024-08-06'),
        attr('lineage.span.type', 'model_invocation'),
        attr('lineage.output.sha256', randomBytes(32).toString('hex')),
      ],
    });
  }
  return { runId: traceId.toString('hex'), spans };
}

describe('graceful shutdown on SIGTERM', () => {
  let workspace: ReliabilityWorkspace | undefined;

  afterAll(async () => {
    await killAllServerProcesses();
    await workspace?.remove();
  });

  it('answers the in-flight HTTP and gRPC batches, commits them, and exits 0', async () => {
    workspace = await createWorkspace('sigterm');
    const ws = workspace;
    const server = await startServerProcess({ dataDir: ws.dataDir, authFile: ws.authFile });
    const viaHttp = bigRun(SPANS_PER_BATCH);
    const viaGrpc = bigRun(SPANS_PER_BATCH);

    let sigtermSent = false;
    const order: string[] = [];
    const http = postTraces(server.otlpHttpUrl, encodeTraceRequest(viaHttp.spans), {
      contentType: 'application/x-protobuf',
    }).then((answer: HttpAnswer) => {
      order.push(sigtermSent ? 'http answered after SIGTERM' : 'http answered before SIGTERM');
      return answer;
    });
    const grpc = grpcExportRaw(server.otlpGrpcAddress, encodeTraceRequest(viaGrpc.spans)).then((answer) => {
      order.push(sigtermSent ? 'grpc answered after SIGTERM' : 'grpc answered before SIGTERM');
      return answer;
    });
    // Let both requests reach the server (a few ms on loopback), then signal while they are processed.
    await new Promise((done) => setTimeout(done, 150));
    sigtermSent = true;
    const exitCode = server.stop(30_000);

    const [httpAnswer, grpcAnswer] = await Promise.all([http, grpc]);
    expect(httpAnswer.status, httpAnswer.body.toString()).toBe(200);
    expect(partialSuccessOf(httpAnswer)).toEqual({ rejectedSpans: 0 });
    expect(grpcAnswer).toEqual({ code: 0, details: '' });
    expect(await exitCode, server.output()).toBe(0);
    expect(server.output()).toContain('SIGTERM received');
    // At least one batch was still being processed when the signal came (else nothing was tested).
    expect(
      order.some((o) => o.includes('after SIGTERM')),
      order.join(', '),
    ).toBe(true);

    const graphs = await readRunGraphs(join(ws.dataDir, 'lineage.db'), [viaHttp.runId, viaGrpc.runId]);
    for (const run of [viaHttp, viaGrpc]) {
      expect(graphs.get(run.runId)?.spans.length, run.runId).toBe(SPANS_PER_BATCH);
    }

    // A restarted server serves both runs from the same data dir.
    const again = await startServerProcess({ dataDir: ws.dataDir, authFile: ws.authFile });
    const api = lineageApiClient(again.apiUrl, ws.token);
    for (const run of [viaHttp, viaGrpc]) {
      expect((await api.runGraph(run.runId))?.nodes.length ?? 0).toBeGreaterThanOrEqual(SPANS_PER_BATCH);
    }
    expect(await again.stop()).toBe(0);
  }, 90_000);
});
