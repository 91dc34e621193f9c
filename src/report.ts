import { diag } from '@opentelemetry/api';

const warned = new Set<string>();

/**
 * Reports a failure inside lineage code through `diag`. Lineage must never break the
 * host application, so every internal failure ends here instead of propagating.
 */
export function reportFailure(where: string, error: unknown): void {
  try {
    diag.error(`agent-lineage: ${where} failed; lineage for this step is incomplete`, error);
  } catch {
    // A broken diag logger must not break the host either; there is nowhere left to report.
  }
}

/** Reports a recorded drop (something deliberately not recorded) through `diag.warn`. */
export function reportDrop(where: string, reason: string): void {
  try {
    diag.warn(`agent-lineage: ${where}: ${reason}`);
  } catch {
    // See reportFailure.
  }
}

/**
 * A failure's message for a report, whatever was thrown: a Proxy or an error whose
 * `message` getter throws must not make the report itself throw.
 */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an error that cannot be read';
  }
}

/** Warns once per key for the life of the process (e.g. "no pseudonym key configured"). */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  reportDrop('configuration', message);
}
