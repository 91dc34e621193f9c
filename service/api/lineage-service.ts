import type { LineageNode } from '../../exporter/model/lineage-record.js';
import type { OutputHit, Page, RunGraph, RunHit, SourceHit } from '../../exporter/ports/graph-store.js';
import type { AccessLogPage } from '../auth/access-log.js';
import { clampWindow, runInScope, scopeHasWindow } from '../auth/auditor-scope.js';
import { mayReadContent, type Principal } from '../auth/principal.js';
import type { ServiceDeps } from './app-deps.js';
import { forbidden, notFound } from './problem.js';
import { redactGraph, redactNode, redactSourceHit } from './redact-content.js';
import { createRunResolver, type RunResolver } from './run-resolver.js';
import { bundleTimeMs } from './run-time.js';

/** A run as plain nodes and edges (`?format=graph`). */
export interface RunGraphView {
  readonly runId: string;
  readonly nodes: readonly LineageNode[];
  readonly edges: RunGraph['edges'];
  readonly danglingLinks: number;
  readonly finalisation?: RunGraph['finalisation'];
  readonly contentIncluded: boolean;
}

/** Backward lineage of an output hash as the API returns it. */
export interface OutputSourcesView {
  readonly outputSha256: string;
  readonly outputs: readonly LineageNode[];
  readonly sources: readonly SourceHit[];
  readonly truncated: boolean;
  /** True when an auditor's scope removed outputs or sources from the answer. */
  readonly filteredByScope: boolean;
}

/** A list page as the API returns it. */
export interface PageView<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/** The query side of the Lineage API; every method applies RBAC data rules for `principal`. */
export interface LineageService {
  /** The run as PROV-O JSON-LD bytes (JCS canonical JSON). 404 unknown, 403 outside an auditor's scope. */
  runJsonLd(principal: Principal, runId: string): Promise<Uint8Array>;
  /** The run as plain nodes and edges. */
  runGraph(principal: Principal, runId: string): Promise<RunGraphView>;
  /** Every DataSource behind outputs with this hash. Auditors see only outputs of runs in scope (none → 403). */
  outputSources(principal: Principal, outputSha256: string, maxDepth?: number): Promise<OutputSourcesView>;
  /** Runs that used a model id; auditors get the runs in scope only (a filter, never a 403). */
  modelRuns(
    principal: Principal,
    modelId: string,
    query: { from?: string; to?: string; cursor?: string; limit: number },
  ): Promise<PageView<RunHit>>;
  /** Outputs a data source contributed to; auditors get outputs of runs in scope only. */
  datasourceOutputs(
    principal: Principal,
    sourceId: string,
    query: { cursor?: string; limit: number },
  ): Promise<PageView<OutputHit>>;
  /** The auditor access log, oldest first (the route restricts it to engineering). */
  accessLog(query: { cursor?: string; limit: number }): Promise<AccessLogPage>;
  /** Loads a run the principal may see, or throws the 404 / 403 problem. */
  requireRun(principal: Principal, runId: string, runs?: RunResolver): Promise<RunGraph>;
  /** The run's JSON-LD for this principal from an already loaded graph. */
  jsonLdOf(principal: Principal, graph: RunGraph): Uint8Array;
}

// Store pages fetched at most per request while filtering for an auditor, so a sparse
// scope cannot turn one API call into a scan of the whole store.
const MAX_FILTER_ROUNDS = 10;

/** Builds the service over the narrowed dependencies. */
export function createLineageService(
  deps: Pick<ServiceDeps, 'store' | 'prov' | 'accessLog' | 'revealContent'>,
): LineageService {
  const { store, prov, accessLog } = deps;
  const utf8 = new TextEncoder();
  const reveal = deps.revealContent ?? ((nodes: readonly LineageNode[]) => [...nodes]);
  /** What a reader may see of a graph: decrypted content for engineering, none for others. */
  const visibleGraph = (principal: Principal, graph: RunGraph): RunGraph =>
    mayReadContent(principal) ? { ...graph, nodes: reveal(graph.nodes) } : redactGraph(graph);

  const jsonLdOf = (principal: Principal, graph: RunGraph): Uint8Array => {
    const includeContent = mayReadContent(principal);
    // Redact the graph itself, not only the flag: the mapper never sees content it must not emit.
    const visible = visibleGraph(principal, graph);
    const doc = prov.runGraphToProvBundle(visible, {
      includeContent,
      sequence: 0,
      generatedAtMs: bundleTimeMs(graph),
    });
    const bytes = prov.serialiseBundle(doc);
    return typeof bytes === 'string' ? utf8.encode(bytes) : bytes;
  };

  const requireRun = async (principal: Principal, runId: string, runs = createRunResolver(store)) => {
    // A run missing from an auditor's run list is refused before any lookup, so the answer
    // does not reveal whether such a run exists.
    if (principal.role === 'auditor' && principal.scope?.runs && !principal.scope.runs.includes(runId)) {
      throw forbidden(`run ${JSON.stringify(runId)} is outside the scope of key ${principal.keyId}`);
    }
    const graph = await runs.graph(runId);
    if (!graph) throw notFound(`no run with id ${JSON.stringify(runId)}`);
    if (!runInScope(principal, runId, await runs.startMs(runId))) {
      throw forbidden(`run ${JSON.stringify(runId)} is outside the scope of key ${principal.keyId}`);
    }
    return graph;
  };

  const inScope = async (principal: Principal, runs: RunResolver, runId: string) =>
    runInScope(principal, runId, scopeHasWindow(principal.scope) ? await runs.startMs(runId) : undefined);

  /** Pulls store pages until `limit` visible items or the end; keeps only the last consumed cursor. */
  async function filteredPage<T>(
    limit: number,
    cursor: string | undefined,
    fetch: (cursor: string | undefined, limit: number) => Promise<Page<T>>,
    keep: (item: T) => Promise<boolean>,
  ): Promise<PageView<T>> {
    const items: T[] = [];
    let next = cursor;
    for (let round = 0; round < MAX_FILTER_ROUNDS; round += 1) {
      const page = await fetch(next, limit - items.length);
      for (const item of page.items) if (await keep(item)) items.push(item);
      next = page.nextCursor;
      if (!next || items.length >= limit) break;
    }
    return next ? { items, nextCursor: next } : { items };
  }

  return {
    jsonLdOf,
    requireRun,

    async runJsonLd(principal, runId) {
      return jsonLdOf(principal, await requireRun(principal, runId));
    },

    async runGraph(principal, runId) {
      const graph = await requireRun(principal, runId);
      const includeContent = mayReadContent(principal);
      const visible = visibleGraph(principal, graph);
      return {
        runId: visible.runId,
        nodes: visible.nodes,
        edges: visible.edges,
        danglingLinks: visible.danglingLinks,
        ...(visible.finalisation ? { finalisation: visible.finalisation } : {}),
        contentIncluded: includeContent,
      };
    },

    async outputSources(principal, outputSha256, maxDepth) {
      const result = await store.backwardLineage(outputSha256, maxDepth === undefined ? {} : { maxDepth });
      if (result.outputs.length === 0) throw notFound(`no output with sha256 ${outputSha256}`);
      let outputs = result.outputs;
      let sources = result.sources;
      if (principal.role === 'auditor') {
        const runs = createRunResolver(store);
        const allowed = new Set<string>();
        for (const runId of new Set(outputs.map((o) => o.runId))) {
          if (await inScope(principal, runs, runId)) allowed.add(runId);
        }
        // The auditor asked about one specific output: if none of its runs is in scope, refuse.
        if (allowed.size === 0) {
          throw forbidden(
            `output ${outputSha256} belongs to runs outside the scope of key ${principal.keyId}`,
          );
        }
        outputs = outputs.filter((o) => allowed.has(o.runId));
        // Sources are attributed to the run of the output they were reached from (viaRunId),
        // so the sources of a sub-agent behind an in-scope output are visible too.
        sources = sources.filter((s) => allowed.has(s.viaRunId));
      }
      const filteredByScope =
        outputs.length !== result.outputs.length || sources.length !== result.sources.length;
      const content = mayReadContent(principal);
      return {
        outputSha256,
        outputs: content ? reveal(outputs) : outputs.map(redactNode),
        sources: content
          ? sources.map((s) => ({ ...s, node: reveal([s.node])[0]! }))
          : sources.map(redactSourceHit),
        truncated: result.truncated,
        filteredByScope,
      };
    },

    async modelRuns(principal, modelId, query) {
      const fromMs = query.from ? Date.parse(query.from) : undefined;
      const toMs = query.to ? Date.parse(query.to) : undefined;
      const window = clampWindow(principal.role === 'auditor' ? principal.scope : undefined, fromMs, toMs);
      if (!window) return { items: [] };
      const scopedRuns = principal.role === 'auditor' ? principal.scope?.runs : undefined;
      const page = await filteredPage(
        query.limit,
        query.cursor,
        (cursor, limit) => store.runsByModel(modelId, { ...window, limit, ...(cursor ? { cursor } : {}) }),
        // The window is already applied by the store; only the run list remains to check.
        async (hit) => !scopedRuns || scopedRuns.includes(hit.runId),
      );
      // Unknown model: only for unscoped roles and unfiltered first pages, so an auditor
      // cannot probe for models that exist outside the scope.
      if (
        principal.role !== 'auditor' &&
        !query.cursor &&
        !query.from &&
        !query.to &&
        page.items.length === 0
      ) {
        throw notFound(`no runs used model ${JSON.stringify(modelId)}`);
      }
      return page;
    },

    async datasourceOutputs(principal, sourceId, query) {
      const runs = createRunResolver(store);
      const page = await filteredPage(
        query.limit,
        query.cursor,
        (cursor, limit) => store.forwardLineage(sourceId, { limit, ...(cursor ? { cursor } : {}) }),
        (hit) => inScope(principal, runs, hit.runId),
      );
      if (principal.role !== 'auditor' && !query.cursor && page.items.length === 0) {
        throw notFound(`no outputs known for data source ${JSON.stringify(sourceId)}`);
      }
      return page;
    },

    accessLog(query) {
      return accessLog.read(query);
    },
  };
}
