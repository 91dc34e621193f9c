import type { Tracer } from '@opentelemetry/api';

/** Options of the LangChain lineage tracer (and of the instrumentation that installs it). */
export interface LangChainLineageOptions {
  /**
   * An open LangChain run is evicted after this many milliseconds even if it never ended
   * (its span is ended with an error status), so an abandoned run cannot leak. Default 10 min.
   */
  readonly runTtlMs?: number;
  /** At most this many open runs are held; the oldest is evicted first. Default 10,000. */
  readonly maxOpenRuns?: number;
  /**
   * When the tracer itself started the lineage run (no run was active at the outermost
   * chain), record the chain's result as the run's FinalOutput (`output langchain`).
   * Default true.
   */
  readonly recordRunOutput?: boolean;
  /** Where spans come from; when absent or returning undefined, the SDK's configured tracer (`configureLineage`). */
  readonly tracer?: () => Tracer | undefined;
}

/** Defaults of {@link LangChainLineageOptions}. */
export const LANGCHAIN_DEFAULTS = {
  runTtlMs: 10 * 60 * 1000,
  maxOpenRuns: 10_000,
  recordRunOutput: true,
} as const;
