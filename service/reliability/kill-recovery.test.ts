import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpGrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { recordAgentRuns, referenceShape } from './agent-spans.js';
import {
  createWorkspace,
  freeServerPorts,
  killAllServerProcesses,
  type ReliabilityWorkspace,
  type ServerProcess,
  startServerProcess,
} from './server-process.js';
import { lineageApiClient, readRunGraphs, readStoreTotals } from './store-inspection.js';

const RUNS = 50;
const SPANS_PER_RUN = 20;
const SPANS_PER_BATCH = 50;
const CLIENTS = 3;
/** Acknowledged batches before the kill: early enough that most of the stream comes after it. */
const KILL_AFTER_ACKS = 6;
/** Attempts per resent batch (500 ms apart). */
const RESEND_ATTEMPTS = 40;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The two official exporters that speak protobuf; each gets its own server and data dir. */
const EXPORTERS: readonly { name: string; tag: string; create: (server: ServerProcess) => SpanExporter }[] = [
  {
    name: 'OTLP/HTTP protobuf (@opentelemetry/exporter-trace-otlp-proto)',
    tag: 'http',
    create: (server) =>
      new OtlpProtoTraceExporter({ url: `${server.otlpHttpUrl}/v1/traces`, timeoutMillis: 30_000 }),
  },
  {
    name: 'OTLP/gRPC (@opentelemetry/exporter-trace-otlp-grpc)',
    tag: 'grpc',
    create: (server) =>
      new OtlpGrpcTraceExporter({ url: `http://${server.otlpGrpcAddress}`, timeoutMillis: 30_000 }),
  },
];

describe.each(EXPORTERS)('kill -9 while $name streams spans', ({ tag, create }) => {
  let workspace: ReliabilityWorkspace | undefined;

  afterAll(async () => {
    await killAllServerProcesses();
    await workspace?.remove();
  });

  it('keeps every acknowledged span, exactly once, after restart and client resend', async () => {
    workspace = await createWorkspace(`kill9-${tag}`);
    const ws = workspace;
    const ports = await freeServerPorts();
    const start = () =>
      startServerProcess({ dataDir: ws.dataDir, authFile: ws.authFile, ports, settleSeconds: 2 });
    const recorded = recordAgentRuns(RUNS, SPANS_PER_RUN);
    const batches = chunk(recorded.spans, SPANS_PER_BATCH);
    const first = await start();

    // The official exporter with its own retry; its deadline outlasts a restart (~1-3 s here).
    const exporter = create(first);
    const exportBatch = (spans: readonly ReadableSpan[]) =>
      new Promise<ExportResult>((done) => exporter.export([...spans], done));

    const acknowledged = new Set<number>();
    const notAcknowledged = new Set<number>();
    let inFlight = 0;
    let inFlightAtKill = -1;
    let restarted: Promise<ServerProcess> | undefined;
    let next = 0;
    const client = async () => {
      while (next < batches.length) {
        const index = next++;
        inFlight++;
        const result = await exportBatch(batches[index]!);
        inFlight--;
        (result.code === ExportResultCode.SUCCESS ? acknowledged : notAcknowledged).add(index);
        if (acknowledged.size === KILL_AFTER_ACKS && restarted === undefined) {
          inFlightAtKill = inFlight;
          // No shutdown code runs: whatever was not committed is simply lost, and must not have been acked.
          restarted = first.kill9().then(start);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    expect(restarted, 'the server was killed mid-stream').toBeDefined();
    expect(inFlightAtKill).toBeGreaterThan(0);
    const second = await restarted!;

    // Before anything is resent: every span acknowledged (before or after the kill) is readable.
    const api = lineageApiClient(second.apiUrl, ws.token);
    const missing: string[] = [];
    for (const index of acknowledged) {
      for (const span of batches[index]!) {
        const { traceId, spanId } = span.spanContext();
        const graph = await api.runGraph(traceId);
        if (!graph?.nodes.some((n) => n.spanId === spanId)) missing.push(`${traceId}/${spanId}`);
      }
    }
    expect(missing, 'acknowledged spans missing after kill -9').toEqual([]);

    // The client resends what was not acknowledged, and re-delivers one acknowledged batch
    // (a Collector's persistent queue may do that after its own crash).
    // Like a Collector's sending queue, keep a failed batch and try again (bounded): the gRPC
    // channel may still be in its reconnect back-off right after the restart.
    const resend = [...notAcknowledged, [...acknowledged][0]!];
    for (const index of resend) {
      let result: ExportResult = { code: ExportResultCode.FAILED };
      for (
        let attempt = 0;
        attempt < RESEND_ATTEMPTS && result.code !== ExportResultCode.SUCCESS;
        attempt++
      ) {
        if (attempt > 0) await new Promise((done) => setTimeout(done, 500));
        result = await exportBatch(batches[index]!);
      }
      expect(result.code, `resend of batch ${index}: ${String(result.error)}`).toBe(ExportResultCode.SUCCESS);
    }
    await exporter.shutdown();
    expect(await second.stop()).toBe(0);

    const database = join(ws.dataDir, 'lineage.db');
    const totals = readStoreTotals(database);
    expect(totals.duplicateNodeIds).toEqual([]);
    expect(totals.runIds).toEqual([...recorded.runs.keys()].sort());
    expect(totals.spans).toBe(RUNS * SPANS_PER_RUN);

    const expected = await referenceShape(recorded.runs.values().next().value!);
    expect(expected.spans).toBe(SPANS_PER_RUN);
    const graphs = await readRunGraphs(database, recorded.runs.keys());
    for (const [runId, spans] of recorded.runs) {
      const graph = graphs.get(runId);
      expect(graph, runId).toBeDefined();
      expect(graph!.spans.map((s) => s.spanId).sort()).toEqual(
        spans.map((s) => s.spanContext().spanId).sort(),
      );
      expect({ nodes: graph!.nodes.length, edges: graph!.edges.length, spans: graph!.spans.length }).toEqual(
        expected,
      );
      expect(new Set(graph!.nodes.map((n) => n.id)).size).toBe(graph!.nodes.length);
      expect(new Set(graph!.edges.map((e) => e.id)).size).toBe(graph!.edges.length);
    }
    expect(totals.nodes).toBe(RUNS * expected.nodes);
  }, 120_000);
});
