import type { EdgeType, NodeKind, SpanRecord } from '../../model/lineage-record.js';

/**
 * Schema of the SQLite hot tier. Design goals (DESIGN.md §9): compact rows, INTEGER
 * surrogate keys, and indexes whose insert position follows ingest order, so a durable
 * batch commit touches few pages. Runs get increasing `rid`s as they first appear and
 * nodes get increasing `nid`s, so every index keyed by (rid, …) or (nid, …) is
 * append-mostly; the only random-position inserts are one `runs.run_id` entry per run,
 * one `sources_recent` entry per new data source id (a small index, merged into `sources`
 * in bulk) and `ds_open`/`run_models` entries.
 *
 * Version 2 added `sources_recent`; a version-1 file is migrated on open (see
 * openSqliteGraphStore).
 */
export const SCHEMA_VERSION = 2;

/**
 * Node keys are allocated per run: nid = rid × 2^24 + ordinal. A run's nodes are then one
 * contiguous rowid range, clustered on disk, found by a range scan instead of a secondary
 * index (one fewer B-tree insert per node; see BatchWriter.#runSlots). Limits: 16,777,216
 * nodes per run and 2^29 runs (nid stays a safe integer).
 */
export const NODES_PER_RUN = 2 ** 24;

/** [first nid, first nid of the next run) of a run. */
export function runNidRange(rid: number): [number, number] {
  return [rid * NODES_PER_RUN, (rid + 1) * NODES_PER_RUN];
}

/** Node kinds as small integers (stored in `nodes.kind`). */
export const NODE_KIND_CODE: Readonly<Record<NodeKind, number>> = {
  ExecutionRun: 1,
  ModelInvocation: 2,
  DataSource: 3,
  IntermediateArtifact: 4,
  FinalOutput: 5,
  Upstream: 6,
};

/** Reverse of NODE_KIND_CODE. */
export const NODE_KIND_BY_CODE: ReadonlyMap<number, NodeKind> = new Map(
  Object.entries(NODE_KIND_CODE).map(([k, v]) => [v, k as NodeKind]),
);

/** Edge types as small integers (stored in `edges.type`). Walk rules depend on these values. */
export const EDGE_TYPE_CODE: Readonly<Record<EdgeType, number>> = {
  CONTRIBUTED_TO: 1,
  CONSUMED_BY: 2,
  RETRIEVED_FROM: 3,
  PRODUCED_BY: 4,
  SPAWNED_BY: 5,
  TRIGGERED_BY: 6,
  SUPERSEDED_BY: 7,
};

/** Reverse of EDGE_TYPE_CODE. */
export const EDGE_TYPE_BY_CODE: ReadonlyMap<number, EdgeType> = new Map(
  Object.entries(EDGE_TYPE_CODE).map(([k, v]) => [v, k as EdgeType]),
);

/** Span types as small integers (stored in `spans.span_type`). */
export const SPAN_TYPE_CODE: Readonly<Record<SpanRecord['spanType'], number>> = {
  run: 1,
  model_invocation: 2,
  retrieval: 3,
  tool_call: 4,
  output: 5,
  other: 6,
};

/** DDL, idempotent. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

-- One row per run (= trace id). dirty: has content no finalisation covers yet.
-- closure_ok: materialised closure is complete (run and every run its walk entered are settled).
CREATE TABLE IF NOT EXISTS runs (
  rid INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL UNIQUE,
  start_ms INTEGER NOT NULL,
  root_ended INTEGER NOT NULL DEFAULT 0,
  last_arrival_ms INTEGER NOT NULL,
  dirty INTEGER NOT NULL DEFAULT 1,
  finalised_seq INTEGER,
  closure_ok INTEGER NOT NULL DEFAULT 0,
  agent_name TEXT,
  model_versions TEXT
);
CREATE INDEX IF NOT EXISTS runs_to_finalise ON runs(last_arrival_ms) WHERE dirty = 1 AND root_ended = 1;

CREATE TABLE IF NOT EXISTS finalisations (
  rid INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  finalised_at_ms INTEGER NOT NULL,
  archive_key TEXT NOT NULL,
  bundle_sha256 TEXT NOT NULL,
  PRIMARY KEY (rid, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS spans (
  rid INTEGER NOT NULL,
  span_id TEXT NOT NULL,
  span_type INTEGER NOT NULL,
  rec TEXT NOT NULL,
  PRIMARY KEY (rid, span_id)
) WITHOUT ROWID;

-- rec: canonical JSON of the node without its column fields (id, kind, runId, spanId,
-- startTimeMs); rec_sha256: SHA-256 of the whole node's RFC 8785 canonical JSON.
CREATE TABLE IF NOT EXISTS nodes (
  nid INTEGER PRIMARY KEY,
  rid INTEGER NOT NULL,
  span_id TEXT NOT NULL,
  id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  out_sha256 TEXT,
  src INTEGER,
  rec TEXT NOT NULL,
  rec_sha256 BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_output_hash ON nodes(out_sha256) WHERE kind = 5;
CREATE INDEX IF NOT EXISTS nodes_run_outputs ON nodes(rid) WHERE kind = 5;
CREATE INDEX IF NOT EXISTS nodes_run_heads ON nodes(rid) WHERE kind = 1;

-- Edges are stored as columns; the canonical record is rebuilt from them to verify rec_sha256.
-- id_override is set only when the mapping's edge id differs from {type}:{from}>{to}.
CREATE TABLE IF NOT EXISTS edges (
  from_nid INTEGER NOT NULL,
  type INTEGER NOT NULL,
  to_nid INTEGER NOT NULL,
  rid INTEGER NOT NULL,
  inferred INTEGER NOT NULL,
  time_ms INTEGER,
  id_override TEXT,
  rec_sha256 BLOB NOT NULL,
  PRIMARY KEY (from_nid, type, to_nid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_in ON edges(to_nid, type, from_nid);

-- Data source ids, two levels like ds_open below (see source-keys.ts): new ids are added to
-- the small sources_recent and merged into sources in bulk; a key is in exactly one of them.
CREATE TABLE IF NOT EXISTS sources (src INTEGER PRIMARY KEY, source_id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS sources_recent (src INTEGER PRIMARY KEY, source_id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS models (mid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
-- t = first time the run invoked the model.
CREATE TABLE IF NOT EXISTS run_models (
  mid INTEGER NOT NULL,
  rid INTEGER NOT NULL,
  t INTEGER NOT NULL,
  PRIMARY KEY (mid, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS run_models_by_time ON run_models(mid, t, rid);

-- Link intents whose target span has not arrived (dangling).
CREATE TABLE IF NOT EXISTS pending_links (
  target_run TEXT NOT NULL,
  target_span TEXT NOT NULL,
  id TEXT NOT NULL,
  from_run TEXT NOT NULL,
  rec TEXT NOT NULL,
  PRIMARY KEY (target_run, target_span, id)
) WITHOUT ROWID;

-- Edges one of whose endpoint nodes has not arrived.
CREATE TABLE IF NOT EXISTS deferred_edges (
  missing_id TEXT NOT NULL,
  id TEXT NOT NULL,
  from_run TEXT NOT NULL,
  rec TEXT NOT NULL,
  PRIMARY KEY (missing_id, id)
) WITHOUT ROWID;

-- Materialised lineage closure of settled runs (see closure.ts).
CREATE TABLE IF NOT EXISTS closure_back (
  out_nid INTEGER NOT NULL,
  ds_nid INTEGER NOT NULL,
  depth INTEGER NOT NULL,
  PRIMARY KEY (out_nid, ds_nid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS closure_fwd (
  src INTEGER NOT NULL,
  t INTEGER NOT NULL,
  out_nid INTEGER NOT NULL,
  PRIMARY KEY (src, t, out_nid)
) WITHOUT ROWID;
-- parent_rid's closure walk entered child_rid: re-close parent when child settles.
CREATE TABLE IF NOT EXISTS closure_deps (
  child_rid INTEGER NOT NULL,
  parent_rid INTEGER NOT NULL,
  PRIMARY KEY (child_rid, parent_rid)
) WITHOUT ROWID;
-- DataSource nodes not yet covered by closure_fwd; forward lineage walks from these live.
-- Two levels, like an LSM tree: new entries are appended to ds_open_recent (rowid order,
-- cheap) and merged into the src-ordered ds_open in bulk, sorted, every few tens of
-- thousands of entries. Inserting each one into ds_open directly touched a random page per
-- DataSource and cost a quarter of ingest throughput; queries scan the small recent table.
CREATE TABLE IF NOT EXISTS ds_open (
  src INTEGER NOT NULL,
  nid INTEGER NOT NULL,
  PRIMARY KEY (src, nid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ds_open_recent (nid INTEGER PRIMARY KEY, src INTEGER NOT NULL);
`;
