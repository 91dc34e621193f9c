import { canonicalJson } from '../../hashing/canonical-json.js';
import { resolveLink } from '../../mapping/resolve-link.js';
import type { LineageEdge, LineageNode, LinkIntent, MappedBatch } from '../../model/lineage-record.js';
import type { WriteResult } from '../../ports/graph-store.js';
import { decodeNodeId, encodeNodeId } from './node-id-codec.js';
import { canonicalEdgeJson, normaliseEdge, recordSha256, splitNode } from './record-hash.js';
import type { RowBuffer } from './row-buffer.js';
import type { SqlValue } from './sqlite-driver.js';
import type { SqliteGraphStore } from './sqlite-graph-store.js';
import { nodeFromRow, num, optText, str, text } from './sqlite-rows.js';
import {
  EDGE_TYPE_CODE,
  NODE_KIND_CODE,
  NODES_PER_RUN,
  runNidRange,
  SPAN_TYPE_CODE,
} from './sqlite-schema.js';
import type { SqliteStatements } from './sqlite-statements.js';

/** What one batch did to one run (applied to the runs row at the end of the batch). */
interface RunTouch {
  readonly rid: number;
  readonly runId: string;
  fresh: boolean;
  rootSeen: boolean;
  minStart: number;
  agentName?: string;
  versions?: Set<string>;
  /** Model name → earliest invocation time in this batch. */
  models?: Map<string, number>;
}

/** A run's node keys: span id → node id → nid, the next free nid, and the first this batch allocated. */
interface RunSlots {
  next: number;
  readonly firstFresh: number;
  readonly bySpan: Map<string, Map<string, number>>;
}

/**
 * Whether the edge's id is the default `{type}:{from}>{to}` (edgeId in
 * mapping/resolve-link.ts), checked piecewise so the common case builds no string per edge.
 */
function isDefaultEdgeId(edge: LineageEdge): boolean {
  const { id, type, from, to } = edge;
  if (id.length !== type.length + from.length + to.length + 2) return false;
  const toAt = type.length + from.length + 2;
  return (
    id.startsWith(type) &&
    id.charCodeAt(type.length) === 58 /* ':' */ &&
    id.startsWith(from, type.length + 1) &&
    id.charCodeAt(toAt - 1) === 62 /* '>' */ &&
    id.startsWith(to, toAt)
  );
}

/** Model names a ModelInvocation can be found by. */
function modelNames(node: LineageNode): string[] {
  const names = [str(node.props.requestModel), str(node.props.responseModel), str(node.props.modelVersion)];
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

/** The exact version a ModelInvocation ran: the pinned version, else what the provider answered. */
function exactVersion(node: LineageNode): string | undefined {
  return str(node.props.modelVersion) ?? str(node.props.responseModel) ?? str(node.props.requestModel);
}

/**
 * Writes one MappedBatch inside the caller's transaction: spans, nodes, edges, then link
 * intents (resolved with the pure `resolveLink` when their target span is stored, else
 * kept pending), then pending intents and deferred edges that the new spans/nodes unblock,
 * then per-run state (arrival time, root seen, dirty, closure invalidation).
 */
export class BatchWriter {
  readonly #store: SqliteGraphStore;
  readonly #s: SqliteStatements;
  readonly #rids: Map<string, number>;
  readonly #srcs: Map<string, number>;
  readonly #mids: Map<string, number>;
  readonly #nids = new Map<string, number>();
  readonly #nodeRows: RowBuffer;
  readonly #openRows: RowBuffer;
  readonly #edgeRows: RowBuffer;
  readonly #spanRows: RowBuffer;
  readonly #spanIds = new Map<number, Set<string>>();
  /**
   * Edges written by this batch: from nid → to nid → bitmask of edge type codes. Numeric
   * keys instead of a `${from}|${type}|${to}` string per edge (number→string conversion and
   * hashing of a fresh string were visible per edge in profiles).
   */
  readonly #edgeKeys = new Map<number, Map<number, number>>();
  readonly #touched = new Map<number, RunTouch>();
  #lastTouch: RunTouch | undefined;
  /**
   * Nodes of each span of this batch: run id → span id → nodes. Nested maps keyed by the
   * mapping's own id strings, whose hashes V8 caches, instead of a concatenated key per
   * node (a fresh string to build, flatten and hash each time showed in profiles).
   */
  readonly #batchSpanNodes = new Map<string, Map<string, LineageNode[]>>();
  readonly #slots = new Map<number, RunSlots>();
  #pendingMayExist = false;
  /** DataSources added to ds_open_recent by this batch. */
  openSources = 0;
  #nowMs = 0;
  #nodesWritten = 0;
  #edgesWritten = 0;

  constructor(
    store: SqliteGraphStore,
    rids: Map<string, number>,
    srcs: Map<string, number>,
    mids: Map<string, number>,
  ) {
    this.#store = store;
    this.#s = store.statements;
    this.#nodeRows = store.nodeRows;
    this.#openRows = store.openRows;
    this.#edgeRows = store.edgeRows;
    this.#spanRows = store.spanRows;
    this.#spanRows.clear();
    this.#nodeRows.clear();
    this.#openRows.clear();
    this.#edgeRows.clear();
    this.#rids = rids;
    this.#srcs = srcs;
    this.#mids = mids;
  }

  #touch(runId: string, timeMs: number): RunTouch {
    // Runs of one batch repeat: check the last one before any map lookup.
    const last = this.#lastTouch;
    if (last !== undefined && last.runId === runId) {
      if (timeMs < last.minStart) last.minStart = timeMs;
      return last;
    }
    const rid = this.#store.ridFor(runId, timeMs, this.#nowMs, this.#rids);
    let t = this.#touched.get(rid);
    if (t === undefined) {
      t = { rid, runId, fresh: false, rootSeen: false, minStart: timeMs };
      this.#touched.set(rid, t);
    } else if (timeMs < t.minStart) t.minStart = timeMs;
    this.#lastTouch = t;
    return t;
  }

  write(batch: MappedBatch, nowMs: number): WriteResult {
    this.#nowMs = nowMs;
    // A re-delivered intent may still sit in pending_links; only then is a delete needed.
    this.#pendingMayExist = this.#s.anyPending.get() !== undefined;
    // The span or node records themselves (they carry runId and spanId): no tuple per record.
    const freshSpanKeys: Array<{ readonly runId: string; readonly spanId: string }> = [];
    const freshNodeIds: string[] = [];

    for (const span of batch.spans) {
      const t = this.#touch(span.runId, span.startTimeMs);
      const rid = t.rid;
      // Span records are bookkeeping, not lineage records: stored as plain JSON, not hashed.
      const known = this.#runSpans(rid, span.runId);
      if (!known.has(span.spanId)) {
        known.add(span.spanId);
        const { runId: _run, spanId: _span, ...rest } = span;
        this.#spanRows.add(rid, span.spanId, SPAN_TYPE_CODE[span.spanType] ?? 6, JSON.stringify(rest));
        t.fresh = true;
        freshSpanKeys.push(span);
      }
      if (span.isRoot) t.rootSeen = true;
    }

    // Link resolution checks stored spans: write them before anything reads.
    this.#spanRows.flush();

    const sourceIds: string[] = [];
    for (const node of batch.nodes) {
      // A DataSource without lineage.datasource.id is findable by its node id.
      if (node.kind === 'DataSource') sourceIds.push(str(node.props.sourceId) ?? node.id);
    }
    const srcs = this.#store.srcKeys(sourceIds, this.#srcs);
    let dsIndex = 0;

    // New node rows, inserted in nid order below.
    const newRows: Array<[number, ...SqlValue[]]> = [];
    // Consecutive nodes often share a span (a retrieval's DataSources): reuse its maps then.
    let spanNodes: LineageNode[] = [];
    let spanSlots: Map<string, number> | undefined;
    let lastRun = '';
    let lastSpan = '';
    for (const node of batch.nodes) {
      const t = this.#touch(node.runId, node.startTimeMs);
      const rid = t.rid;
      const kind = NODE_KIND_CODE[node.kind];
      if (kind === undefined) throw new Error(`unknown node kind ${JSON.stringify(node.kind)}`);
      const src = node.kind === 'DataSource' ? (srcs[dsIndex++] as number) : null;
      if (node.runId !== lastRun || node.spanId !== lastSpan || spanSlots === undefined) {
        lastRun = node.runId;
        lastSpan = node.spanId;
        spanSlots = this.#spanSlots(rid, node.runId, node.spanId);
        spanNodes = this.#spanNodeList(node.runId, node.spanId);
      }
      let nid = spanSlots.get(node.id);
      if (nid === undefined) {
        const slots = this.#slots.get(rid) as RunSlots;
        nid = slots.next++;
        if (nid >= runNidRange(rid)[1])
          throw new Error(`run ${JSON.stringify(node.runId)} exceeds ${NODES_PER_RUN} nodes`);
        spanSlots.set(node.id, nid);
        const rec = splitNode(node);
        newRows.push([
          nid,
          rid,
          node.spanId,
          encodeNodeId(node.id, node.runId),
          kind,
          node.startTimeMs,
          node.kind === 'FinalOutput' ? (node.sha256 ?? null) : null,
          src,
          rec.rest,
          recordSha256(rec.full),
        ]);
        this.#nodesWritten++;
        t.fresh = true;
        freshNodeIds.push(node.id);
        freshSpanKeys.push(node);
        if (src !== null) {
          this.#openRows.add(src, nid);
          this.openSources++;
        }
        if (node.kind === 'ModelInvocation') this.#indexModel(node, t);
        if (node.kind === 'ExecutionRun') {
          const agent = str(node.props.agentName);
          if (agent !== undefined) t.agentName = agent;
        }
      }
      this.#nids.set(node.id, nid);
      spanNodes.push(node);
    }
    // A span without nodes is still "in this batch" for link resolution (it resolves to nothing).
    for (const span of batch.spans) this.#spanNodeList(span.runId, span.spanId);

    // Edges and links below read nodes back from the database: write them first.
    // In nid order each run's rows are appended at the end of its key range, one run after
    // another, instead of hopping between the ranges of every run in the batch (the mapping
    // sorts nodes by id, i.e. by kind first).
    newRows.sort((a, b) => a[0] - b[0]);
    for (const row of newRows) this.#nodeRows.add(...row);
    this.#nodeRows.flush();
    this.#openRows.flush();
    for (const edge of batch.edges) this.#putEdge(edge);
    for (const link of batch.links) {
      this.#touch(link.runId, link.timeMs);
      this.#resolveIntent(link);
    }

    if (freshSpanKeys.length > 0 && (this.#pendingMayExist || this.#s.anyPending.get() !== undefined)) {
      const seen = new Set<string>();
      for (const { runId, spanId } of freshSpanKeys) {
        const key = `${runId}\u0000${spanId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        for (const p of this.#s.selPendingForSpan.all(runId, spanId)) {
          this.#resolveIntent(JSON.parse(text(p, 'rec')) as LinkIntent, true);
        }
      }
    }
    if (freshNodeIds.length > 0 && this.#s.anyDeferred.get() !== undefined) {
      for (const id of freshNodeIds) {
        for (const d of this.#s.selDeferredFor.all(id)) {
          this.#s.delDeferred.run(id, text(d, 'id'));
          this.#putEdge(JSON.parse(text(d, 'rec')) as LineageEdge);
        }
      }
    }

    this.#edgeRows.flush();
    const lateRunIds: string[] = [];
    for (const [rid, t] of this.#touched) {
      if (t.rootSeen) this.#s.updRunRoot.run(rid);
      if (!t.fresh) continue;
      const row = this.#s.updRunArrival.get(nowMs, t.minStart, rid);
      if (row !== undefined && row.finalised_seq !== null) {
        lateRunIds.push(t.runId);
        // Closures that walked into this run no longer cover everything: queries walk live.
        this.#s.invalidateDependentClosures.run(rid);
      }
      if (t.agentName !== undefined) this.#s.updRunAgent.run(t.agentName, rid);
      if (t.models !== undefined) {
        for (const [name, first] of t.models)
          this.#s.upsRunModel.run(this.#store.midFor(name, this.#mids), rid, first);
      }
      if (t.versions !== undefined) {
        const current = this.#s.selRunVersions.get(rid);
        const stored = current === undefined ? undefined : optText(current, 'model_versions');
        const merged = new Set<string>(stored === undefined ? [] : (JSON.parse(stored) as string[]));
        const before = merged.size;
        for (const v of t.versions) merged.add(v);
        if (merged.size !== before) this.#s.updRunVersions.run(JSON.stringify([...merged].sort()), rid);
      }
    }
    return {
      nodesWritten: this.#nodesWritten,
      edgesWritten: this.#edgesWritten,
      runIds: [...this.#touched.values()].map((t) => t.runId),
      lateRunIds,
    };
  }

  /**
   * The run's existing node keys and its next free nid. Loaded once per batch with one
   * rowid range scan, inside the write transaction, so this replaces a unique index: a
   * run created in this batch has no nodes yet.
   */
  #runSlots(rid: number, runId: string): RunSlots {
    let slots = this.#slots.get(rid);
    if (slots !== undefined) return slots;
    const [lo] = runNidRange(rid);
    let next = lo;
    const bySpan = new Map<string, Map<string, number>>();
    if (!this.#rids.has(runId)) {
      for (const r of this.#s.selRunNodeKeys.all(lo, lo + NODES_PER_RUN)) {
        const nid = num(r, 'nid');
        const spanId = text(r, 'span_id');
        let ids = bySpan.get(spanId);
        if (ids === undefined) {
          ids = new Map();
          bySpan.set(spanId, ids);
        }
        ids.set(decodeNodeId(text(r, 'id'), runId), nid);
        if (nid >= next) next = nid + 1;
      }
    }
    slots = { next, firstFresh: next, bySpan };
    this.#slots.set(rid, slots);
    return slots;
  }

  /**
   * Whether this batch created the node: nids are allocated upwards per run, so the ones
   * from #runSlots' `firstFresh` on are new (a range check, not a set of large numbers).
   */
  #isFresh(nid: number): boolean {
    const slots = this.#slots.get(Math.floor(nid / NODES_PER_RUN));
    return slots !== undefined && nid >= slots.firstFresh;
  }

  /** Node id → nid of one span of a run (see #runSlots). */
  #spanSlots(rid: number, runId: string, spanId: string): Map<string, number> {
    const bySpan = this.#runSlots(rid, runId).bySpan;
    let ids = bySpan.get(spanId);
    if (ids === undefined) {
      ids = new Map();
      bySpan.set(spanId, ids);
    }
    return ids;
  }

  /** The list of this batch's nodes of a span (created empty). */
  #spanNodeList(runId: string, spanId: string): LineageNode[] {
    let spans = this.#batchSpanNodes.get(runId);
    if (spans === undefined) {
      spans = new Map();
      this.#batchSpanNodes.set(runId, spans);
    }
    let list = spans.get(spanId);
    if (list === undefined) {
      list = [];
      spans.set(spanId, list);
    }
    return list;
  }

  /** Span ids the run already has (one primary-key range read per pre-existing run per batch). */
  #runSpans(rid: number, runId: string): Set<string> {
    let spans = this.#spanIds.get(rid);
    if (spans !== undefined) return spans;
    spans = new Set();
    if (!this.#rids.has(runId)) for (const r of this.#s.selRunSpanIds.all(rid)) spans.add(text(r, 'span_id'));
    this.#spanIds.set(rid, spans);
    return spans;
  }

  #indexModel(node: LineageNode, t: RunTouch): void {
    // Collected per run and written once per batch: a run calls the same model many times.
    const models = t.models ?? new Map<string, number>();
    t.models = models;
    for (const name of modelNames(node)) {
      const seen = models.get(name);
      if (seen === undefined || node.startTimeMs < seen) models.set(name, node.startTimeMs);
    }
    const v = exactVersion(node);
    if (v !== undefined) {
      const versions = t.versions ?? new Set<string>();
      t.versions = versions;
      versions.add(v);
    }
  }

  /** nid of a node id: from this batch, else looked up in the edge's run, else in the run its id names. */
  #nidOf(id: string, runId: string): number | undefined {
    const hit = this.#nids.get(id);
    if (hit !== undefined) return hit;
    const candidates = [runId];
    // Node ids are `{prefix}:{trace}:…` and run id = trace id, so the id names its run.
    const parts = id.split(':');
    if (parts.length > 2 && parts[1] !== runId && parts[1] !== undefined) candidates.push(parts[1]);
    for (const run of candidates) {
      const rid = this.#store.existingRid(run, this.#rids);
      if (rid === undefined) continue;
      const row = this.#s.selNidInRun.get(...runNidRange(rid), encodeNodeId(id, run));
      if (row !== undefined) {
        const nid = num(row, 'nid');
        this.#nids.set(id, nid);
        return nid;
      }
    }
    return undefined;
  }

  /**
   * `defaultId`: the caller knows the id is `{type}:{from}>{to}` (resolveLink builds every
   * edge so; resolve-link.test.ts holds it to that).
   */
  #putEdge(edge: LineageEdge, defaultId = false): void {
    const type = EDGE_TYPE_CODE[edge.type];
    if (type === undefined) throw new Error(`unknown edge type ${JSON.stringify(edge.type)}`);
    const from = this.#nidOf(edge.from, edge.runId);
    const to = this.#nidOf(edge.to, edge.runId);
    if (from === undefined || to === undefined) {
      this.#s.insDeferred.run(
        from === undefined ? edge.from : edge.to,
        edge.id,
        edge.runId,
        canonicalJson(normaliseEdge(edge)),
      );
      return;
    }
    // The same edge from the mapping and from a resolved link: the first one in the batch wins.
    let targets = this.#edgeKeys.get(from);
    if (targets === undefined) {
      targets = new Map();
      this.#edgeKeys.set(from, targets);
    }
    const types = targets.get(to) ?? 0;
    if ((types & (1 << type)) !== 0) return;
    targets.set(to, types | (1 << type));
    const t = this.#touch(edge.runId, edge.timeMs ?? this.#nowMs);
    // canonicalEdgeJson reads exactly the stored fields, so extra fields of `edge` are ignored.
    const isDefault = defaultId || isDefaultEdgeId(edge);
    const hash = recordSha256(canonicalEdgeJson(edge, isDefault));
    const inferred = edge.inferred ? 1 : 0;
    const time = edge.timeMs ?? null;
    const idOverride = isDefault ? null : edge.id;
    if (this.#isFresh(from) || this.#isFresh(to)) {
      // An endpoint was created by this batch, so the edge cannot exist yet: buffer it.
      this.#edgeRows.add(from, type, to, t.rid, inferred, time, idOverride, hash);
      this.#edgesWritten++;
      t.fresh = true;
      return;
    }
    if (this.#s.insEdge.run(from, type, to, t.rid, inferred, time, idOverride, hash).changes > 0) {
      this.#edgesWritten++;
      t.fresh = true;
    }
  }

  #resolveIntent(intent: LinkIntent, wasPending = false): void {
    const { traceId, spanId } = intent.target;
    // Target span in this batch: its nodes (and their nids) are at hand, no query needed.
    // Its nodes may also have arrived earlier, in which case the database has them all.
    const inBatch = this.#batchSpanNodes.get(traceId)?.get(spanId);
    if (inBatch !== undefined && inBatch.length > 0) {
      for (const edge of resolveLink(intent, inBatch)) this.#putEdge(edge, true);
      if (wasPending || this.#pendingMayExist) this.#s.delPending.run(traceId, spanId, intent.id);
      return;
    }
    const trid = this.#store.existingRid(traceId, this.#rids);
    const rows = trid === undefined ? [] : this.#s.selNodesOfSpan.all(...runNidRange(trid), spanId);
    const targetKnown =
      rows.length > 0 || (trid !== undefined && this.#s.selSpanExists.get(trid, spanId) !== undefined);
    if (!targetKnown) {
      if (!wasPending)
        this.#s.insPending.run(traceId, spanId, intent.id, intent.runId, JSON.stringify(intent));
      return;
    }
    const targets: LineageNode[] = [];
    for (const r of rows) {
      const node = nodeFromRow(r);
      this.#nids.set(node.id, num(r, 'nid'));
      targets.push(node);
    }
    for (const edge of resolveLink(intent, targets)) this.#putEdge(edge, true);
    if (wasPending || this.#pendingMayExist) this.#s.delPending.run(traceId, spanId, intent.id);
  }
}
