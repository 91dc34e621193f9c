import { context, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { RejectedSpan } from './model/lineage-record.js';

/**
 * The export path LineageSpanExporter and LineageLogRecordExporter share: runs `ingest`
 * inside `suppressTracing` (our own I/O creates no spans), reports through the result
 * callback exactly once — SUCCESS only after `ingest` resolved, i.e. the batch is durable —
 * never throws (a synchronous throw becomes FAILED), survives a throwing callback, and
 * tracks the export in `pending` until it has finished.
 */
export function exportDurably(
  what: 'span' | 'log record',
  pending: Set<Promise<void>>,
  ingest: () => Promise<{ readonly rejected: readonly RejectedSpan[] }>,
  resultCallback: (result: ExportResult) => void,
): void {
  const done = Promise.resolve()
    .then(() => context.with(suppressTracing(context.active()), ingest))
    .then(
      (result) => {
        if (result.rejected.length > 0) {
          diag.warn(
            `agent-lineage: ${result.rejected.length} ${what}(s) rejected`,
            result.rejected.slice(0, 5),
          );
        }
        resultCallback({ code: ExportResultCode.SUCCESS });
      },
      (error: unknown) => {
        diag.error(`agent-lineage: ${what} export failed`, error);
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      },
    )
    // A throwing result callback is the caller's bug; it must not become an unhandled rejection.
    .catch((error: unknown) => diag.error(`agent-lineage: ${what} export result callback threw`, error))
    .finally(() => {
      pending.delete(done);
    });
  pending.add(done);
}
