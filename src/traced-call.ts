import { type Context, context, type Span, SpanStatusCode } from '@opentelemetry/api';
import { truncate } from './attributes.js';
import { reportFailure } from './report.js';

/** What to do when the user's function settles. Both hooks run inside try/catch. */
export interface CallHooks<T> {
  /** Records the result. Return `true` when the hook took over ending the span (streams). */
  readonly onResult?: (result: T) => boolean | undefined;
  /** Called just before the span ends (success or failure), e.g. to write final counts. */
  readonly beforeEnd?: () => void;
  /** Called after the span ended (success or failure), e.g. to release run state. */
  readonly onEnd?: () => void;
}

/**
 * Runs `fn` inside `ctx` and ends `span` when it settles. The user's result or exception
 * passes through untouched — for a promise the very same promise object is returned — and
 * failures of the lineage hooks are reported through diag, never thrown.
 */
export function runInSpan<T>(
  span: Span,
  ctx: Context,
  fn: () => T,
  hooks: CallHooks<Awaited<T>>,
  where: string,
): T {
  let result: T;
  try {
    result = context.with(ctx, fn);
  } catch (error) {
    finishWithError(span, error, hooks, where);
    throw error;
  }
  if (isThenable(result)) {
    try {
      result.then(
        (value) => finishWithResult(span, value as Awaited<T>, hooks, where),
        (error: unknown) => finishWithError(span, error, hooks, where),
      );
    } catch (error) {
      // A thenable whose then() throws: lineage gives up on this span, the caller still gets the value.
      reportFailure(where, error);
      safeEnd(span, hooks, where);
    }
    return result;
  }
  finishWithResult(span, result as Awaited<T>, hooks, where);
  return result;
}

function finishWithResult<T>(span: Span, value: T, hooks: CallHooks<T>, where: string): void {
  let handedOver = false;
  try {
    handedOver = hooks.onResult?.(value) === true;
  } catch (error) {
    reportFailure(where, error);
  }
  if (!handedOver) safeEnd(span, hooks, where);
}

/** Marks the span failed with the user's exception; the exception itself is not touched. */
export function finishWithError<T>(span: Span, error: unknown, hooks: CallHooks<T>, where: string): void {
  try {
    markError(span, error);
  } catch (failure) {
    reportFailure(where, failure);
  }
  safeEnd(span, hooks, where);
}

/** Records an exception on a span and sets its status to ERROR. */
export function markError(span: Span, error: unknown): void {
  // The status first: whatever reading the error does below (a Proxy, a throwing `message`
  // getter), the span is marked failed.
  span.setStatus({ code: SpanStatusCode.ERROR });
  try {
    if (error instanceof Error) {
      // A copy with bounded fields: an exception event of megabytes would make the exporter
      // reject the whole span.
      const message = bounded(error.message) ?? '';
      const stack = bounded(error.stack);
      // `code` (e.g. ECONNREFUSED) is what the OTel SDK records as exception.type when present.
      const code: unknown = (error as { code?: unknown }).code;
      span.recordException({
        name: bounded(error.name) ?? 'Error',
        message,
        ...(stack ? { stack } : {}),
        ...(typeof code === 'string' ? { code: bounded(code) } : typeof code === 'number' ? { code } : {}),
      });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    } else {
      span.setStatus({ code: SpanStatusCode.ERROR, message: safeString(error) });
    }
  } catch (failure) {
    reportFailure('recording an error', failure);
  }
}

/** Ends the span and runs the onEnd hook, reporting rather than throwing failures. */
export function safeEnd<T>(span: Span, hooks: CallHooks<T>, where: string): void {
  try {
    hooks.beforeEnd?.();
  } catch (error) {
    reportFailure(where, error);
  }
  try {
    span.end();
  } catch (error) {
    reportFailure(where, error);
  }
  try {
    hooks.onEnd?.();
  } catch (error) {
    reportFailure(where, error);
  }
}

/** Attaches a no-op rejection handler to a promise nobody else will consume (reporting why is the caller's job). */
export function quiet(value: PromiseLike<unknown>): void {
  try {
    value.then(undefined, () => undefined);
  } catch {
    // A thenable whose then() throws has nothing to quiet.
  }
}

/** Whether the value is a thenable; false (not a throw) when reading `then` throws (a revoked Proxy, a getter). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/** Exception texts kept on a span at most (about a screen of stack). */
const MAX_EXCEPTION_TEXT = 8 * 1024;

function bounded(text: unknown): string | undefined {
  return typeof text === 'string' ? truncate(text, MAX_EXCEPTION_TEXT) : undefined;
}

function safeString(value: unknown): string {
  try {
    return String(value).slice(0, 1024);
  } catch {
    return 'non-Error value thrown';
  }
}
