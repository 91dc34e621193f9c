import type { SqlDatabase, SqlStatement, SqlValue } from './sqlite-driver.js';

/** Chunk sizes for the rows left after full chunks: a small fixed set, so few statements are prepared. */
const REMAINDER_SIZES = [25, 10, 5, 1] as const;

/**
 * Buffers rows for one INSERT and writes them CHUNK rows per statement execution
 * (multi-row VALUES). Per-statement overhead (binding, VDBE start-up, crossing into the
 * driver) is a large part of ingest cost when rows are small; B-tree work is unchanged.
 * Only for inserts whose per-row outcome the caller does not need (no conflict counting).
 */
export class RowBuffer {
  static readonly CHUNK = 50;
  readonly #db: SqlDatabase;
  readonly #prefix: string;
  readonly #suffix: string;
  readonly #columns: number;
  readonly #tuple: string;
  readonly #bySize = new Map<number, SqlStatement>();
  #values: SqlValue[] = [];

  /** `prefix` is `INSERT INTO t(a, b)`; `suffix` e.g. `ON CONFLICT DO NOTHING`. */
  constructor(db: SqlDatabase, prefix: string, columns: number, suffix = '') {
    this.#db = db;
    this.#prefix = prefix;
    this.#suffix = suffix;
    this.#columns = columns;
    this.#tuple = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  }

  #statement(rows: number): SqlStatement {
    let stmt = this.#bySize.get(rows);
    if (stmt === undefined) {
      stmt = this.#db.prepare(
        `${this.#prefix} VALUES ${Array.from({ length: rows }, () => this.#tuple).join(', ')} ${this.#suffix}`,
      );
      this.#bySize.set(rows, stmt);
    }
    return stmt;
  }

  /** Adds one row (exactly `columns` values). */
  add(...row: SqlValue[]): void {
    for (const v of row) this.#values.push(v);
    if (this.#values.length >= RowBuffer.CHUNK * this.#columns) this.flush();
  }

  /** Writes whatever is buffered. */
  flush(): void {
    const rows = this.#values.length / this.#columns;
    if (rows === 0) return;
    const values = this.#values;
    this.#values = [];
    if (rows === RowBuffer.CHUNK) {
      this.#statement(rows).runValues(values);
      return;
    }
    let offset = 0;
    for (const size of REMAINDER_SIZES) {
      while (rows - offset / this.#columns >= size) {
        this.#statement(size).runValues(values.slice(offset, offset + size * this.#columns));
        offset += size * this.#columns;
      }
    }
  }

  /** Drops buffered rows (after a failed transaction). */
  clear(): void {
    this.#values = [];
  }
}
