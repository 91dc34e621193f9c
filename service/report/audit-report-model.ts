import type { LineageNode, PropValue } from '../../exporter/model/lineage-record.js';
import type { CompletenessReport, RunGraph } from '../../exporter/ports/graph-store.js';
import type { RunIntegrity } from '../api/app-deps.js';
import { runStartMs } from '../api/run-time.js';

/** One run row of the report. */
export interface ReportRun {
  readonly runId: string;
  readonly agentName: string;
  readonly agentVersion: string;
  readonly environment: string;
  readonly startMs: number | undefined;
  readonly status: string;
  /** `sequence n at <time>` once archived, else `not finalised`. */
  readonly finalised: string;
  readonly nodes: number;
  readonly edges: number;
  readonly danglingLinks: number;
}

/** An agent name + version and how many runs it made. */
export interface ReportAgent {
  readonly name: string;
  readonly version: string;
  readonly runs: number;
}

/** A model version and how often it was invoked. */
export interface ReportModel {
  readonly provider: string;
  readonly requestModel: string;
  readonly version: string;
  /** `no` when the SDK flagged an alias-looking name (lineage.model.pinned=false). */
  readonly pinned: string;
  readonly invocations: number;
  readonly runs: number;
}

/** A data source consulted by the runs (one row per source id and content hash). */
export interface ReportDataSource {
  readonly sourceId: string;
  readonly kind: string;
  readonly uri: string;
  readonly indexVersion: string;
  readonly sha256: string;
  readonly runs: number;
}

/** Everything the human-readable pages show; built by a pure function from redacted graphs. */
export interface AuditReportModel {
  readonly generatedAtMs: number;
  readonly requestedBy: { readonly keyId: string; readonly role: string };
  /** How the runs were chosen, in words. */
  readonly selection: string;
  readonly contentIncluded: boolean;
  readonly runs: readonly ReportRun[];
  readonly agents: readonly ReportAgent[];
  readonly models: readonly ReportModel[];
  readonly dataSources: readonly ReportDataSource[];
  readonly completeness: CompletenessReport;
  readonly integrity: readonly RunIntegrity[];
  /** Archived runs (or unresolvable archive keys) the hot store does not hold; listed, not reported on. */
  readonly notInHotStore: readonly string[];
  /** Name of the embedded JSON-LD file. */
  readonly attachmentName: string;
}

// Accumulators while summarising: the run sets become counts at the end.
type ModelAcc = Omit<ReportModel, 'runs' | 'invocations'> & { invocations: number; runSet: Set<string> };
type SourceAcc = Omit<ReportDataSource, 'runs'> & { runSet: Set<string> };

/** Inputs of `buildAuditReportModel`. */
export interface AuditReportInput {
  readonly graphs: readonly RunGraph[];
  readonly completeness: CompletenessReport;
  readonly integrity: readonly RunIntegrity[];
  readonly generatedAtMs: number;
  readonly requestedBy: { readonly keyId: string; readonly role: string };
  readonly selection: string;
  readonly contentIncluded: boolean;
  readonly notInHotStore: readonly string[];
  readonly attachmentName: string;
}

/** Summarises run graphs into report tables. Pure; never reads captured content. */
export function buildAuditReportModel(input: AuditReportInput): AuditReportModel {
  const agents = new Map<string, { name: string; version: string; runs: Set<string> }>();
  const models = new Map<string, ModelAcc>();
  const sources = new Map<string, SourceAcc>();
  const runs: ReportRun[] = [];

  for (const g of input.graphs) {
    const run = g.nodes.find((n) => n.kind === 'ExecutionRun');
    const agentName = text(run?.props.agentName);
    const agentVersion = text(run?.props.agentVersion);
    runs.push({
      runId: g.runId,
      agentName,
      agentVersion,
      environment: text(run?.props.environment),
      startMs: runStartMs(g),
      status: text(run?.props.statusCode),
      finalised: g.finalisation
        ? `sequence ${g.finalisation.sequence} at ${iso(g.finalisation.finalisedAtMs)}`
        : 'not finalised',
      nodes: g.nodes.length,
      edges: g.edges.length,
      danglingLinks: g.danglingLinks,
    });
    const agentKey = `${agentName}\u0000${agentVersion}`;
    const agent = agents.get(agentKey) ?? { name: agentName, version: agentVersion, runs: new Set<string>() };
    agent.runs.add(g.runId);
    agents.set(agentKey, agent);

    for (const n of g.nodes) {
      if (n.kind === 'ModelInvocation') addModel(models, n, g.runId);
      if (n.kind === 'DataSource') addSource(sources, n, g.runId);
    }
  }

  return {
    generatedAtMs: input.generatedAtMs,
    requestedBy: input.requestedBy,
    selection: input.selection,
    contentIncluded: input.contentIncluded,
    runs,
    agents: [...agents.values()]
      .map((a) => ({ name: a.name, version: a.version, runs: a.runs.size }))
      .sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version)),
    models: [...models.values()]
      .map(({ runSet, ...m }) => ({ ...m, runs: runSet.size }))
      .sort((a, b) => cmp(a.provider, b.provider) || cmp(a.version, b.version)),
    dataSources: [...sources.values()]
      .map(({ runSet, ...s }) => ({ ...s, runs: runSet.size }))
      .sort((a, b) => cmp(a.sourceId, b.sourceId) || cmp(a.sha256, b.sha256)),
    completeness: input.completeness,
    integrity: input.integrity,
    notInHotStore: input.notInHotStore,
    attachmentName: input.attachmentName,
  };
}

function addModel(models: Map<string, ModelAcc>, n: LineageNode, runId: string): void {
  const provider = text(n.props.provider);
  const requestModel = text(n.props.requestModel);
  const version = text(n.props.modelVersion ?? n.props.responseModel ?? n.props.requestModel);
  const pinned = n.props.pinned === false ? 'no' : n.props.pinned === true ? 'yes' : '-';
  const key = [provider, requestModel, version, pinned].join('\u0000');
  const m = models.get(key) ?? {
    provider,
    requestModel,
    version,
    pinned,
    invocations: 0,
    runSet: new Set<string>(),
  };
  m.invocations += 1;
  m.runSet.add(runId);
  models.set(key, m);
}

function addSource(sources: Map<string, SourceAcc>, n: LineageNode, runId: string): void {
  const sourceId = text(n.props.sourceId);
  const sha256 = n.sha256 ?? '-';
  const key = `${sourceId}\u0000${sha256}`;
  const s = sources.get(key) ?? {
    sourceId,
    kind: text(n.props.sourceKind),
    uri: text(n.props.uri),
    indexVersion: text(n.props.indexVersion),
    sha256,
    runSet: new Set<string>(),
  };
  s.runSet.add(runId);
  sources.set(key, s);
}

/** A property as display text; `-` when absent. */
function text(v: PropValue | undefined): string {
  if (v === undefined || v === null || v === '') return '-';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '-';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
