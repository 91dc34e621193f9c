import { statSync } from 'node:fs';
import { canonicalJson } from '../../hashing/canonical-json.js';
import type { ContentEvent } from '../../logs/content-event.js';
import { edgeId } from '../../mapping/resolve-link.js';
import type { LineageEdge, LineageNode, MappedBatch, SpanRecord } from '../../model/lineage-record.js';
import type {
  BackwardLineage,
  CompletenessReport,
  ContentWriteResult,
  GraphStore,
  OutputHit,
  Page,
  RunFinalisation,
  RunGraph,
  RunHit,
  SourceHit,
  WriteResult,
} from '../../ports/graph-store.js';
import { BatchWriter } from './batch-writer.js';
import { ContentEventsTable } from './content-events-table.js';
import { LineageWalker, type WalkNode } from './lineage-walk.js';
import { decodeNodeId } from './node-id-codec.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { normaliseEdge, recordSha256 } from './record-hash.js';
import { RowBuffer } from './row-buffer.js';
import { SourceKeys } from './source-keys.js';
import { openSqlite, type SqlDatabase, type SqliteDriverName, type SqlRow } from './sqlite-driver.js';
import { nodeFromRow, num, optText, text } from './sqlite-rows.js';
import {
  EDGE_TYPE_BY_CODE,
  EDGE_TYPE_CODE,
  NODE_KIND_CODE,
  runNidRange,
  SCHEMA_SQL,
  SCHEMA_VERSION,
  SPAN_TYPE_CODE,
} from './sqlite-schema.js';
import { prepareStatements, type SqliteStatements } from './sqlite-statements.js';

/** Options for `openSqliteGraphStore`. */
export interface SqliteGraphStoreOptions {
  /** Database file path (`:memory:` for tests without durability). */
  readonly path: string;
  /** Driver override; default from LINEAGE_SQLITE_DRIVER or the Node version (see sqlite-driver.ts). */
  readonly driver?: SqliteDriverName;
  /**
   * `FULL` (default): every commit fsyncs the WAL, so a resolved `writeBatch` survives power
   * loss — the receiver acks OTLP only after that. `NORMAL` in WAL mode is only crash-safe
   * for the process, not the machine; offered for benchmarks and throwaway stores.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** WAL pages before an automatic checkpoint (default: 40 MiB of pages, 2,560 at 16 KiB; +30 % ingest vs 4 MiB). */
  readonly walAutocheckpoint?: number;
  /**
   * Page size of a new database file (default 16 KiB; an existing file keeps its own). Larger
   * pages mean fewer WAL frames, checksums and write calls per commit: with 16 KiB, ingest
   * was about 8 % cheaper and the file 4 % smaller than with SQLite's 4 KiB default.
   */
  readonly pageSize?: number;
  /** Walks deeper than this are cut off (default 256 hops). */
  readonly maxWalkDepth?: number;
  /** Bytes of the database file to memory-map for reads (default 256 MiB; 0 disables). */
  readonly mmapBytes?: number;
  /** SQLite page cache size (default 64 MiB); a smaller cache lowers the server's memory. */
  readonly cacheBytes?: number;
  /** ds_open_recent rows that trigger a bulk merge into ds_open (default 20,000; see schema). */
  readonly openMergeThreshold?: number;
  /** sources_recent rows that trigger a bulk merge into sources (default 8,192; see source-keys.ts). */
  readonly sourceMergeThreshold?: number;
}

/** Result of `verifyRecordHashes`. */
export interface RecordHashReport {
  readonly nodesChecked: number;
  readonly edgesChecked: number;
  /** Ids of records whose stored SHA-256 does not match the recomputed one. */
  readonly mismatches: readonly string[];
}

/** Size of the store. */
export interface SqliteStoreStats {
  readonly runs: number;
  readonly nodes: number;
  readonly edges: number;
  readonly spans: number;
  readonly fileBytes: number;
}

const K = NODE_KIND_CODE;
const DEFAULT_PAGE_SIZE = 16_384;
const PAGE_SIZES = new Set([512, 1024, 2048, 4096, 8192, 16_384, 32_768, 65_536]);
const WAL_CHECKPOINT_BYTES = 40 * 1024 * 1024;
const DEFAULT_PAGE = 100;
const CACHE_LIMIT = 500_000;
/** ds_open_recent rows that trigger a merge into ds_open (scanned by forward queries: keep small). */
const OPEN_MERGE_THRESHOLD = 20_000;
/** sources_recent rows that trigger a merge into sources (see source-keys.ts; measured best near 8k). */
const SOURCE_MERGE_THRESHOLD = 8_192;
/** Edge types whose direction is against the data flow (ModelInvocation → DataSource it read, …). */
const AGAINST_FLOW = new Set([
  EDGE_TYPE_CODE.RETRIEVED_FROM,
  EDGE_TYPE_CODE.PRODUCED_BY,
  EDGE_TYPE_CODE.TRIGGERED_BY,
]);
const MAX_PAGE = 1000;
const DEFAULT_BACKWARD_DEPTH = 64;

/**
 * SQLite adapter of the GraphStore port (the embedded default). Single writer: one
 * process owns the file; every public method runs synchronously inside its promise, so
 * calls never interleave. Use `openSqliteGraphStore` to create one.
 */
export class SqliteGraphStore implements GraphStore {
  readonly #db: SqlDatabase;
  readonly #s: SqliteStatements;
  readonly #content: ContentEventsTable;
  readonly #walker: LineageWalker;
  readonly #path: string;
  readonly #maxWalkDepth: number;
  // Caches of surrogate keys; only committed keys enter them (see writeBatch).
  readonly #ridCache = new Map<string, number>();
  readonly #srcCache = new Map<string, number>();
  /**
   * While #srcCache holds every stored source id (a new or small store, and the cache never
   * reset since): the largest key among them. A cache miss is then a new id, and interning
   * skips the lookup (SourceKeys.intern checks no other writer added ids meanwhile).
   */
  #srcCompleteUpTo: number | undefined;
  readonly #midCache = new Map<string, number>();
  readonly #sources: SourceKeys;
  #closed = false;
  /** Approximate row count of ds_open_recent (only triggers merges). */
  #openRecent: number;

  readonly #openMergeThreshold: number;
  /** @internal use openSqliteGraphStore */
  constructor(
    db: SqlDatabase,
    path: string,
    maxWalkDepth: number,
    openMergeThreshold: number,
    sourceMergeThreshold = SOURCE_MERGE_THRESHOLD,
  ) {
    this.#openMergeThreshold = openMergeThreshold;
    this.#sources = new SourceKeys(db, sourceMergeThreshold);
    const all = this.#sources.loadAll(CACHE_LIMIT / 2);
    if (all !== undefined) {
      let max = 0;
      for (const [id, src] of all) {
        this.#srcCache.set(id, src);
        if (src > max) max = src;
      }
      this.#srcCompleteUpTo = max;
    }
    this.#db = db;
    this.#path = path;
    this.#maxWalkDepth = maxWalkDepth;
    this.#s = prepareStatements(db);
    this.#content = new ContentEventsTable(db);
    this.#walker = new LineageWalker(db);
    this.nodeRows = new RowBuffer(
      db,
      'INSERT INTO nodes(nid, rid, span_id, id, kind, time_ms, out_sha256, src, rec, rec_sha256)',
      10,
    );
    this.openRows = new RowBuffer(db, 'INSERT INTO ds_open_recent(src, nid)', 2, 'ON CONFLICT DO NOTHING');
    this.spanRows = new RowBuffer(
      db,
      'INSERT INTO spans(rid, span_id, span_type, rec)',
      4,
      'ON CONFLICT DO NOTHING',
    );
    this.edgeRows = new RowBuffer(
      db,
      'INSERT INTO edges(from_nid, type, to_nid, rid, inferred, time_ms, id_override, rec_sha256)',
      8,
      'ON CONFLICT DO NOTHING',
    );
    this.#openRecent = num(this.#s.countOpenRecent.get() ?? { n: 0 }, 'n');
  }

  /** The driver in use (`node:sqlite` or `better-sqlite3`). */
  get driver(): SqliteDriverName {
    return this.#db.driver;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('SqliteGraphStore is closed');
  }

  // ---------------------------------------------------------------- keys

  #existingRid(runId: string, local?: Map<string, number>): number | undefined {
    const cached = this.#ridCache.get(runId) ?? local?.get(runId);
    if (cached !== undefined) return cached;
    const row = this.#s.selRid.get(runId);
    if (row === undefined) return undefined;
    const rid = num(row, 'rid');
    this.#remember(this.#ridCache, runId, rid);
    return rid;
  }

  #remember(cache: Map<string, number>, key: string, value: number): void {
    // Bounded (a long-running receiver sees millions of runs and sources); a full reset is
    // crude but cheap, and batches mostly touch recent runs and popular sources again.
    if (cache.size >= CACHE_LIMIT) {
      cache.clear();
      if (cache === this.#srcCache) this.#srcCompleteUpTo = undefined;
    }
    cache.set(key, value);
  }

  #intern(
    cache: Map<string, number>,
    local: Map<string, number>,
    key: string,
    select: (k: string) => SqlRow | undefined,
    insert: (k: string) => number | undefined,
  ): number {
    const hit = cache.get(key) ?? local.get(key);
    if (hit !== undefined) return hit;
    // A cache miss is usually a new key: try the insert first (one statement), select on conflict.
    const inserted = insert(key);
    if (inserted !== undefined) {
      local.set(key, inserted);
      return inserted;
    }
    const row = select(key);
    if (row !== undefined) {
      // Committed already: safe to cache now.
      const id = num(row, 'id');
      this.#remember(cache, key, id);
      return id;
    }
    throw new Error('interned key conflicted on insert but cannot be selected');
  }

  // ---------------------------------------------------------------- writes

  /** See GraphStore.writeBatch. One SQLite transaction; durable (fsynced WAL) on resolve. */
  async writeBatch(batch: MappedBatch, nowMs: number): Promise<WriteResult> {
    this.#assertOpen();
    const localRids = new Map<string, number>();
    const localSrcs = new Map<string, number>();
    const localMids = new Map<string, number>();
    const result = this.#db.transaction(() => {
      const writer = new BatchWriter(this, localRids, localSrcs, localMids);
      const written = writer.write(batch, nowMs);
      this.#openRecent += writer.openSources;
      if (this.#openRecent >= this.#openMergeThreshold) {
        this.#s.mergeOpenRecent.run();
        this.#s.clearOpenRecent.run();
        this.#openRecent = 0;
      }
      this.#sources.mergeIfDue();
      return written;
    });
    // Only now are the new surrogate keys committed and safe to cache.
    for (const [k, v] of localRids) this.#remember(this.#ridCache, k, v);
    for (const [k, v] of localSrcs) {
      this.#remember(this.#srcCache, k, v);
      if (this.#srcCompleteUpTo !== undefined && v > this.#srcCompleteUpTo) this.#srcCompleteUpTo = v;
    }
    for (const [k, v] of localMids) this.#remember(this.#midCache, k, v);
    return result;
  }

  /** @internal shared with BatchWriter */
  get statements(): SqliteStatements {
    return this.#s;
  }

  /** @internal multi-row insert buffer for nodes (BatchWriter). */
  readonly nodeRows: RowBuffer;
  /** @internal multi-row insert buffer for ds_open_recent (BatchWriter). */
  readonly openRows: RowBuffer;
  /** @internal multi-row insert buffer for edges known to be new (BatchWriter). */
  readonly edgeRows: RowBuffer;
  /** @internal multi-row insert buffer for spans (BatchWriter). */
  readonly spanRows: RowBuffer;

  /** @internal */
  ridFor(runId: string, timeMs: number, nowMs: number, local: Map<string, number>): number {
    const rid = this.#existingRid(runId, local);
    if (rid !== undefined) return rid;
    const created = this.#s.insRun.run(runId, timeMs, nowMs).lastInsertRowid;
    local.set(runId, created);
    return created;
  }

  /** @internal */
  existingRid(runId: string, local: Map<string, number>): number | undefined {
    return this.#existingRid(runId, local);
  }

  /**
   * @internal Keys of the source ids a batch's DataSources name, in input order, interned
   * ahead of the node inserts: ids not cached are resolved with one multi-row lookup and
   * insert per 50 (see SourceKeys). New keys are assigned in first-appearance order and go
   * to `local` until the commit.
   */
  srcKeys(sourceIds: readonly string[], local: Map<string, number>): number[] {
    const keys = new Array<number>(sourceIds.length);
    // Missing id → positions waiting for its key (an id repeats within a batch).
    let missing: Map<string, number[]> | undefined;
    for (let i = 0; i < sourceIds.length; i++) {
      const id = sourceIds[i] as string;
      const hit = this.#srcCache.get(id) ?? local.get(id);
      if (hit !== undefined) {
        keys[i] = hit;
        continue;
      }
      missing ??= new Map();
      const waiting = missing.get(id);
      if (waiting === undefined) missing.set(id, [i]);
      else waiting.push(i);
    }
    if (missing === undefined) return keys;
    const resolve = (id: string, src: number): void => {
      for (const i of missing.get(id) ?? []) keys[i] = src;
    };
    this.#sources.intern(
      [...missing.keys()],
      (id, src) => {
        this.#remember(this.#srcCache, id, src);
        resolve(id, src);
      },
      (id, src) => {
        local.set(id, src);
        resolve(id, src);
      },
      this.#srcCompleteUpTo,
    );
    return keys;
  }

  /** @internal */
  midFor(name: string, local: Map<string, number>): number {
    return this.#intern(
      this.#midCache,
      local,
      name,
      (k) => this.#s.selMid.get(k),
      (k) => {
        const row = this.#s.insMid.get(k);
        return row === undefined ? undefined : num(row, 'id');
      },
    );
  }

  // ---------------------------------------------------------------- reads

  /** See GraphStore.getRun. Edges are every edge touching a node of the run. */
  async getRun(runId: string): Promise<RunGraph | undefined> {
    this.#assertOpen();
    const rid = this.#existingRid(runId);
    if (rid === undefined) return undefined;
    const range = runNidRange(rid);
    const nodes = this.#s.selRunNodes.all(...range).map(nodeFromRow);
    nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const edges = new Map<string, LineageEdge>();
    for (const row of [
      ...this.#s.selRunEdgesOut.all(...range),
      ...this.#s.selRunEdgesIn.all(...range, ...range),
    ]) {
      const e = this.#edgeFromRow(row);
      edges.set(e.id, e);
    }
    const spans = this.#s.selRunSpans
      .all(rid)
      .map(
        (r) =>
          ({ runId, spanId: text(r, 'span_id'), ...(JSON.parse(text(r, 'rec')) as object) }) as SpanRecord,
      );
    const dangling =
      num(this.#s.countPendingFrom.get(runId) ?? { n: 0 }, 'n') +
      num(this.#s.countDeferredFrom.get(runId) ?? { n: 0 }, 'n');
    const fin = this.#s.selLastFinalisation.get(rid);
    const graph: RunGraph = {
      runId,
      nodes,
      edges: [...edges.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      spans,
      danglingLinks: dangling,
      ...(fin === undefined
        ? {}
        : {
            finalisation: {
              finalisedAtMs: num(fin, 'finalised_at_ms'),
              sequence: num(fin, 'seq'),
              archiveKey: text(fin, 'archive_key'),
              bundleSha256: text(fin, 'bundle_sha256'),
            },
          }),
    };
    return graph;
  }

  #edgeFromRow(row: SqlRow): LineageEdge {
    const type = EDGE_TYPE_BY_CODE.get(num(row, 'type'));
    if (type === undefined) throw new Error(`unknown edge type code ${String(row.type)}`);
    const from = decodeNodeId(text(row, 'from_id'), text(row, 'from_run'));
    const to = decodeNodeId(text(row, 'to_id'), text(row, 'to_run'));
    const timeMs = row.time_ms;
    return {
      id: optText(row, 'id_override') ?? edgeId(type, from, to),
      type,
      from,
      to,
      runId: text(row, 'run_id'),
      inferred: num(row, 'inferred') === 1,
      ...(typeof timeMs === 'number' ? { timeMs } : {}),
    };
  }

  /** See GraphStore.backwardLineage. Materialised closure for settled runs, live walk otherwise. */
  async backwardLineage(outputSha256: string, options?: { maxDepth?: number }): Promise<BackwardLineage> {
    this.#assertOpen();
    const maxDepth = Math.max(0, Math.min(options?.maxDepth ?? DEFAULT_BACKWARD_DEPTH, this.#maxWalkDepth));
    const outputs: LineageNode[] = [];
    const sources: SourceHit[] = [];
    let truncated = false;
    for (const o of this.#s.selOutputsByHash.all(outputSha256)) {
      const output = nodeFromRow(o);
      outputs.push(output);
      const viaRunId = output.runId;
      if (num(o, 'closure_ok') === 1) {
        for (const row of this.#s.selClosureBack.all(num(o, 'nid'))) {
          if (num(row, 'depth') > maxDepth) {
            truncated = true;
            continue;
          }
          sources.push({ node: nodeFromRow(row), depth: num(row, 'depth'), viaRunId });
        }
      } else {
        const start: WalkNode = { nid: num(o, 'nid'), kind: K.FinalOutput, rid: num(o, 'rid'), src: null };
        const walk = this.#walker.backward(start, maxDepth);
        truncated ||= walk.truncated;
        // One statement for all hits (a JSON array of nids) rather than one per source.
        for (const row of this.#s.selNodeRecs.all(JSON.stringify([...walk.sources.keys()]))) {
          const hit = walk.sources.get(num(row, 'nid'));
          if (hit !== undefined) sources.push({ node: nodeFromRow(row), depth: hit.depth, viaRunId });
        }
      }
    }
    sources.sort(
      (a, b) =>
        a.depth - b.depth ||
        (a.viaRunId < b.viaRunId ? -1 : a.viaRunId > b.viaRunId ? 1 : 0) ||
        (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0),
    );
    outputs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { outputs, sources, truncated };
  }

  /**
   * See GraphStore.forwardLineage. Newest output first (output start time, then insertion
   * order). Closure rows of settled runs are an index range scan; DataSources of runs not
   * yet covered by a closure (`ds_open`) are walked live and merged into the page.
   */
  async forwardLineage(
    sourceId: string,
    options?: { cursor?: string; limit?: number },
  ): Promise<Page<OutputHit>> {
    this.#assertOpen();
    const limit = Math.max(1, Math.min(options?.limit ?? DEFAULT_PAGE, MAX_PAGE));
    const pos = options?.cursor
      ? decodeCursor('forward', options.cursor)
      : { t: Number.MAX_SAFE_INTEGER, key: Number.MAX_SAFE_INTEGER };
    const src = this.#sources.find(sourceId);
    if (src === undefined) return { items: [] };
    const open = this.#s.selOpenBySrc.all(src, src).map((r) => num(r, 'nid'));
    const live = open.length > 0 ? this.#walker.forwardOutputs(open, this.#maxWalkDepth) : new Set<number>();
    const rows = this.#s.selClosureFwdPage.all(src, pos.t, pos.t, pos.key, limit + live.size + 1);
    const merged = new Map<number, SqlRow>();
    for (const r of rows) merged.set(num(r, 'nid'), r);
    for (const nid of live) {
      if (merged.has(nid)) continue;
      const r = this.#s.selOutputBrief.get(nid);
      if (r === undefined) continue;
      const t = num(r, 't');
      if (t < pos.t || (t === pos.t && nid < pos.key)) merged.set(nid, r);
    }
    const ordered = [...merged.values()].sort(
      (a, b) => num(b, 't') - num(a, 't') || num(b, 'nid') - num(a, 'nid'),
    );
    const page = ordered.slice(0, limit);
    const items: OutputHit[] = page.map((r) => ({
      outputId: decodeNodeId(text(r, 'id'), text(r, 'run_id')),
      outputSha256: text(r, 'out_sha256'),
      runId: text(r, 'run_id'),
      timeMs: num(r, 't'),
    }));
    const last = page[page.length - 1];
    return ordered.length > limit && last !== undefined
      ? { items, nextCursor: encodeCursor('forward', { t: num(last, 't'), key: num(last, 'nid') }) }
      : { items };
  }

  /**
   * See GraphStore.runsByModel. Matches the exact model name (request model, response model
   * or pinned version). Time is when the run first invoked that model; `fromMs` inclusive,
   * `toMs` exclusive. Newest first.
   */
  async runsByModel(
    modelId: string,
    options?: { fromMs?: number; toMs?: number; cursor?: string; limit?: number },
  ): Promise<Page<RunHit>> {
    this.#assertOpen();
    const limit = Math.max(1, Math.min(options?.limit ?? DEFAULT_PAGE, MAX_PAGE));
    const pos = options?.cursor
      ? decodeCursor('runsByModel', options.cursor)
      : { t: Number.MAX_SAFE_INTEGER, key: Number.MAX_SAFE_INTEGER };
    const midRow = this.#s.selMid.get(modelId);
    if (midRow === undefined) return { items: [] };
    const from = options?.fromMs ?? Number.MIN_SAFE_INTEGER;
    const toExclusive = options?.toMs ?? Number.MAX_SAFE_INTEGER;
    const rows = this.#s.selRunsByModel.all(
      num(midRow, 'id'),
      from,
      toExclusive,
      pos.t,
      pos.t,
      pos.key,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const items: RunHit[] = page.map((r) => {
      const agentName = optText(r, 'agent_name');
      const versions = optText(r, 'model_versions');
      return {
        runId: text(r, 'run_id'),
        ...(agentName !== undefined ? { agentName } : {}),
        startTimeMs: num(r, 'start_ms'),
        modelVersions: versions === undefined ? [] : (JSON.parse(versions) as string[]),
      };
    });
    const last = page[page.length - 1];
    return rows.length > limit && last !== undefined
      ? { items, nextCursor: encodeCursor('runsByModel', { t: num(last, 't'), key: num(last, 'rid') }) }
      : { items };
  }

  /**
   * See GraphStore.completeness. Definitions:
   * - runsWithoutFinalOutput / runsWithoutModelInvocation: run ids with no node of that kind;
   * - retrievalsWithoutDataSource: `{runId}/{spanId}` of retrieval spans with no DataSource node;
   * - orphanNodes: ids of nodes other than the ExecutionRun node that have no edge at all,
   *   in runs with more than one node (a lone run node is not an orphan, it is an empty run);
   * - danglingLinks: ids of link intents whose target span has not arrived, and of edges
   *   whose endpoint node has not arrived;
   * - cycles: run ids whose edges between the run's own nodes, read in data-flow direction
   *   (RETRIEVED_FROM, PRODUCED_BY and TRIGGERED_BY reversed), contain a directed cycle.
   */
  async completeness(options?: {
    runIds?: readonly string[];
    sampleLimit?: number;
  }): Promise<CompletenessReport> {
    this.#assertOpen();
    const sampleLimit = options?.sampleLimit ?? 100;
    const noFo: string[] = [];
    const noMi: string[] = [];
    const noDs: string[] = [];
    const orphans: string[] = [];
    const cycles: string[] = [];
    const push = (list: string[], id: string) => {
      if (list.length < sampleLimit) list.push(id);
    };
    const scope: Array<{ rid: number; runId: string }> = [];
    if (options?.runIds) {
      for (const runId of options.runIds) {
        const rid = this.#existingRid(runId);
        if (rid !== undefined) scope.push({ rid, runId });
      }
    } else {
      for (const r of this.#s.selAllRuns.iterate())
        scope.push({ rid: num(r, 'rid'), runId: text(r, 'run_id') });
    }
    for (const { rid, runId } of scope) {
      const range = runNidRange(rid);
      const nodes = this.#s.selRunNodeBrief.all(...range);
      const kinds = new Set(nodes.map((n) => num(n, 'kind')));
      if (!kinds.has(K.FinalOutput)) push(noFo, runId);
      if (!kinds.has(K.ModelInvocation)) push(noMi, runId);
      const dsSpans = new Set(
        nodes.filter((n) => num(n, 'kind') === K.DataSource).map((n) => text(n, 'span_id')),
      );
      for (const s of this.#s.selRunRetrievalSpans.all(rid, SPAN_TYPE_CODE.retrieval)) {
        const spanId = text(s, 'span_id');
        if (!dsSpans.has(spanId)) push(noDs, `${runId}/${spanId}`);
      }
      const nids = new Set(nodes.map((n) => num(n, 'nid')));
      const adjacency = new Map<number, number[]>();
      const touched = new Set<number>();
      for (const e of [
        ...this.#s.selRunEdgeEndsOut.all(...range),
        ...this.#s.selRunEdgeEndsIn.all(...range),
      ]) {
        const a = num(e, 'from_nid');
        const b = num(e, 'to_nid');
        touched.add(a);
        touched.add(b);
        // Cycles are judged in data-flow direction (upstream → downstream); these types point the other way.
        const [f, t] = AGAINST_FLOW.has(num(e, 'type')) ? [b, a] : [a, b];
        if (nids.has(f) && nids.has(t)) {
          const list = adjacency.get(f) ?? [];
          list.push(t);
          adjacency.set(f, list);
        }
      }
      if (nodes.length > 1) {
        for (const n of nodes) {
          if (num(n, 'kind') !== K.ExecutionRun && !touched.has(num(n, 'nid'))) {
            push(orphans, decodeNodeId(text(n, 'id'), runId));
          }
        }
      }
      if (hasCycle(adjacency)) push(cycles, runId);
    }
    const scopeIds = options?.runIds ? new Set(options.runIds) : undefined;
    const dangling: string[] = [];
    for (const r of [...this.#s.selPendingAll.all(), ...this.#s.selDeferredAll.all()]) {
      if (scopeIds && !scopeIds.has(text(r, 'from_run'))) continue;
      if (dangling.length < sampleLimit) dangling.push(text(r, 'id'));
    }
    return {
      runs: scope.length,
      runsWithoutFinalOutput: noFo,
      runsWithoutModelInvocation: noMi,
      retrievalsWithoutDataSource: noDs,
      orphanNodes: orphans,
      danglingLinks: dangling,
      cycles,
    };
  }

  // ---------------------------------------------------------------- finalisation

  /** See GraphStore.runsToFinalise. Oldest last arrival first. */
  async runsToFinalise(nowMs: number, settleMs: number, limit: number): Promise<readonly string[]> {
    this.#assertOpen();
    return this.#s.selRunsToFinalise.all(nowMs - settleMs, limit).map((r) => text(r, 'run_id'));
  }

  /**
   * See GraphStore.markFinalised. Records the finalisation (write-once per sequence),
   * clears the run's dirty flag and materialises lineage closures:
   * - the run's own outputs → every DataSource (walking into sub-runs, finalised or not);
   * - every settled run whose earlier closure walk entered this run (a parent finalised
   *   before its child) is re-closed, so late-finalising children reach parents' closures.
   * A closure is trusted by queries (`closure_ok`) only while the run and every run its
   * walk entered are settled (finalised, no newer spans); otherwise queries walk live.
   */
  async markFinalised(runId: string, finalisation: RunFinalisation): Promise<void> {
    await this.markFinalisedMany([{ runId, finalisation }]);
  }

  /**
   * See GraphStore.markFinalisedMany: {@link markFinalised} for each run, in order, in one
   * transaction (one durable commit instead of one per run: the closure rows of runs
   * finalised together share pages). Open sources are refreshed once, at the end, over
   * every re-closed run: coverage only grows as more runs are finalised.
   */
  async markFinalisedMany(
    entries: readonly { readonly runId: string; readonly finalisation: RunFinalisation }[],
  ): Promise<void> {
    this.#assertOpen();
    if (entries.length === 0) return;
    this.#db.transaction(() => {
      const touched = new Set<number>();
      for (const { runId, finalisation } of entries) {
        const rid = this.#existingRid(runId);
        if (rid === undefined) throw new Error(`markFinalised: unknown run ${JSON.stringify(runId)}`);
        this.#s.insFinalisation.run(
          rid,
          finalisation.sequence,
          finalisation.finalisedAtMs,
          finalisation.archiveKey,
          finalisation.bundleSha256,
        );
        this.#s.updRunFinalised.run(finalisation.sequence, rid);
        const reclosed = new Set<number>([rid]);
        this.#closeRun(rid);
        for (const r of this.#s.selClosureParents.all(rid)) {
          const parent = num(r, 'parent_rid');
          if (parent !== rid && !reclosed.has(parent)) {
            reclosed.add(parent);
            this.#closeRun(parent);
          }
        }
        for (const r of reclosed) touched.add(r);
      }
      this.#refreshOpenSources(touched);
    });
  }

  /** Materialises closure rows for a run's outputs; sets closure_ok. */
  #closeRun(rid: number): void {
    const state = this.#s.selRunState.get(rid);
    if (state === undefined || num(state, 'dirty') === 1 || state.finalised_seq === null) return;
    const deps = new Set<number>();
    let complete = true;
    for (const o of this.#s.selRunOutputs.all(rid)) {
      const outNid = num(o, 'nid');
      const t = num(o, 't');
      const walk = this.#walker.backward(
        { nid: outNid, kind: K.FinalOutput, rid, src: null },
        this.#maxWalkDepth,
      );
      if (walk.truncated) complete = false;
      for (const [dsNid, hit] of walk.sources) {
        this.#s.upsClosureBack.run(outNid, dsNid, hit.depth);
        if (hit.src !== null) this.#s.insClosureFwd.run(hit.src, t, outNid);
      }
      for (const d of walk.rids) if (d !== rid) deps.add(d);
    }
    for (const d of deps) {
      this.#s.insClosureDep.run(d, rid);
      const ds = this.#s.selRunState.get(d);
      if (ds === undefined || num(ds, 'dirty') === 1 || ds.finalised_seq === null) complete = false;
    }
    this.#s.updClosureOk.run(complete ? 1 : 0, rid);
  }

  /**
   * Drops DataSources from `ds_open` once forward lineage can rely on closures for them:
   * their run's closure is complete and so is every ancestor run's (a parent still open
   * could otherwise miss a source of a closed child).
   */
  #refreshOpenSources(roots: ReadonlySet<number>): void {
    const candidates = new Set<number>();
    const stack = [...roots];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (candidates.has(r)) continue;
      candidates.add(r);
      for (const c of this.#s.selChildRuns.all(...runNidRange(r))) stack.push(num(c, 'rid'));
    }
    for (const r of candidates) {
      if (this.#coveredByClosures(r)) {
        this.#s.delOpenOfRun.run(...runNidRange(r));
        this.#s.delOpenRecentOfRun.run(...runNidRange(r));
      }
    }
  }

  #coveredByClosures(rid: number): boolean {
    const seen = new Set<number>();
    const stack = [rid];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (seen.has(r)) continue;
      seen.add(r);
      const state = this.#s.selRunState.get(r);
      if (state === undefined || num(state, 'closure_ok') !== 1) return false;
      for (const p of this.#s.selParentRuns.all(r)) stack.push(num(p, 'rid'));
    }
    return true;
  }

  // ---------------------------------------------------------------- maintenance

  /** Recomputes the SHA-256 of every stored node and edge record and lists mismatches. */
  verifyRecordHashes(): RecordHashReport {
    this.#assertOpen();
    const mismatches: string[] = [];
    let nodesChecked = 0;
    let edgesChecked = 0;
    for (const r of this.#s.selAllNodeRecs.iterate()) {
      nodesChecked++;
      // Rebuild the record from its columns and stored JSON, re-canonicalise and re-hash it.
      const full = canonicalJson(nodeFromRow(r));
      if (!sameBytes(recordSha256(full), r.rec_sha256)) mismatches.push(text(r, 'id'));
    }
    for (const r of this.#s.selAllEdges.iterate()) {
      edgesChecked++;
      const edge = this.#edgeFromRow(r);
      if (!sameBytes(recordSha256(canonicalJson(normaliseEdge(edge))), r.rec_sha256))
        mismatches.push(edge.id);
    }
    return { nodesChecked, edgesChecked, mismatches };
  }

  /** Row counts and database file size (main file + WAL). */
  stats(): SqliteStoreStats {
    this.#assertOpen();
    const count = (sql: SqlRow | undefined) => (sql === undefined ? 0 : num(sql, 'n'));
    const pageCount = Number(this.#db.pragma('page_count') ?? 0);
    const pageSize = Number(this.#db.pragma('page_size') ?? 0);
    return {
      runs: count(this.#s.countRuns.get()),
      nodes: count(this.#s.countNodes.get()),
      edges: count(this.#s.countEdges.get()),
      spans: count(this.#s.countSpans.get()),
      fileBytes:
        this.#path === ':memory:'
          ? pageCount * pageSize
          : fileSize(this.#path) + fileSize(`${this.#path}-wal`),
    };
  }

  /** Runs a WAL checkpoint (TRUNCATE), e.g. before measuring the file size. */
  checkpoint(): void {
    this.#assertOpen();
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  // ---------------------------------------------------------------- content from logs

  /** Page size and WAL checkpoint interval in effect (they depend on how the file was created). */
  pragmas(): { readonly pageSize: number; readonly walAutocheckpointPages: number } {
    this.#assertOpen();
    return {
      pageSize: Number(this.#db.pragma('page_size')),
      walAutocheckpointPages: Number(this.#db.pragma('wal_autocheckpoint')),
    };
  }

  /** See GraphStore.writeContentEvents. One transaction; durable on resolve. */
  async writeContentEvents(events: readonly ContentEvent[], nowMs: number): Promise<ContentWriteResult> {
    this.#assertOpen();
    return this.#db.transaction(() => this.#content.write(events, nowMs));
  }

  /** See GraphStore.pruneContentEvents. */
  async pruneContentEvents(receivedBeforeMs: number): Promise<number> {
    this.#assertOpen();
    return this.#db.transaction(() => this.#content.prune(receivedBeforeMs));
  }

  /** See GraphStore.contentEvents. */
  async contentEvents(runId: string): Promise<readonly ContentEvent[]> {
    this.#assertOpen();
    return this.#content.read(runId);
  }

  /** See GraphStore.replaceWithContent. */
  async replaceWithContent(
    runId: string,
    records: { readonly nodes: readonly LineageNode[]; readonly spans: readonly SpanRecord[] },
  ): Promise<void> {
    this.#assertOpen();
    this.#content.replace(runId, records);
  }

  /** See GraphStore.close. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    // A missing WAL file simply means it was checkpointed away.
    return 0;
  }
}

function sameBytes(a: Uint8Array, b: unknown): boolean {
  if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Iterative three-colour DFS. */
function hasCycle(adjacency: ReadonlyMap<number, readonly number[]>): boolean {
  const colour = new Map<number, 1 | 2>();
  for (const root of adjacency.keys()) {
    if (colour.has(root)) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    colour.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = adjacency.get(top[0]) ?? [];
      if (top[1] < next.length) {
        const n = next[top[1]++]!;
        const c = colour.get(n);
        if (c === 1) return true;
        if (c === undefined) {
          colour.set(n, 1);
          stack.push([n, 0]);
        }
      } else {
        colour.set(top[0], 2);
        stack.pop();
      }
    }
  }
  return false;
}

/**
 * Opens (creating if needed) a SQLite lineage store. The driver is loaded here, lazily.
 * Pragmas: WAL; synchronous=FULL by default (see SqliteGraphStoreOptions.synchronous);
 * 16 KiB pages (new files); wal_autocheckpoint 40 MiB; 64 MB page cache; 256 MiB mmap;
 * busy timeout 5 s.
 */
export async function openSqliteGraphStore(options: SqliteGraphStoreOptions): Promise<SqliteGraphStore> {
  const db = openSqlite(options.path, options.driver);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    // Only takes effect while the file is new (an existing WAL database keeps its page size).
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!PAGE_SIZES.has(pageSize))
      throw new Error(`pageSize must be a power of two from 512 to 65536, not ${pageSize}`);
    db.exec(`PRAGMA page_size = ${pageSize}`);
    if (options.path !== ':memory:') {
      const mode = db.pragma('journal_mode = WAL');
      if (String(mode).toLowerCase() !== 'wal')
        throw new Error(`could not enable WAL (journal_mode=${String(mode)})`);
    }
    db.exec(`PRAGMA synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    const walPages =
      options.walAutocheckpoint ?? Math.round(WAL_CHECKPOINT_BYTES / Number(db.pragma('page_size')));
    db.exec(`PRAGMA wal_autocheckpoint = ${Math.max(1, Math.floor(walPages))}`);
    db.exec(`PRAGMA cache_size = -${Math.max(1024, Math.floor((options.cacheBytes ?? 67_108_864) / 1024))}`);
    // Reads through a memory map skip a pread per page miss (queries walk pages of many runs).
    db.exec(`PRAGMA mmap_size = ${Math.max(0, Math.floor(options.mmapBytes ?? 268_435_456))}`);
    db.exec('PRAGMA temp_store = MEMORY');
    db.exec(SCHEMA_SQL);
    const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
    if (version === undefined) {
      db.prepare("INSERT INTO meta(key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    } else if (version.value === '1') {
      // Version 2 only added sources_recent (created above, empty): a version-1 file is
      // already a valid version-2 file. Version-1 code refuses it from now on, as it must:
      // it would not look up the source keys kept in sources_recent.
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION));
    } else if (version.value !== String(SCHEMA_VERSION)) {
      throw new Error(
        `unsupported lineage store schema version ${String(version.value)} (expected ${SCHEMA_VERSION})`,
      );
    }
    return new SqliteGraphStore(
      db,
      options.path,
      Math.max(1, options.maxWalkDepth ?? 256),
      Math.max(1, options.openMergeThreshold ?? OPEN_MERGE_THRESHOLD),
      Math.max(1, options.sourceMergeThreshold ?? SOURCE_MERGE_THRESHOLD),
    );
  } catch (err) {
    db.close();
    throw err;
  }
}
