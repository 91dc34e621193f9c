import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** What a caller of an instrumented function observed: its value, its rejection, or its synchronous throw. */
export type Outcome =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'rejected'; readonly error: unknown }
  | { readonly kind: 'threw'; readonly error: unknown };

/** Calls `call` and awaits what it returns, recording which of the three outcomes the caller saw. */
export async function outcomeOf(call: () => unknown): Promise<Outcome> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { kind: 'threw', error };
  }
  try {
    return { kind: 'value', value: await result };
  } catch (error) {
    return { kind: 'rejected', error };
  }
}

/** Every span started (in order) and the ones not yet ended: catches a span that is never ended. */
export interface SpanTracker {
  /** Add to the provider next to the exporter. */
  readonly processor: SpanProcessor;
  /** Spans started since the last {@link SpanTracker.reset}. */
  readonly started: ReadableSpan[];
  /** Started spans that have not ended. */
  readonly open: Set<ReadableSpan>;
  reset(): void;
  /**
   * How many started spans are still open once pending work had a chance to end them.
   * Bounded polling (`boundMs`), not a timing assertion: a span ended asynchronously is seen
   * as soon as it ends, a leaked one is reported after the bound.
   */
  stillOpen(boundMs: number): Promise<number>;
}

/** A {@link SpanTracker} for hostile-input tests. */
export function trackSpans(): SpanTracker {
  const started: ReadableSpan[] = [];
  const open = new Set<ReadableSpan>();
  return {
    processor: {
      onStart: (span) => {
        started.push(span as unknown as ReadableSpan);
        open.add(span as unknown as ReadableSpan);
      },
      onEnd: (span) => {
        open.delete(span);
      },
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    },
    started,
    open,
    reset() {
      started.length = 0;
      open.clear();
    },
    async stillOpen(boundMs) {
      for (let waited = 0; waited < boundMs && open.size > 0; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return open.size;
    },
  };
}
