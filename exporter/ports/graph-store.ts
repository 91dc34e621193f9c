import type { ContentEvent } from '../logs/content-event.js';
import type { LineageEdge, LineageNode, MappedBatch, SpanRecord } from '../model/lineage-record.js';

/** A page of results with an opaque cursor for the next page (absent on the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/** One run's full graph. */
export interface RunGraph {
  readonly runId: string;
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  readonly spans: readonly SpanRecord[];
  /** Link intents whose target span has not arrived. */
  readonly danglingLinks: number;
  readonly finalisation?: RunFinalisation;
}

/** Where and when a run was archived. */
export interface RunFinalisation {
  readonly finalisedAtMs: number;
  /** 0 for the main bundle; 1, 2, … for supplementary bundles of late spans. */
  readonly sequence: number;
  readonly archiveKey: string;
  readonly bundleSha256: string;
}

/** One DataSource reached by backward lineage, with the path length from the output. */
export interface SourceHit {
  readonly node: LineageNode;
  /** Edges walked from the output (1 = directly contributed). */
  readonly depth: number;
  /** Run of the output the walk started from (differs from node.runId through sub-agents). */
  readonly viaRunId: string;
}

/** Backward lineage result for an output hash (several FinalOutputs may share bytes). */
export interface BackwardLineage {
  readonly outputs: readonly LineageNode[];
  readonly sources: readonly SourceHit[];
  /** True when maxDepth cut the walk short somewhere. */
  readonly truncated: boolean;
}

/** A FinalOutput reached by forward lineage from a data source id. */
export interface OutputHit {
  readonly outputId: string;
  readonly outputSha256: string;
  readonly runId: string;
  readonly timeMs: number;
}

/** A run that used a model. */
export interface RunHit {
  readonly runId: string;
  readonly agentName?: string;
  readonly startTimeMs: number;
  readonly modelVersions: readonly string[];
}

/** Completeness findings, counts plus up to `sampleLimit` example ids each. */
export interface CompletenessReport {
  readonly runs: number;
  readonly runsWithoutFinalOutput: readonly string[];
  readonly runsWithoutModelInvocation: readonly string[];
  readonly retrievalsWithoutDataSource: readonly string[];
  readonly orphanNodes: readonly string[];
  readonly danglingLinks: readonly string[];
  readonly cycles: readonly string[];
}

/** A completeness report without findings: what a complete selection of `runs` runs yields. */
export function completeReport(runs: number): CompletenessReport {
  return {
    runs,
    runsWithoutFinalOutput: [],
    runsWithoutModelInvocation: [],
    retrievalsWithoutDataSource: [],
    orphanNodes: [],
    danglingLinks: [],
    cycles: [],
  };
}

/** Result of writing one batch. */
export interface WriteResult {
  readonly nodesWritten: number;
  readonly edgesWritten: number;
  /** Runs touched by the batch (finalisation candidates). */
  readonly runIds: readonly string[];
  /** Runs that were already finalised and received new spans (need a supplementary bundle). */
  readonly lateRunIds: readonly string[];
}

/**
 * The hot tier. Adapters: SQLite (embedded default), Neo4j. Every adapter passes the
 * contract suite in exporter/stores/graph-store-contract.ts.
 */
export interface GraphStore {
  /** Idempotent upsert of one mapped batch in one transaction; durable when the promise resolves. */
  writeBatch(batch: MappedBatch, nowMs: number): Promise<WriteResult>;
  /** The run's nodes and edges, or undefined for an unknown run. */
  getRun(runId: string): Promise<RunGraph | undefined>;
  /** Every DataSource behind FinalOutputs with this content hash, through artifacts and sub-agent runs. */
  backwardLineage(outputSha256: string, options?: { maxDepth?: number }): Promise<BackwardLineage>;
  /** Every FinalOutput a data source id (lineage.datasource.id) contributed to, newest first. */
  forwardLineage(sourceId: string, options?: { cursor?: string; limit?: number }): Promise<Page<OutputHit>>;
  /** Runs that used a model id (request, response model or exact version), newest first. */
  runsByModel(
    modelId: string,
    options?: { fromMs?: number; toMs?: number; cursor?: string; limit?: number },
  ): Promise<Page<RunHit>>;
  /** Completeness metrics over all runs or the given ones. */
  completeness(options?: { runIds?: readonly string[]; sampleLimit?: number }): Promise<CompletenessReport>;
  /** Runs whose root span ended and that received nothing for settleMs, not yet finalised at their latest sequence. */
  runsToFinalise(nowMs: number, settleMs: number, limit: number): Promise<readonly string[]>;
  /** Records that a run (or its supplementary bundle) was archived; lineage closure may be materialised here. */
  markFinalised(runId: string, finalisation: RunFinalisation): Promise<void>;
  /**
   * {@link markFinalised} for several runs, in order, all or nothing: the finaliser records
   * a tick's archived runs together, so a store can make them durable in one commit.
   */
  markFinalisedMany(
    entries: readonly { readonly runId: string; readonly finalisation: RunFinalisation }[],
  ): Promise<void>;
  /**
   * Durably keeps GenAI content events (from OTLP log records) until their run is finalised;
   * idempotent by (run, span, key). An event for a run that is already finalised is not kept
   * (its bundle is sealed) and is returned in `late`. Content arriving for a known run counts
   * as arrival: its settle window starts again.
   */
  writeContentEvents(events: readonly ContentEvent[], nowMs: number): Promise<ContentWriteResult>;
  /**
   * Deletes content events received before `receivedBeforeMs` whose run will not merge them:
   * the run is not in the store (its spans were dropped upstream), went quiet before that time
   * without being finalised (its root span never ended), or is finalised. Returns how many.
   */
  pruneContentEvents(receivedBeforeMs: number): Promise<number>;
  /** The content events held for a run, ordered by span, time, then arrival. */
  contentEvents(runId: string): Promise<readonly ContentEvent[]>;
  /**
   * Replaces ModelInvocation nodes and span records of a run that is not finalised yet with
   * amended versions (same ids; see logs/amend-with-content.ts) and drops the run's content
   * events, in one transaction. From then on the run takes no more content (it is late). Rejects, changing nothing, when the run is finalised or a
   * record does not exist.
   */
  replaceWithContent(
    runId: string,
    records: { readonly nodes: readonly LineageNode[]; readonly spans: readonly SpanRecord[] },
  ): Promise<void>;
  /** Closes the store; further calls reject. */
  close(): Promise<void>;
}

/** Result of writeContentEvents. */
export interface ContentWriteResult {
  readonly written: number;
  /** Events refused because their run was already finalised. */
  readonly late: readonly ContentEvent[];
}
