/**
 * The two ways a foreign app's spans (and log records) reach agent-lineage, behind one
 * interface so every interoperability test asserts the same things on both:
 * - in-process: `LineageSpanExporter` under the app's own tracer provider and
 *   `LineageLogRecordExporter` under its logger provider, real SQLite store (`:memory:`),
 *   run finaliser with a filesystem archive;
 * - receiver: the official `@opentelemetry/exporter-trace-otlp-proto` posting to
 *   `startServer`'s OTLP/HTTP port (logs through `@opentelemetry/exporter-logs-otlp-proto` to
 *   `/v1/logs`), read back through the Lineage API with an engineering key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { addKeyToFile } from '../../../service/cli/create-key.js';
import { serveConfigSchema } from '../../../service/cli/serve-config.js';
import { startServer } from '../../../service/server/start-server.js';
import { RunFinaliser } from '../../finalise/run-finaliser.js';
import { LineageLogRecordExporter } from '../../lineage-log-record-exporter.js';
import { LineageSpanExporter } from '../../lineage-span-exporter.js';
import type { LineageEdge, LineageNode } from '../../model/lineage-record.js';
import { IngestPipeline } from '../../pipeline/ingest-pipeline.js';
import type { CompletenessReport, SourceHit } from '../../ports/graph-store.js';
import { FsArchiveStore } from '../../stores/fs-archive/fs-archive-store.js';
import { openSqliteGraphStore } from '../../stores/sqlite/sqlite-graph-store.js';
import { type LogExportStatus, type OtlpLogSender, startOtlpLogSender } from './otlp-log-sender.js';

/** Which path the spans took. */
export type LineagePathName = 'in-process' | 'receiver';

/** A run's graph as both paths return it. */
export interface RunGraphReadout {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  readonly danglingLinks: number;
  readonly finalised: boolean;
}

/** Backward lineage of an output hash as both paths return it. */
export interface OutputSourcesReadout {
  readonly outputs: readonly LineageNode[];
  readonly sources: readonly SourceHit[];
}

/** A started lineage path with a fresh tracer provider the foreign instrumentation exports to. */
export interface LineagePath {
  readonly name: LineagePathName;
  readonly provider: BasicTracerProvider;
  /** Every span the provider ended, for diagnostics and for asserting on what the instrumentation emitted. */
  readonly recorded: InMemorySpanExporter;
  /** The app's logger provider: its records reach the path (in-process exporter, or POST /v1/logs). */
  readonly loggerProvider: LoggerProvider;
  /** How every logs export to `/v1/logs` ended (receiver path only; see LogExportStatus). */
  readonly logStatuses?: readonly LogExportStatus[];
  /** The receiver's OTLP/HTTP base URL (receiver path only), e.g. for posting OTLP logs. */
  readonly otlpHttpUrl?: string;
  /** Flushes logs, then spans, and finalises every ended run now (settle window 0). */
  finalise(): Promise<void>;
  /** The run's graph, or undefined when the run is unknown. */
  runGraph(runId: string): Promise<RunGraphReadout | undefined>;
  /** Every DataSource behind outputs with this hash (empty when no such output). */
  outputSources(outputSha256: string): Promise<OutputSourcesReadout>;
  /** The store's completeness report (the receiver path has no completeness endpoint). */
  completeness?(runId: string): Promise<CompletenessReport>;
  /** Shuts the provider down and closes stores and servers. */
  close(): Promise<void>;
}

/** In-process: the app's provider exports straight into LineageSpanExporter. */
export async function startInProcessPath(): Promise<LineagePath> {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-interop-'));
  const store = await openSqliteGraphStore({ path: ':memory:' });
  const archive = new FsArchiveStore({ root: join(dir, 'archive') });
  const finaliser = new RunFinaliser({ store, archive, settleMs: 0 });
  const pipeline = new IngestPipeline({ store });
  const exporter = new LineageSpanExporter({ pipeline, finaliser });
  const loggerProvider = new LoggerProvider({
    // Batching, as LineageLogRecordExporter documents: SimpleLogRecordProcessor.forceFlush does not
    // wait for exports in flight, so finalise() could run before the content events are durable.
    processors: [new BatchLogRecordProcessor({ exporter: new LineageLogRecordExporter({ pipeline }) })],
  });
  const recorded = new InMemorySpanExporter();
  // SimpleSpanProcessor: each span is durable when forceFlush returns, no batching timer to wait for.
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(recorded)],
  });
  return {
    name: 'in-process',
    provider,
    recorded,
    loggerProvider,
    async finalise() {
      await loggerProvider.forceFlush();
      await provider.forceFlush();
      await finaliser.tick(0);
    },
    async runGraph(runId) {
      const graph = await store.getRun(runId);
      return graph === undefined
        ? undefined
        : {
            nodes: graph.nodes,
            edges: graph.edges,
            danglingLinks: graph.danglingLinks,
            finalised: graph.finalisation !== undefined,
          };
    },
    async outputSources(outputSha256) {
      const back = await store.backwardLineage(outputSha256);
      return { outputs: back.outputs, sources: back.sources };
    },
    completeness: (runId) => store.completeness({ runIds: [runId] }),
    async close() {
      await loggerProvider.shutdown();
      await provider.shutdown();
      await store.close();
      await archive.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface ApiRunGraph {
  readonly nodes: LineageNode[];
  readonly edges: LineageEdge[];
  readonly danglingLinks: number;
  readonly finalisation?: unknown;
}

/** Receiver: OTLP/HTTP protobuf to `agent-lineage serve` (in this process), queried over the Lineage API. */
export async function startReceiverPath(): Promise<LineagePath> {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-interop-served-'));
  const authFile = join(dir, 'auth.json');
  const token = addKeyToFile(authFile, { id: 'interop-engineering', role: 'engineering' });
  const server = await startServer(
    serveConfigSchema.parse({
      dataDir: join(dir, 'data'),
      authFile,
      host: '127.0.0.1',
      otlpGrpcPort: 0,
      otlpHttpPort: 0,
      apiPort: 0,
      settleSeconds: 0,
    }),
  );
  const sender: OtlpLogSender = startOtlpLogSender(server.otlpHttpUrl);
  const recorded = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${server.otlpHttpUrl}/v1/traces` })),
      new SimpleSpanProcessor(recorded),
    ],
  });
  const get = async (path: string): Promise<Response> =>
    fetch(`${server.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    name: 'receiver',
    provider,
    recorded,
    loggerProvider: sender.loggerProvider,
    logStatuses: sender.statuses,
    otlpHttpUrl: server.otlpHttpUrl,
    async finalise() {
      // forceFlush resolves after the receiver acknowledged, i.e. after the batch is committed.
      await sender.loggerProvider.forceFlush();
      await provider.forceFlush();
      await server.finaliseNow(0);
    },
    async runGraph(runId) {
      const res = await get(`/lineage/runs/${runId}?format=graph`);
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`GET run ${runId} → ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as ApiRunGraph;
      return {
        nodes: body.nodes,
        edges: body.edges,
        danglingLinks: body.danglingLinks,
        finalised: body.finalisation !== undefined,
      };
    },
    async outputSources(outputSha256) {
      const res = await get(`/lineage/outputs/${outputSha256}/sources`);
      if (res.status === 404) return { outputs: [], sources: [] };
      if (!res.ok) throw new Error(`GET sources of ${outputSha256} → ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { outputs: LineageNode[]; sources: SourceHit[] };
      return { outputs: body.outputs, sources: body.sources };
    },
    async close() {
      await sender.loggerProvider.shutdown();
      await provider.shutdown();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a path by name. */
export function startLineagePath(name: LineagePathName): Promise<LineagePath> {
  return name === 'in-process' ? startInProcessPath() : startReceiverPath();
}

/**
 * Prints what the instrumentation emitted (name, parent, attributes) when INTEROP_DUMP is
 * set: when a dialect changes upstream, this is the first thing to look at.
 */
export function dumpSpans(label: string, spans: readonly ReadableSpan[]): void {
  if (!process.env.INTEROP_DUMP) return;
  const lines = spans.map((s) => {
    const attrs = Object.entries(s.attributes)
      .map(
        ([k, v]) =>
          `    ${k} = ${JSON.stringify(v)?.slice(0, process.env.INTEROP_DUMP === 'full' ? undefined : 200)}`,
      )
      .join('\n');
    const events = s.events.map(
      (e) => `    [event] ${e.name} ${JSON.stringify(e.attributes ?? {}).slice(0, 200)}`,
    );
    return `  ${s.name} span=${s.spanContext().spanId} parent=${s.parentSpanContext?.spanId ?? '-'} scope=${s.instrumentationScope.name}\n${attrs}${events.length > 0 ? `\n${events.join('\n')}` : ''}`;
  });
  console.log(`--- ${label}: ${spans.length} spans\n${lines.join('\n')}`);
}
