import { createRequire } from 'node:module';

/**
 * The smallest SQLite surface the store uses, so it can run on two drivers:
 * `node:sqlite` (built into Node ≥ 22.5) and `better-sqlite3` (Node 20). better-sqlite3
 * 12.11 aborts under Node 24 when a statement is garbage collected (DESIGN.md §9), so on
 * Node versions that have `node:sqlite` we prefer it. Only positional `?` parameters.
 */

/** A value SQLite can bind or return (BLOBs come back as Uint8Array or Buffer). */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** A result row keyed by column name. */
export type SqlRow = Record<string, SqlValue>;

/** Outcome of a write statement. */
export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number;
}

/** A prepared statement. */
export interface SqlStatement {
  run(...params: SqlValue[]): RunResult;
  /**
   * Runs the statement with positional parameters taken from an array, without reporting
   * the outcome. For multi-row inserts with hundreds of parameters: it spares spreading
   * them into arguments twice (caller → wrapper → driver) and building a RunResult.
   */
  runValues(params: readonly SqlValue[]): void;
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
  iterate(...params: SqlValue[]): IterableIterator<SqlRow>;
}

/** An open database connection. */
export interface SqlDatabase {
  /** Which driver is underneath. */
  readonly driver: SqliteDriverName;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  /** Runs `fn` inside BEGIN IMMEDIATE … COMMIT; rolls back and rethrows on error. */
  transaction<T>(fn: () => T): T;
  /** Runs `PRAGMA {text}` and returns the first column of the first row (if any). */
  pragma(text: string): SqlValue | undefined;
  close(): void;
}

/** The supported drivers. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

// Structural types of the two drivers' APIs we touch; neither package's types are
// available on every Node version (@types/node 20 has no node:sqlite), so we narrow here.
interface NativeStatement {
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  iterate(...params: SqlValue[]): IterableIterator<unknown>;
}
interface NativeDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): NativeStatement;
  close(): unknown;
}
type NodeSqliteModule = { DatabaseSync: new (path: string) => NativeDatabase };
type BetterSqliteCtor = new (path: string) => NativeDatabase;

const require = createRequire(import.meta.url);

function hasNodeSqlite(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  // node:sqlite exists unflagged from 22.13 / 23.4; older 22.x needs --experimental-sqlite.
  return major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
}

/** The driver `openSqlite` will use: LINEAGE_SQLITE_DRIVER if set, else node:sqlite when available. */
export function selectSqliteDriver(env: NodeJS.ProcessEnv = process.env): SqliteDriverName {
  const forced = env.LINEAGE_SQLITE_DRIVER;
  if (forced === 'node:sqlite' || forced === 'better-sqlite3') return forced;
  if (forced !== undefined && forced !== '') {
    throw new Error(
      `LINEAGE_SQLITE_DRIVER must be "node:sqlite" or "better-sqlite3", got ${JSON.stringify(forced)}`,
    );
  }
  return hasNodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

function wrapStatement(stmt: NativeStatement, driver: SqliteDriverName): SqlStatement {
  return {
    run: (...params) => {
      const r = stmt.run(...params);
      return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
    },
    // better-sqlite3 binds an array argument as the anonymous parameters; node:sqlite does not.
    runValues:
      driver === 'better-sqlite3'
        ? (params) => {
            stmt.run(params as unknown as SqlValue);
          }
        : (params) => {
            stmt.run(...params);
          },
    get: (...params) => stmt.get(...params) as SqlRow | undefined,
    all: (...params) => stmt.all(...params) as SqlRow[],
    iterate: (...params) => stmt.iterate(...params) as IterableIterator<SqlRow>,
  };
}

function wrapDatabase(db: NativeDatabase, driver: SqliteDriverName): SqlDatabase {
  let depth = 0;
  const self: SqlDatabase = {
    driver,
    exec: (sql) => {
      db.exec(sql);
    },
    prepare: (sql) => wrapStatement(db.prepare(sql), driver),
    transaction: <T>(fn: () => T): T => {
      // Nested calls join the outer transaction (one batch = one transaction).
      if (depth > 0) return fn();
      db.exec('BEGIN IMMEDIATE');
      depth++;
      try {
        const result = fn();
        db.exec('COMMIT');
        return result;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      } finally {
        depth--;
      }
    },
    pragma: (text) => {
      const row = db.prepare(`PRAGMA ${text}`).get() as SqlRow | undefined;
      if (row === undefined) return undefined;
      return Object.values(row)[0];
    },
    close: () => {
      db.close();
    },
  };
  return self;
}

/**
 * Opens a database file with the selected driver. The driver module is loaded here, not
 * at import time, so importing the exporter never loads a native SQLite binding.
 */
export function openSqlite(path: string, driver: SqliteDriverName = selectSqliteDriver()): SqlDatabase {
  if (driver === 'node:sqlite') {
    const mod = require('node:sqlite') as NodeSqliteModule;
    return wrapDatabase(new mod.DatabaseSync(path), driver);
  }
  const Database = require('better-sqlite3') as BetterSqliteCtor;
  return wrapDatabase(new Database(path), driver);
}
