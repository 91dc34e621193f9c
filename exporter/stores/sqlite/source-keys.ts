import type { SqlDatabase, SqlStatement } from './sqlite-driver.js';
import { num, text } from './sqlite-rows.js';

/** Row counts of the multi-row lookups and inserts (largest first): few prepared statements. */
const CHUNKS = [50, 25, 10, 5, 1] as const;

/**
 * Interning of data source ids as integer keys (`src`), in two levels (see sqlite-schema.ts):
 * new ids go to the small `sources_recent`, which is merged into `sources` in bulk. A new id
 * lands at a random position of the source_id index; in the one big index that touched a
 * different page per new id, and every touched page is rewritten to the WAL at each commit
 * (about 40 % of the pages a 512-span batch wrote on a 100,000-source corpus). In the small
 * index the same inserts share few pages, and a merge rewrites each page of the big index at
 * most once per several thousand ids.
 *
 * Keys are allocated in first-appearance order after the largest key of either level, inside
 * the caller's write transaction (one writer: BEGIN IMMEDIATE), so they never collide.
 */
export class SourceKeys {
  readonly #db: SqlDatabase;
  readonly #mergeThreshold: number;
  readonly #maxKey: SqlStatement;
  readonly #merge: SqlStatement;
  readonly #clear: SqlStatement;
  readonly #insertBySize = new Map<number, SqlStatement>();
  readonly #lookupBySize = new Map<number, SqlStatement>();
  /** Approximate row count of sources_recent (only triggers merges). */
  #recent: number;

  constructor(db: SqlDatabase, mergeThreshold: number) {
    this.#db = db;
    this.#mergeThreshold = mergeThreshold;
    this.#maxKey = db.prepare(
      `SELECT max(coalesce((SELECT max(src) FROM sources), 0),
                  coalesce((SELECT max(src) FROM sources_recent), 0)) AS n`,
    );
    this.#merge = db.prepare(
      'INSERT INTO sources(src, source_id) SELECT src, source_id FROM sources_recent WHERE true ORDER BY src',
    );
    this.#clear = db.prepare('DELETE FROM sources_recent');
    this.#recent = num(db.prepare('SELECT count(*) AS n FROM sources_recent').get() ?? { n: 0 }, 'n');
  }

  /**
   * Resolves `ids` (distinct, none known to the caller) inside a write transaction: ids
   * stored before are passed to `stored`, new ids get fresh keys, are inserted and passed
   * to `created` (not committed yet: the caller must not cache them before the commit).
   *
   * `completeUpTo`: the caller's cache holds every id stored so far, whose largest key is
   * this. If the largest stored key is still that (no other writer added ids), every id
   * is new and the lookup is skipped.
   */
  intern(
    ids: readonly string[],
    stored: (id: string, src: number) => void,
    created: (id: string, src: number) => void,
    completeUpTo?: number,
  ): void {
    if (ids.length === 0) return;
    const maxKey = this.maxKey();
    let fresh: readonly string[] = ids;
    if (completeUpTo === undefined || completeUpTo !== maxKey) {
      const unknown: string[] = [];
      for (let offset = 0; offset < ids.length; ) {
        const size = CHUNKS.find((c) => c <= ids.length - offset) ?? 1;
        for (const row of this.#lookupStatement(size).all(...ids.slice(offset, offset + size))) {
          const k = text(row, 'k');
          if (row.id === null) unknown.push(k);
          else stored(k, num(row, 'id'));
        }
        offset += size;
      }
      fresh = unknown;
    }
    if (fresh.length === 0) return;
    let next = maxKey + 1;
    for (let offset = 0; offset < fresh.length; ) {
      const size = CHUNKS.find((c) => c <= fresh.length - offset) ?? 1;
      const values: Array<string | number> = [];
      for (let i = offset; i < offset + size; i++) {
        const id = fresh[i] as string;
        values.push(next, id);
        created(id, next++);
      }
      this.#insert(size).runValues(values);
      offset += size;
    }
    this.#recent += fresh.length;
  }

  /** The largest key stored in either level (0 when there is none). */
  maxKey(): number {
    return num(this.#maxKey.get() ?? { n: 0 }, 'n');
  }

  /** Every stored (id, key) when there are at most `limit`, else undefined. */
  loadAll(limit: number): Array<[string, number]> | undefined {
    const count = num(
      this.#db
        .prepare('SELECT (SELECT count(*) FROM sources) + (SELECT count(*) FROM sources_recent) AS n')
        .get() ?? {
        n: 0,
      },
      'n',
    );
    if (count > limit) return undefined;
    return this.#db
      .prepare('SELECT source_id, src FROM sources UNION ALL SELECT source_id, src FROM sources_recent')
      .all()
      .map((r) => [text(r, 'source_id'), num(r, 'src')]);
  }

  /** Merges sources_recent into sources once it holds enough rows (inside the write transaction). */
  mergeIfDue(): void {
    if (this.#recent < this.#mergeThreshold) return;
    this.#merge.run();
    this.#clear.run();
    this.#recent = 0;
  }

  /** Key of a stored source id (either level), if any. */
  find(id: string): number | undefined {
    const row = this.#lookupStatement(1).get(id);
    return row === undefined || row.id === null ? undefined : num(row, 'id');
  }

  /** One row (k, id) per bound id; id is NULL for an id neither level holds. */
  #lookupStatement(rows: number): SqlStatement {
    let stmt = this.#lookupBySize.get(rows);
    if (stmt === undefined) {
      const values = Array.from({ length: rows }, () => '(?)').join(', ');
      stmt = this.#db.prepare(
        `WITH k(v) AS (VALUES ${values})
         SELECT v AS k, coalesce((SELECT src FROM sources WHERE source_id = v),
                                 (SELECT src FROM sources_recent WHERE source_id = v)) AS id FROM k`,
      );
      this.#lookupBySize.set(rows, stmt);
    }
    return stmt;
  }

  #insert(rows: number): SqlStatement {
    let stmt = this.#insertBySize.get(rows);
    if (stmt === undefined) {
      const values = Array.from({ length: rows }, () => '(?, ?)').join(', ');
      stmt = this.#db.prepare(`INSERT INTO sources_recent(src, source_id) VALUES ${values}`);
      this.#insertBySize.set(rows, stmt);
    }
    return stmt;
  }
}
