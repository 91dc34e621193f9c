import type { ContentEvent } from '../../logs/content-event.js';
import type { LineageNode, SpanRecord } from '../../model/lineage-record.js';
import type { ContentWriteResult } from '../../ports/graph-store.js';
import { encodeNodeId } from './node-id-codec.js';
import { recordSha256, splitNode } from './record-hash.js';
import type { SqlDatabase, SqlStatement } from './sqlite-driver.js';
import { num, text } from './sqlite-rows.js';
import { runNidRange } from './sqlite-schema.js';

/**
 * GenAI content events waiting for their run's finalisation, in arrival order (`seq`): a
 * request's messages usually share one millisecond timestamp, so arrival is what orders
 * them after time. `rec` is the event's messages
 * as JSON: content is held here only until the run is finalised (then deleted, with
 * secure_delete so the freed cells and overflow pages are zeroed), because a request's hash needs all of its
 * messages and they may arrive over several log batches. Added with IF NOT EXISTS, so a
 * store created before this table gains it on open (no schema version change).
 */
const CONTENT_EVENTS_SQL = `
CREATE TABLE IF NOT EXISTS content_events (
  seq INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  time_ns TEXT NOT NULL,
  key TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  rec TEXT NOT NULL,
  UNIQUE (run_id, span_id, key)
);
CREATE INDEX IF NOT EXISTS content_events_received ON content_events(received_ms);
-- Runs whose content was merged but which are not marked finalised yet (the archive write
-- sits in between): content arriving then is refused as late, not left behind unmerged.
CREATE TABLE IF NOT EXISTS content_merged (run_id TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/** Content-event storage and the node/span replacement that merges them (SqliteGraphStore delegates here). */
export class ContentEventsTable {
  readonly #db: SqlDatabase;
  readonly #selRun: SqlStatement;
  readonly #insEvent: SqlStatement;
  readonly #touchRun: SqlStatement;
  readonly #selEvents: SqlStatement;
  readonly #delEvents: SqlStatement;
  readonly #prune: SqlStatement;
  readonly #selNid: SqlStatement;
  readonly #updNode: SqlStatement;
  readonly #updSpan: SqlStatement;
  readonly #isMerged: SqlStatement;
  readonly #markMerged: SqlStatement;
  readonly #pruneMerged: SqlStatement;

  constructor(db: SqlDatabase) {
    this.#db = db;
    db.exec(CONTENT_EVENTS_SQL);
    this.#selRun = db.prepare('SELECT rid, finalised_seq FROM runs WHERE run_id = ?');
    this.#insEvent = db.prepare(
      'INSERT INTO content_events(run_id, span_id, time_ns, key, received_ms, rec) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.#touchRun = db.prepare('UPDATE runs SET last_arrival_ms = max(last_arrival_ms, ?) WHERE rid = ?');
    this.#selEvents = db.prepare(
      'SELECT span_id, time_ns, key, rec FROM content_events WHERE run_id = ? ORDER BY span_id, time_ns, seq',
    );
    this.#delEvents = db.prepare('DELETE FROM content_events WHERE run_id = ?');
    // Expired: the run never arrived, or went quiet without its root ending (a killed agent),
    // or was finalised while the content was arriving. A run whose root ended keeps its
    // content whatever its age: it is finalised next (also after downtime), merging it.
    this.#prune = db.prepare(
      `DELETE FROM content_events WHERE received_ms < ? AND NOT EXISTS (
         SELECT 1 FROM runs WHERE runs.run_id = content_events.run_id
           AND runs.finalised_seq IS NULL AND (runs.root_ended = 1 OR runs.last_arrival_ms >= ?))`,
    );
    this.#isMerged = db.prepare('SELECT 1 AS x FROM content_merged WHERE run_id = ?');
    this.#markMerged = db.prepare('INSERT INTO content_merged(run_id) VALUES (?) ON CONFLICT DO NOTHING');
    this.#pruneMerged = db.prepare(
      `DELETE FROM content_merged WHERE EXISTS (
         SELECT 1 FROM runs WHERE runs.run_id = content_merged.run_id AND runs.finalised_seq IS NOT NULL)`,
    );
    this.#selNid = db.prepare('SELECT nid, kind FROM nodes WHERE nid >= ? AND nid < ? AND id = ?');
    this.#updNode = db.prepare('UPDATE nodes SET rec = ?, rec_sha256 = ? WHERE nid = ?');
    this.#updSpan = db.prepare('UPDATE spans SET rec = ? WHERE rid = ? AND span_id = ?');
  }

  /** See GraphStore.writeContentEvents; runs inside the caller's transaction. */
  write(events: readonly ContentEvent[], nowMs: number): ContentWriteResult {
    const late: ContentEvent[] = [];
    const runs = new Map<string, { rid: number; finalised: boolean } | undefined>();
    let written = 0;
    for (const e of events) {
      let run = runs.get(e.runId);
      if (!runs.has(e.runId)) {
        const row = this.#selRun.get(e.runId);
        run =
          row === undefined
            ? undefined
            : {
                rid: num(row, 'rid'),
                finalised: row.finalised_seq !== null || this.#isMerged.get(e.runId) !== undefined,
              };
        runs.set(e.runId, run);
        if (run !== undefined && !run.finalised) this.#touchRun.run(nowMs, run.rid);
      }
      if (run?.finalised) {
        late.push(e);
        continue;
      }
      const rec = JSON.stringify({
        input: e.input,
        output: e.output,
        ...(e.inputWithheld ? { inputWithheld: true } : {}),
        ...(e.outputWithheld ? { outputWithheld: true } : {}),
      });
      written += this.#insEvent.run(e.runId, e.spanId, e.timeNs, e.key, nowMs, rec).changes;
    }
    return { written, late };
  }

  /** See GraphStore.contentEvents. */
  read(runId: string): ContentEvent[] {
    return this.#selEvents.all(runId).map((row) => {
      const rec = JSON.parse(text(row, 'rec')) as Pick<
        ContentEvent,
        'input' | 'output' | 'inputWithheld' | 'outputWithheld'
      >;
      return {
        runId,
        spanId: text(row, 'span_id'),
        timeNs: text(row, 'time_ns'),
        key: text(row, 'key'),
        ...rec,
      };
    });
  }

  /** See GraphStore.replaceWithContent. */
  replace(
    runId: string,
    records: { readonly nodes: readonly LineageNode[]; readonly spans: readonly SpanRecord[] },
  ): void {
    this.#db.transaction(() => {
      const row = this.#selRun.get(runId);
      if (row === undefined) throw new Error(`run ${JSON.stringify(runId)} is not in the store`);
      if (row.finalised_seq !== null)
        throw new Error(`run ${JSON.stringify(runId)} is finalised; its archived records cannot change`);
      const rid = num(row, 'rid');
      const [lo, hi] = runNidRange(rid);
      for (const node of records.nodes) {
        if (node.runId !== runId || node.kind !== 'ModelInvocation')
          throw new Error(`only ModelInvocation nodes of run ${runId} can be replaced (got ${node.id})`);
        const found = this.#selNid.get(lo, hi, encodeNodeId(node.id, runId));
        if (found === undefined) throw new Error(`node ${JSON.stringify(node.id)} is not in the store`);
        const rec = splitNode(node);
        this.#updNode.run(rec.rest, recordSha256(rec.full), num(found, 'nid'));
      }
      for (const span of records.spans) {
        if (span.runId !== runId) throw new Error(`span ${span.spanId} is not in run ${runId}`);
        // Stored as BatchWriter stores span records: plain JSON without the key columns.
        const { runId: _run, spanId, ...rest } = span;
        if (this.#updSpan.run(JSON.stringify(rest), rid, spanId).changes === 0)
          throw new Error(`span ${JSON.stringify(spanId)} of run ${runId} is not in the store`);
      }
      this.#secureDelete(() => this.#delEvents.run(runId));
      this.#markMerged.run(runId);
    });
  }

  /** See GraphStore.pruneContentEvents; runs inside the caller's transaction. */
  prune(receivedBeforeMs: number): number {
    this.#pruneMerged.run();
    return this.#secureDelete(() => this.#prune.run(receivedBeforeMs, receivedBeforeMs).changes);
  }

  /**
   * Overwrites what is deleted, overflow pages included (`ON`, not `FAST`: a long prompt
   * spills into overflow pages, which FAST frees without zeroing), then restores the setting.
   */
  #secureDelete<T>(fn: () => T): T {
    const before = Number(this.#db.pragma('secure_delete') ?? 0);
    this.#db.exec('PRAGMA secure_delete = ON');
    try {
      return fn();
    } finally {
      this.#db.exec(`PRAGMA secure_delete = ${before === 1 ? 'ON' : before === 2 ? 'FAST' : 'OFF'}`);
    }
  }
}
