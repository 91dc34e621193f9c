import type { LineageNode } from '../../model/lineage-record.js';
import { decodeNodeId } from './node-id-codec.js';
import { joinNode } from './record-hash.js';
import type { SqlRow } from './sqlite-driver.js';
import { NODE_KIND_BY_CODE } from './sqlite-schema.js';

// Typed readers for driver rows (both drivers return plain objects of SQL values).

/** A non-empty string, else undefined (for optional props). */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A numeric column; throws if the row does not have one. */
export function num(row: SqlRow, col: string): number {
  const v = row[col];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new Error(`expected a number in column ${col}`);
}

/** A text column; throws if the row does not have one. */
export function text(row: SqlRow, col: string): string {
  const v = row[col];
  if (typeof v !== 'string') throw new Error(`expected text in column ${col}`);
  return v;
}

/** Rebuilds a node from a row selected with the statements' NODE columns. */
export function nodeFromRow(row: SqlRow): LineageNode {
  const kind = NODE_KIND_BY_CODE.get(num(row, 'kind'));
  if (kind === undefined) throw new Error(`unknown node kind code ${String(row.kind)}`);
  const runId = text(row, 'run_id');
  return joinNode(
    {
      id: decodeNodeId(text(row, 'id'), runId),
      kind,
      runId,
      spanId: text(row, 'span_id'),
      startTimeMs: num(row, 'time_ms'),
    },
    text(row, 'rec'),
  );
}

/** A text column or undefined (NULL). */
export function optText(row: SqlRow, col: string): string | undefined {
  const v = row[col];
  return typeof v === 'string' ? v : undefined;
}
