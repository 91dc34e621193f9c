import type { LineageNode, MappedBatch } from '../../exporter/model/lineage-record.js';
import type { ArchiveStore } from '../../exporter/ports/archive-store.js';
import type { GraphStore } from '../../exporter/ports/graph-store.js';
import { buildAgentRun, sha256Hex, traceIdOf } from '../../exporter/stores/test-support/lineage-fixtures.js';
import type { ProvMapper } from '../api/app-deps.js';
import { bundleTimeMs, runStartMs } from '../api/run-time.js';

/** Marker put into every captured-content prop; no non-engineering response may contain it. */
export const CONTENT_MARKER = 'TOPSECRET-CAPTURED';

/** Shared data source id used by runs A, B and C. */
export const SHARED_SOURCE = 'kb:credit-policy-7';

/** The fixture runs and their handles. */
export interface LineageWorld {
  /** loan-agent, 2026-03-01, gpt-4o; output shared with B. */
  readonly runA: string;
  /** loan-agent, 2026-03-05, gpt-4o; same output bytes as A. */
  readonly runB: string;
  /** support-agent, 2026-04-10, claude; its own output. */
  readonly runC: string;
  readonly sharedOutputSha256: string;
  readonly outputCSha256: string;
  readonly gptModel: string;
  readonly claudeModel: string;
}

const T_A = Date.parse('2026-03-01T10:00:00Z');
const T_B = Date.parse('2026-03-05T10:00:00Z');
const T_C = Date.parse('2026-04-10T10:00:00Z');

/** Adds captured content (as the exporter does when capture is on) to sources and outputs. */
function withContent(batch: MappedBatch): MappedBatch {
  const nodes = batch.nodes.map((n): LineageNode => {
    if (n.kind === 'DataSource' || n.kind === 'FinalOutput') {
      return { ...n, props: { ...n.props, content: `${CONTENT_MARKER} ${n.id}` } };
    }
    if (n.kind === 'ModelInvocation') {
      // A foreign dialect's prompt field: must be stripped although it is not called `content`.
      return { ...n, props: { ...n.props, systemPrompt: `${CONTENT_MARKER} system prompt` } };
    }
    return n;
  });
  return { ...batch, nodes };
}

/**
 * Writes three runs into the store and archives each one's PROV-O bundle (what the run
 * finaliser does), so run-id and date-range reports both have data.
 */
export async function buildLineageWorld(
  store: GraphStore,
  archive: ArchiveStore,
  prov: ProvMapper,
): Promise<LineageWorld> {
  const gptModel = 'gpt-4o-2024-08-06';
  const claudeModel = 'claude-3-5-sonnet-20241022';
  const sourceIdFor = (run: string) => (step: number, n: number) =>
    step === 0 && n === 0 ? SHARED_SOURCE : `doc:${run}:${step}:${n}`;
  const a = buildAgentRun({
    traceId: traceIdOf('api-a'),
    startMs: T_A,
    agentName: 'loan-agent',
    model: { request: 'gpt-4o', version: gptModel },
    steps: 2,
    sourcesPerRetrieval: 2,
    sourceId: sourceIdFor('a'),
    outputContent: 'you are approved',
  });
  const b = buildAgentRun({
    traceId: traceIdOf('api-b'),
    startMs: T_B,
    agentName: 'loan-agent',
    model: { request: 'gpt-4o', version: gptModel },
    steps: 2,
    sourcesPerRetrieval: 2,
    sourceId: sourceIdFor('b'),
    outputContent: 'you are approved',
  });
  const c = buildAgentRun({
    traceId: traceIdOf('api-c'),
    startMs: T_C,
    agentName: 'support-agent',
    model: { request: 'claude-3-5-sonnet', version: claudeModel },
    steps: 1,
    sourcesPerRetrieval: 2,
    sourceId: sourceIdFor('c'),
    outputContent: 'ticket closed',
  });
  for (const run of [a, b, c]) {
    await store.writeBatch(withContent(run.batch), T_C + 86_400_000);
    const graph = await store.getRun(run.runId);
    if (!graph) throw new Error(`fixture run ${run.runId} was not stored`);
    const runNode = graph.nodes.find((n) => n.kind === 'ExecutionRun');
    const body = prov.serialiseBundle(
      prov.runGraphToProvBundle(graph, {
        includeContent: false,
        sequence: 0,
        generatedAtMs: bundleTimeMs(graph),
      }),
    );
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const location = await archive.put({
      runId: run.runId,
      agentId: String(runNode?.props.agentName ?? 'agent'),
      runStartMs: runStartMs(graph) ?? 0,
      sequence: 0,
      body: bytes,
    });
    await store.markFinalised(run.runId, {
      finalisedAtMs: T_C + 86_400_000,
      sequence: 0,
      archiveKey: location.key,
      bundleSha256: location.sha256,
    });
  }
  return {
    runA: a.runId,
    runB: b.runId,
    runC: c.runId,
    sharedOutputSha256: sha256Hex('you are approved'),
    outputCSha256: sha256Hex('ticket closed'),
    gptModel,
    claudeModel,
  };
}
