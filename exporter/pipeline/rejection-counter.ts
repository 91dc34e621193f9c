import type { RejectedSpan } from '../model/lineage-record.js';

/** Counts rejected spans by reason code, for metrics and partial-success messages. */
export class RejectionCounter {
  readonly #counts = new Map<string, number>();

  /** Adds rejections. */
  add(rejected: readonly RejectedSpan[]): void {
    for (const r of rejected) this.#counts.set(r.reason, (this.#counts.get(r.reason) ?? 0) + 1);
  }

  /** Counts by reason, sorted by reason. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** One human-readable line summarising a batch's rejections (OTLP partial_success.error_message). */
export function summariseRejections(
  rejected: readonly RejectedSpan[],
  noun: 'span' | 'log record' = 'span',
): string | undefined {
  if (rejected.length === 0) return undefined;
  const byReason = new Map<string, { count: number; example: string }>();
  for (const r of rejected) {
    const entry = byReason.get(r.reason);
    if (entry) entry.count += 1;
    else byReason.set(r.reason, { count: 1, example: r.message });
  }
  const parts = [...byReason.entries()].map(
    ([reason, { count, example }]) => `${count} × ${reason} (e.g. ${example})`,
  );
  return `rejected ${rejected.length} ${noun}(s): ${parts.join('; ')}`;
}
