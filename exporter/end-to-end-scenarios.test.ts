import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureLineage, resetLineageConfig } from '../src/index.js';
import { RunFinaliser } from './finalise/run-finaliser.js';
import { LineageSpanExporter } from './lineage-span-exporter.js';
import type { LineageEdge } from './model/lineage-record.js';
import { IngestPipeline } from './pipeline/ingest-pipeline.js';
import { completeReport } from './ports/graph-store.js';
import { checkProv } from './prov/test-support/run-check-prov.js';
import { FsArchiveStore } from './stores/fs-archive/fs-archive-store.js';
import { openSqliteGraphStore, type SqliteGraphStore } from './stores/sqlite/sqlite-graph-store.js';
import {
  foreignGenAiScenario,
  ragScenario,
  subAgentScenario,
  supersededScenario,
  toolLoopScenario,
} from './test-support/scenario-agents.js';

let dir: string;
let store: SqliteGraphStore;
let archive: FsArchiveStore;
let provider: BasicTracerProvider;
let finaliser: RunFinaliser;
let now = Date.now();
const runs: Record<string, string> = {};

/** True when the edges contain no directed cycle (Kahn's algorithm). */
function isDag(edges: readonly LineageEdge[]): boolean {
  const indegree = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const e of edges) {
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    if (!indegree.has(e.from)) indegree.set(e.from, 0);
    out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  }
  const queue = [...indegree].filter(([, d]) => d === 0).map(([n]) => n);
  let seen = 0;
  while (queue.length > 0) {
    const n = queue.pop()!;
    seen += 1;
    for (const m of out.get(n) ?? []) {
      indegree.set(m, indegree.get(m)! - 1);
      if (indegree.get(m) === 0) queue.push(m);
    }
  }
  return seen === indegree.size;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-e2e-'));
  store = await openSqliteGraphStore({ path: join(dir, 'lineage.db') });
  archive = new FsArchiveStore({ root: join(dir, 'archive') });
  finaliser = new RunFinaliser({ store, archive, settleMs: 1_000, now: () => now });
  const exporter = new LineageSpanExporter({
    pipeline: new IngestPipeline({ store, now: () => now }),
    finaliser,
    onShutdown: async () => {
      await store.close();
      await archive.close();
    },
  });
  provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50 })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  configureLineage({ tracerProvider: provider, pseudonymKey: 'e2e-test-pseudonym-key-0123456789' });

  runs.rag = await ragScenario();
  runs.toolLoop = await toolLoopScenario();
  const sub = await subAgentScenario();
  runs.parent = sub.parent;
  runs.child = sub.child;
  runs.superseded = await supersededScenario();
  runs.foreign = await foreignGenAiScenario();
  await provider.forceFlush();
  now += 5_000; // past the settle window
  await finaliser.tick();
});

afterAll(async () => {
  await provider.shutdown();
  context.disable();
  propagation.disable();
  trace.disable();
  resetLineageConfig();
  await rm(dir, { recursive: true, force: true });
});

describe('end-to-end: SDK spans → LineageSpanExporter → SQLite → PROV-O archive', () => {
  it('finalises every run into exactly one archived bundle', async () => {
    for (const [name, runId] of Object.entries(runs)) {
      const graph = await store.getRun(runId);
      expect(graph?.finalisation, name).toMatchObject({ sequence: 0 });
      const body = await archive.get(graph!.finalisation!.archiveKey);
      expect(JSON.parse(Buffer.from(body).toString('utf8'))['lin:runId'], name).toBe(runId);
    }
    const keys: string[] = [];
    for await (const key of archive.list()) keys.push(key);
    expect(keys).toHaveLength(Object.keys(runs).length);
    expect(keys.filter((k) => /\.\d+\.jsonld$/.test(k))).toEqual([]);
  });

  it.each(['rag', 'toolLoop', 'parent', 'child', 'superseded', 'foreign'])(
    'scenario %s is complete: a FinalOutput, a ModelInvocation, DataSources where retrieval happened, no orphans, a DAG',
    async (name) => {
      const runId = runs[name]!;
      const graph = (await store.getRun(runId))!;
      const kinds = graph.nodes.map((n) => n.kind);
      expect(kinds).toContain('FinalOutput');
      expect(kinds).toContain('ModelInvocation');
      if (graph.spans.some((s) => s.spanType === 'retrieval')) expect(kinds).toContain('DataSource');
      expect(isDag(graph.edges)).toBe(true);
      const report = await store.completeness({ runIds: [runId] });
      expect(report).toMatchObject(completeReport(1));
    },
  );

  it('tool outputs keep the tool version, definition hash and call id recorded on the tool span', async () => {
    const graph = (await store.getRun(runs.toolLoop!))!;
    const tools = graph.nodes.filter((n) => n.kind === 'DataSource' && n.props.sourceKind === 'tool_output');
    expect(tools.length).toBeGreaterThan(0);
    for (const t of tools) {
      expect(t.props).toMatchObject({
        toolName: 'get_rate',
        toolVersion: '2.1.0',
        toolCallId: expect.stringMatching(/^call_/),
      });
      expect(t.props.requestSha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('recomputing every stored record hash matches', () => {
    const report = store.verifyRecordHashes();
    expect(report.nodesChecked).toBeGreaterThan(30);
    expect(report.mismatches).toEqual([]);
  });

  it('backward lineage of the orchestrator output reaches the sub-agent data sources', async () => {
    const parent = (await store.getRun(runs.parent!))!;
    const outputs = parent.nodes.filter((n) => n.kind === 'FinalOutput');
    expect(outputs).toHaveLength(1);
    const back = await store.backwardLineage(outputs[0]!.sha256!);
    const childSources = back.sources
      .filter((s) => s.node.runId === runs.child)
      .map((s) => s.node.props.sourceId);
    expect(new Set(childSources)).toEqual(
      new Set(['kb://loans/limits#1', 'kb://loans/rates#1', 'kb://loans/terms#1']),
    );
  });

  it('foreign GenAI spans get inferred edges, marked inferred, from the retrieval to the chat and an inferred output', async () => {
    const graph = (await store.getRun(runs.foreign!))!;
    const retrieved = graph.edges.filter((e) => e.type === 'RETRIEVED_FROM');
    expect(retrieved).toHaveLength(2);
    expect(retrieved.every((e) => e.inferred)).toBe(true);
    const output = graph.nodes.find((n) => n.kind === 'FinalOutput')!;
    expect(output.inferred).toBe(true);
    const back = await store.backwardLineage(output.sha256!);
    expect(back.sources.map((s) => s.node.props.sourceId).sort()).toEqual([
      'kb://loans/limits#1',
      'kb://loans/rates#1',
    ]);
  });

  it('an independent PROV implementation (rdflib + prov) accepts every bundle and its SPARQL lineage equals the store’s', async () => {
    const files: string[] = [];
    for (const runId of Object.values(runs)) {
      const graph = (await store.getRun(runId))!;
      files.push(join(dir, 'archive', graph.finalisation!.archiveKey));
    }
    const result = await checkProv(files);
    expect(result.errors).toEqual([]);
    expect(result.bundles).toHaveLength(Object.keys(runs).length);
    // Outputs may share bytes, and the API answers per hash: compare per hash.
    const sparqlByHash = new Map<string, Set<string>>();
    for (const entry of Object.values(result.lineage)) {
      const set = sparqlByHash.get(entry.sha256!) ?? new Set<string>();
      for (const s of entry.sources) set.add(s.id);
      sparqlByHash.set(entry.sha256!, set);
    }
    expect(sparqlByHash.size).toBeGreaterThanOrEqual(6);
    for (const [sha256, fromSparql] of sparqlByHash) {
      const back = await store.backwardLineage(sha256);
      expect(fromSparql, sha256).toEqual(new Set(back.sources.map((s) => s.node.id)));
      expect(fromSparql.size, sha256).toBeGreaterThan(0);
    }
  });

  it('late spans of a finalised run go to a numbered supplementary bundle; the main bundle is untouched', async () => {
    const runId = runs.rag!;
    const before = (await store.getRun(runId))!.finalisation!;
    const mainBytes = await readFile(join(dir, 'archive', before.archiveKey));
    const tracer = trace.getTracer('late-instrumentation');
    const graph = (await store.getRun(runId))!;
    const rootSpan = graph.spans.find((s) => s.isRoot)!;
    const parentCtx = trace.setSpanContext(context.active(), {
      traceId: runId,
      spanId: rootSpan.spanId,
      traceFlags: 1,
    });
    tracer
      .startSpan(
        'chat gpt-4o',
        {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"late"}]}]',
          },
        },
        parentCtx,
      )
      .end();
    await provider.forceFlush();
    now += 5_000;
    await finaliser.tick();
    const after = (await store.getRun(runId))!.finalisation!;
    expect(after.sequence).toBe(1);
    expect(after.archiveKey).toMatch(/\.1\.jsonld$/);
    expect(await readFile(join(dir, 'archive', before.archiveKey))).toEqual(mainBytes);
    const supplement = JSON.parse(await readFile(join(dir, 'archive', after.archiveKey), 'utf8'));
    const spanIds = new Set(
      (supplement['@graph'] as { 'lin:spanId'?: string }[]).map((n) => n['lin:spanId']).filter(Boolean),
    );
    expect(spanIds.size).toBe(1);
    expect(spanIds.has(rootSpan.spanId)).toBe(false);
  });
});
