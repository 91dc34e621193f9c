import type { SqlDatabase, SqlStatement } from './sqlite-driver.js';
import { NODE_KIND_CODE } from './sqlite-schema.js';

const K = NODE_KIND_CODE;

/** Columns a node is rebuilt from (see record-hash.ts joinNode); needs `nodes n` joined with `runs r`. */
/** Columns an edge is rebuilt from; needs `nodes f` (from), `nodes t` (to), `edges e` and EDGE_JOINS. */
const EDGE = `e.type AS type, f.id AS from_id, fr.run_id AS from_run, t.id AS to_id, tr.run_id AS to_run,
  r.run_id AS run_id, e.inferred AS inferred, e.time_ms AS time_ms, e.id_override AS id_override`;
const EDGE_JOINS = `CROSS JOIN runs r ON r.rid = e.rid CROSS JOIN runs fr ON fr.rid = f.rid
  CROSS JOIN runs tr ON tr.rid = t.rid`;
const NODE =
  'n.id AS id, n.kind AS kind, n.span_id AS span_id, n.time_ms AS time_ms, n.rec AS rec, r.run_id AS run_id';

// Every statement the store runs, prepared once per connection. Parameters are always
// bound (`?`), never interpolated: ids are untrusted input. Only integer constants from
// sqlite-schema.ts are interpolated.
const SQL = {
  selRid: 'SELECT rid FROM runs WHERE run_id = ?',
  insRun: 'INSERT INTO runs(run_id, start_ms, last_arrival_ms) VALUES (?, ?, ?)',
  selMid: 'SELECT mid AS id FROM models WHERE name = ?',
  insMid: 'INSERT INTO models(name) VALUES (?) ON CONFLICT DO NOTHING RETURNING mid AS id',

  // Spans are written through RowBuffer after a per-run check of existing span ids.
  selRunSpanIds: 'SELECT span_id FROM spans WHERE rid = ?',
  // Nodes and ds_open_recent rows are written through RowBuffer (multi-row INSERT).
  // "In run" below = the run's nid range [lo, hi) (sqlite-schema.ts runNidRange).
  selRunNodeKeys: 'SELECT nid, span_id, id FROM nodes WHERE nid >= ? AND nid < ?',
  selNidInRun: 'SELECT nid FROM nodes WHERE nid >= ? AND nid < ? AND id = ?',
  countOpenRecent: 'SELECT count(*) AS n FROM ds_open_recent',
  // "WHERE true" disambiguates ON CONFLICT after INSERT … SELECT (SQLite parser rule).
  mergeOpenRecent: `INSERT INTO ds_open(src, nid) SELECT src, nid FROM ds_open_recent WHERE true ORDER BY src, nid
                    ON CONFLICT DO NOTHING`,
  clearOpenRecent: 'DELETE FROM ds_open_recent',
  upsRunModel: `INSERT INTO run_models(mid, rid, t) VALUES (?, ?, ?)
                ON CONFLICT(mid, rid) DO UPDATE SET t = excluded.t WHERE excluded.t < run_models.t`,
  insEdge: `INSERT INTO edges(from_nid, type, to_nid, rid, inferred, time_ms, id_override, rec_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  insDeferred:
    'INSERT INTO deferred_edges(missing_id, id, from_run, rec) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  anyDeferred: 'SELECT 1 AS x FROM deferred_edges LIMIT 1',
  selDeferredFor: 'SELECT id, rec FROM deferred_edges WHERE missing_id = ?',
  delDeferred: 'DELETE FROM deferred_edges WHERE missing_id = ? AND id = ?',
  selNodesOfSpan: `SELECT n.nid AS nid, ${NODE} FROM nodes n CROSS JOIN runs r ON r.rid = n.rid WHERE n.nid >= ? AND n.nid < ? AND n.span_id = ?`,
  selSpanExists: 'SELECT 1 AS x FROM spans WHERE rid = ? AND span_id = ?',
  insPending: `INSERT INTO pending_links(target_run, target_span, id, from_run, rec) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING`,
  delPending: 'DELETE FROM pending_links WHERE target_run = ? AND target_span = ? AND id = ?',
  anyPending: 'SELECT 1 AS x FROM pending_links LIMIT 1',
  selPendingForSpan: 'SELECT rec FROM pending_links WHERE target_run = ? AND target_span = ?',
  updRunRoot: 'UPDATE runs SET root_ended = 1 WHERE rid = ? AND root_ended = 0',
  updRunArrival: `UPDATE runs SET last_arrival_ms = max(last_arrival_ms, ?), start_ms = min(start_ms, ?), dirty = 1,
                  closure_ok = 0 WHERE rid = ? RETURNING finalised_seq`,
  invalidateDependentClosures:
    'UPDATE runs SET closure_ok = 0 WHERE closure_ok = 1 AND rid IN (SELECT parent_rid FROM closure_deps WHERE child_rid = ?)',
  updRunAgent: 'UPDATE runs SET agent_name = ? WHERE rid = ?',
  selRunVersions: 'SELECT model_versions FROM runs WHERE rid = ?',
  updRunVersions: 'UPDATE runs SET model_versions = ? WHERE rid = ?',

  selRunNodes: `SELECT ${NODE} FROM nodes n CROSS JOIN runs r ON r.rid = n.rid WHERE n.nid >= ? AND n.nid < ?`,
  selRunSpans: 'SELECT span_id, rec FROM spans WHERE rid = ? ORDER BY span_id',
  selRunEdgesOut: `SELECT ${EDGE} FROM nodes f CROSS JOIN edges e ON e.from_nid = f.nid
                     CROSS JOIN nodes t ON t.nid = e.to_nid ${EDGE_JOINS} WHERE f.nid >= ? AND f.nid < ?`,
  // Edges into the run from other runs only: edges inside the run come with selRunEdgesOut.
  selRunEdgesIn: `SELECT ${EDGE} FROM nodes t CROSS JOIN edges e ON e.to_nid = t.nid
                    CROSS JOIN nodes f ON f.nid = e.from_nid ${EDGE_JOINS}
                    WHERE t.nid >= ? AND t.nid < ? AND (f.nid < ? OR f.nid >= ?)`,
  countPendingFrom: 'SELECT count(*) AS n FROM pending_links WHERE from_run = ?',
  countDeferredFrom: 'SELECT count(*) AS n FROM deferred_edges WHERE from_run = ?',
  selLastFinalisation:
    'SELECT seq, finalised_at_ms, archive_key, bundle_sha256 FROM finalisations WHERE rid = ? ORDER BY seq DESC LIMIT 1',

  selOutputsByHash: `SELECT n.nid AS nid, n.rid AS rid, ${NODE}, r.closure_ok AS closure_ok FROM nodes n CROSS JOIN runs r ON r.rid = n.rid
                      WHERE n.out_sha256 = ? AND n.kind = ${K.FinalOutput}`,
  selClosureBack: `SELECT c.depth AS depth, ${NODE} FROM closure_back c CROSS JOIN nodes n ON n.nid = c.ds_nid
                    CROSS JOIN runs r ON r.rid = n.rid WHERE c.out_nid = ?`,
  selNodeRecs: `SELECT n.nid AS nid, ${NODE} FROM json_each(?) j CROSS JOIN nodes n ON n.nid = j.value
                CROSS JOIN runs r ON r.rid = n.rid`,
  selOpenBySrc:
    'SELECT nid FROM ds_open WHERE src = ? UNION ALL SELECT nid FROM ds_open_recent WHERE src = ?',
  selClosureFwdPage: `SELECT f.t AS t, f.out_nid AS nid, n.id AS id, n.out_sha256 AS out_sha256, r.run_id AS run_id
                        FROM closure_fwd f CROSS JOIN nodes n ON n.nid = f.out_nid CROSS JOIN runs r ON r.rid = n.rid
                       WHERE f.src = ? AND (f.t < ? OR (f.t = ? AND f.out_nid < ?))
                       ORDER BY f.t DESC, f.out_nid DESC LIMIT ?`,
  selOutputBrief: `SELECT n.time_ms AS t, n.nid AS nid, n.id AS id, n.out_sha256 AS out_sha256, r.run_id AS run_id
                     FROM nodes n CROSS JOIN runs r ON r.rid = n.rid WHERE n.nid = ?`,
  selRunsByModel: `SELECT m.t, m.rid, r.run_id, r.agent_name, r.start_ms, r.model_versions
                     FROM run_models m CROSS JOIN runs r ON r.rid = m.rid
                    WHERE m.mid = ? AND m.t >= ? AND m.t < ? AND (m.t < ? OR (m.t = ? AND m.rid < ?))
                    ORDER BY m.t DESC, m.rid DESC LIMIT ?`,

  selAllRuns: 'SELECT rid, run_id FROM runs ORDER BY rid',
  selRunNodeBrief: 'SELECT nid, kind, span_id, id FROM nodes WHERE nid >= ? AND nid < ?',
  selRunRetrievalSpans: 'SELECT span_id FROM spans WHERE rid = ? AND span_type = ?',
  selRunEdgeEndsOut:
    'SELECT e.from_nid, e.to_nid, e.type FROM nodes n CROSS JOIN edges e ON e.from_nid = n.nid WHERE n.nid >= ? AND n.nid < ?',
  selRunEdgeEndsIn:
    'SELECT e.from_nid, e.to_nid, e.type FROM nodes n CROSS JOIN edges e ON e.to_nid = n.nid WHERE n.nid >= ? AND n.nid < ?',
  selPendingAll: 'SELECT id, from_run FROM pending_links ORDER BY id',
  selDeferredAll: 'SELECT id, from_run FROM deferred_edges ORDER BY id',

  selRunsToFinalise: `SELECT run_id FROM runs WHERE dirty = 1 AND root_ended = 1 AND last_arrival_ms <= ?
                       ORDER BY last_arrival_ms LIMIT ?`,
  insFinalisation: `INSERT INTO finalisations(rid, seq, finalised_at_ms, archive_key, bundle_sha256) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING`,
  updRunFinalised:
    'UPDATE runs SET dirty = 0, finalised_seq = max(coalesce(finalised_seq, -1), ?) WHERE rid = ?',
  selRunState: 'SELECT dirty, finalised_seq, closure_ok FROM runs WHERE rid = ?',
  selRunOutputs: `SELECT nid, time_ms AS t FROM nodes WHERE rid = ? AND kind = ${K.FinalOutput}`,
  upsClosureBack: `INSERT INTO closure_back(out_nid, ds_nid, depth) VALUES (?, ?, ?)
                   ON CONFLICT DO UPDATE SET depth = excluded.depth WHERE excluded.depth < closure_back.depth`,
  insClosureFwd: 'INSERT INTO closure_fwd(src, t, out_nid) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  insClosureDep: 'INSERT INTO closure_deps(child_rid, parent_rid) VALUES (?, ?) ON CONFLICT DO NOTHING',
  updClosureOk: 'UPDATE runs SET closure_ok = ? WHERE rid = ?',
  selClosureParents: 'SELECT parent_rid FROM closure_deps WHERE child_rid = ?',
  // Runs spawned by (child of) a run: their ExecutionRun node has SPAWNED_BY into this run's nodes.
  selChildRuns: `SELECT DISTINCT c.rid FROM nodes x CROSS JOIN edges e ON e.to_nid = x.nid AND e.type = 5
                   CROSS JOIN nodes c ON c.nid = e.from_nid WHERE x.nid >= ? AND x.nid < ? AND c.kind = ${K.ExecutionRun}`,
  selParentRuns: `SELECT DISTINCT p.rid FROM nodes r CROSS JOIN edges e ON e.from_nid = r.nid AND e.type = 5
                    CROSS JOIN nodes p ON p.nid = e.to_nid WHERE r.rid = ? AND r.kind = ${K.ExecutionRun}`,
  // Per DataSource of the run (by primary key), so ds_open needs no second index on run.
  delOpenOfRun: `DELETE FROM ds_open WHERE (src, nid) IN
                   (SELECT src, nid FROM nodes WHERE nid >= ? AND nid < ? AND kind = ${K.DataSource})`,
  delOpenRecentOfRun: 'DELETE FROM ds_open_recent WHERE nid >= ? AND nid < ?',

  selAllNodeRecs: `SELECT ${NODE}, n.rec_sha256 AS rec_sha256 FROM nodes n CROSS JOIN runs r ON r.rid = n.rid ORDER BY n.nid`,
  selAllEdges: `SELECT ${EDGE}, e.rec_sha256 AS rec_sha256
                  FROM edges e CROSS JOIN nodes f ON f.nid = e.from_nid CROSS JOIN nodes t ON t.nid = e.to_nid
                  ${EDGE_JOINS}`,
  countRuns: 'SELECT count(*) AS n FROM runs',
  countNodes: 'SELECT count(*) AS n FROM nodes',
  countEdges: 'SELECT count(*) AS n FROM edges',
  countSpans: 'SELECT count(*) AS n FROM spans',
} as const;

/** The prepared statements, by name. */
export type SqliteStatements = { readonly [K in keyof typeof SQL]: SqlStatement };

/** Prepares every statement of the store on one connection. */
export function prepareStatements(db: SqlDatabase): SqliteStatements {
  const out: Partial<Record<keyof typeof SQL, SqlStatement>> = {};
  for (const key of Object.keys(SQL) as Array<keyof typeof SQL>) out[key] = db.prepare(SQL[key]);
  return out as SqliteStatements;
}
