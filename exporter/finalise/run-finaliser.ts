import { diag } from '@opentelemetry/api';
import { amendWithContent } from '../logs/amend-with-content.js';
import { inferRunEdges } from '../mapping/infer-edges.js';
import type { ArchiveLocation, ArchiveStore } from '../ports/archive-store.js';
import type { GraphStore, RunFinalisation, RunGraph } from '../ports/graph-store.js';
import { runGraphToProvBundle } from '../prov/run-graph-to-prov-bundle.js';
import { serialiseBundle } from '../prov/serialise-bundle.js';
import { archivedRecordIds } from './archived-record-ids.js';
import { selectLateRecords } from './select-late-records.js';

/** A run that was archived, as reported to listeners (the integrity log appends these). */
export interface FinalisedRun {
  readonly runId: string;
  readonly sequence: number;
  readonly location: ArchiveLocation;
}

/** Options of the run finaliser. */
export interface RunFinaliserOptions {
  readonly store: GraphStore;
  readonly archive: ArchiveStore;
  /** A run is finalised once its root span ended and nothing arrived for this long. Default 30 s. */
  readonly settleMs?: number;
  /** How often to look for settled runs. Default 1 s. */
  readonly intervalMs?: number;
  /** Runs finalised per tick at most (bounds one tick's work). Default 200. */
  readonly batchSize?: number;
  /** Put captured content into the archive. Default false. */
  readonly includeContent?: boolean;
  /**
   * Keep message content from log records in the graph (as `IngestPipeline.captureContent`
   * does for span content). Default: `includeContent`.
   */
  readonly captureContent?: boolean;
  /**
   * How long GenAI content events (from log records) wait for a run that never arrives
   * (spans dropped upstream) before they are deleted. Default 1 hour.
   */
  readonly contentTtlMs?: number;
  readonly now?: () => number;
  /** Called after each finalisation batch with what was archived (e.g. to append to the integrity log). */
  readonly onFinalised?: (runs: readonly FinalisedRun[]) => Promise<void> | void;
  /** Where failures are reported besides OTel `diag` (serve passes its console log). */
  readonly log?: (line: string) => void;
}

/** A run whose bundle is in the archive, not yet recorded as finalised in the store. */
interface ArchivedRun {
  readonly runId: string;
  readonly finalisation: RunFinalisation;
  readonly run: FinalisedRun;
}

/** First retry delay of a run that failed to finalise; doubles per failure up to the cap. */
const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 5 * 60_000;
/** Failing runs remembered for back-off at most (the oldest is forgotten beyond this). */
const MAX_BACKOFF_RUNS = 10_000;

/**
 * Finalises settled runs: infers edges for foreign spans, writes one PROV-O bundle per
 * run (or a numbered supplementary bundle for spans that arrived after the run was
 * archived), and records the finalisations of one tick in the store together. All state
 * lives in the stores, so a restart resumes where it stopped; a crash between the archive
 * puts and the store update is harmless because the bundle bytes are deterministic and a
 * put of identical bytes returns the existing object.
 */
export class RunFinaliser {
  readonly #o: Required<Omit<RunFinaliserOptions, 'onFinalised' | 'log'>> &
    Pick<RunFinaliserOptions, 'onFinalised' | 'log'>;
  /** Runs that failed: when they may be tried again, and how often they failed. */
  readonly #backoff = new Map<string, { retryAtMs: number; attempts: number }>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #failures = 0;

  constructor(options: RunFinaliserOptions) {
    this.#o = {
      settleMs: 30_000,
      intervalMs: 1_000,
      batchSize: 200,
      includeContent: false,
      contentTtlMs: 60 * 60_000,
      now: Date.now,
      ...options,
      captureContent: options.captureContent ?? options.includeContent ?? false,
    };
  }

  /** Starts the periodic loop. The timer does not keep the process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.tick().catch((error: unknown) => diag.error('agent-lineage: finalisation tick failed', error));
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stops the loop and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Consecutive runs that failed to finalise (exposed for health checks). */
  get failures(): number {
    return this.#failures;
  }

  /** Finalises every run that is ready now; returns how many were archived. Ticks never overlap. */
  tick(settleMs = this.#o.settleMs): Promise<number> {
    // A tick already running may use another settle window: run this one after it.
    if (this.#running) return this.#running.then(() => this.tick(settleMs));
    this.#running = this.#tick(settleMs).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #tick(settleMs: number): Promise<number> {
    try {
      const pruned = await this.#o.store.pruneContentEvents(this.#o.now() - this.#o.contentTtlMs);
      if (pruned > 0) {
        this.#o.log?.(
          `warn: deleted ${pruned} content log record(s) whose run never arrived within ${this.#o.contentTtlMs} ms`,
        );
      }
    } catch (error) {
      this.#failed('could not delete expired content log records', error);
    }
    let total = 0;
    for (;;) {
      const now = this.#o.now();
      // Ask for enough candidates that runs waiting out a back-off cannot fill the batch and
      // starve everything behind them (the store returns the oldest first).
      const candidates = await this.#o.store.runsToFinalise(
        now,
        settleMs,
        this.#o.batchSize + this.#backoff.size,
      );
      const runIds = candidates
        .filter((id) => (this.#backoff.get(id)?.retryAtMs ?? 0) <= now)
        .slice(0, this.#o.batchSize);
      if (runIds.length === 0) return total;
      const archived: ArchivedRun[] = [];
      for (const runId of runIds) {
        try {
          const done = await this.#archiveRun(runId);
          if (done) archived.push(done);
          else this.#succeeded(runId);
        } catch (error) {
          this.#failed(`could not finalise run ${runId}; it will be retried`, error, runId);
        }
      }
      const finalised = await this.#markArchived(archived);
      total += finalised.length;
      if (finalised.length > 0) {
        try {
          await this.#o.onFinalised?.(finalised);
        } catch (error) {
          // The bundles are archived and marked finalised; the listener (the integrity log)
          // catches up from the archive at the next start. Count it so readiness shows it.
          this.#failed(`${finalised.length} archived run(s) could not be passed on (integrity log)`, error);
        }
      }
      // Every candidate failed: stop here instead of spinning on the same runs.
      if (finalised.length === 0) return total;
    }
  }

  /**
   * Records a tick's archived runs in the store together (one commit for the batch). When
   * that fails, each run is recorded alone, so one bad run cannot hold back the others.
   */
  async #markArchived(archived: readonly ArchivedRun[]): Promise<FinalisedRun[]> {
    if (archived.length === 0) return [];
    try {
      await this.#o.store.markFinalisedMany(archived);
      for (const a of archived) this.#succeeded(a.runId);
      return archived.map((a) => a.run);
    } catch (batchError) {
      if (archived.length === 1) {
        this.#failed(
          `could not finalise run ${archived[0]!.runId}; it will be retried`,
          batchError,
          archived[0]!.runId,
        );
        return [];
      }
      const finalised: FinalisedRun[] = [];
      for (const a of archived) {
        try {
          await this.#o.store.markFinalised(a.runId, a.finalisation);
          this.#succeeded(a.runId);
          finalised.push(a.run);
        } catch (error) {
          this.#failed(`could not finalise run ${a.runId}; it will be retried`, error, a.runId);
        }
      }
      return finalised;
    }
  }

  #succeeded(runId: string): void {
    this.#backoff.delete(runId);
    this.#failures = 0;
  }

  #failed(message: string, error: unknown, runId?: string): void {
    this.#failures += 1;
    diag.error(`agent-lineage: ${message}`, error);
    this.#o.log?.(`error: ${message}: ${error instanceof Error ? error.message : String(error)}`);
    if (runId === undefined) return;
    const attempts = (this.#backoff.get(runId)?.attempts ?? 0) + 1;
    this.#backoff.delete(runId);
    if (this.#backoff.size >= MAX_BACKOFF_RUNS) {
      const oldest = this.#backoff.keys().next().value;
      if (oldest !== undefined) this.#backoff.delete(oldest);
    }
    const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
    this.#backoff.set(runId, { retryAtMs: this.#o.now() + delay, attempts });
  }

  /**
   * Merges the run's GenAI content events (from log records) into its invocations before
   * inference and the first bundle: artifacts first (idempotent), then the hash-filled
   * invocations, which also drops the events. A crash in between repeats both next time.
   */
  async #mergeContent(graph: RunGraph): Promise<RunGraph> {
    const { store } = this.#o;
    const events = await store.contentEvents(graph.runId);
    if (events.length === 0) return graph;
    const amendment = amendWithContent(graph, events, this.#o.captureContent);
    if (amendment.unmatched > 0) {
      this.#o.log?.(
        `warn: run ${graph.runId}: ${amendment.unmatched} content log record(s) name no model invocation of the run; dropped`,
      );
    }
    if (amendment.addedNodes.length > 0 || amendment.addedEdges.length > 0) {
      await store.writeBatch(
        { spans: [], nodes: amendment.addedNodes, edges: amendment.addedEdges, links: [], rejected: [] },
        this.#o.now(),
      );
    }
    await store.replaceWithContent(graph.runId, {
      nodes: amendment.replacedNodes,
      spans: amendment.replacedSpans,
    });
    return (await store.getRun(graph.runId)) ?? graph;
  }

  /** Finalises one run now (main bundle, or the next supplementary bundle). */
  async finaliseRun(runId: string): Promise<FinalisedRun | undefined> {
    const archived = await this.#archiveRun(runId);
    if (archived === undefined) return undefined;
    await this.#o.store.markFinalised(runId, archived.finalisation);
    return archived.run;
  }

  /**
   * Everything of a finalisation but recording it in the store: content merge, inference,
   * the bundle written to the archive. Undefined when the run is unknown.
   */
  async #archiveRun(runId: string): Promise<ArchivedRun | undefined> {
    const { store, archive } = this.#o;
    let graph = await store.getRun(runId);
    if (!graph) return undefined;
    if (graph.finalisation === undefined) graph = await this.#mergeContent(graph);
    const inferred = inferRunEdges(graph);
    if (inferred.nodes.length > 0 || inferred.edges.length > 0) {
      await store.writeBatch(
        { spans: [], nodes: inferred.nodes, edges: inferred.edges, links: [], rejected: [] },
        this.#o.now(),
      );
      graph = (await store.getRun(runId)) ?? graph;
    }
    const sequence = graph.finalisation ? graph.finalisation.sequence + 1 : 0;
    const part = sequence === 0 ? graph : await this.#lateRecords(graph);
    const runNode = graph.nodes.find((n) => n.kind === 'ExecutionRun');
    const agentId = String(runNode?.props.agentId ?? runNode?.props.agentName ?? 'unknown-agent');
    // Loops, not Math.min(...spans): spreading a huge run would overflow the stack and fail it forever.
    let firstStart = Number.POSITIVE_INFINITY;
    let lastEnd = Number.NEGATIVE_INFINITY;
    for (const s of graph.spans) {
      if (s.startTimeMs < firstStart) firstStart = s.startTimeMs;
      if (s.endTimeMs > lastEnd) lastEnd = s.endTimeMs;
    }
    const runStartMs = runNode?.startTimeMs ?? (Number.isFinite(firstStart) ? firstStart : 0);
    // Deterministic generation time (latest span end), so re-finalising after a crash yields identical bytes.
    const generatedAtMs = Math.max(runStartMs, lastEnd);
    const doc = runGraphToProvBundle(part, {
      includeContent: this.#o.includeContent,
      sequence,
      generatedAtMs,
    });
    const body = serialiseBundle(doc);
    const location = await archive.put({ runId, agentId, runStartMs, sequence, body });
    const finalisation: RunFinalisation = {
      finalisedAtMs: this.#o.now(),
      sequence,
      archiveKey: location.key,
      bundleSha256: location.sha256,
    };
    return { runId, finalisation, run: { runId, sequence, location } };
  }

  async #lateRecords(graph: RunGraph): Promise<RunGraph> {
    const spanIds = new Set<string>();
    const edgeIds = new Set<string>();
    const prefix = graph.finalisation?.archiveKey.replace(/(\.\d+)?\.jsonld$/, '') ?? '';
    for (let seq = 0; seq < (graph.finalisation?.sequence ?? -1) + 1; seq += 1) {
      const key = seq === 0 ? `${prefix}.jsonld` : `${prefix}.${seq}.jsonld`;
      const ids = archivedRecordIds(JSON.parse(Buffer.from(await this.#o.archive.get(key)).toString('utf8')));
      for (const s of ids.spanIds) spanIds.add(s);
      for (const e of ids.edgeIds) edgeIds.add(e);
    }
    return selectLateRecords(graph, spanIds, edgeIds);
  }
}
