import { reportFailure } from './report.js';

/** Callbacks of {@link observeAsyncIterable}; they must not throw (failures are reported). */
export interface StreamObserver {
  /** Each chunk, in order, before the consumer sees it. */
  readonly onChunk: (chunk: unknown) => void;
  /** Once: the stream finished (`error` when it failed, nothing when done or abandoned). */
  readonly onEnd: (error?: unknown) => void;
}

/** True for async iterables that are not strings or byte arrays. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Observes a stream without changing what the caller receives: the stream object keeps
 * its identity and methods; only its own `[Symbol.asyncIterator]` is shadowed by one that
 * passes every chunk through unchanged. Consumers that call `next()` on the object
 * directly (without `for await`) are not observed. Returns false when the object cannot
 * be instrumented (frozen), so the caller can end the span instead.
 */
export function observeAsyncIterable(stream: AsyncIterable<unknown>, observer: StreamObserver): boolean {
  const original = stream[Symbol.asyncIterator];
  let ended = false;
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    safely(() => observer.onEnd(error));
  };
  try {
    Object.defineProperty(stream, Symbol.asyncIterator, {
      configurable: true,
      writable: true,
      value: function observedIterator(this: unknown) {
        const inner = original.call(this === undefined ? stream : this);
        return wrapIterator(inner, observer, end);
      },
    });
    return true;
  } catch (error) {
    reportFailure('observing a stream', error);
    return false;
  }
}

/** Wraps one iterator so every chunk and its end are reported (also used by the OpenAI instrumentation). */
export function wrapIterator(
  inner: AsyncIterator<unknown>,
  observer: StreamObserver,
  end: (error?: unknown) => void,
): AsyncIterableIterator<unknown> {
  const wrapped: AsyncIterableIterator<unknown> = {
    next: (...args: [] | [unknown]) =>
      inner.next(...args).then(
        (step) => {
          if (step.done) end();
          else safely(() => observer.onChunk(step.value));
          return step;
        },
        (error: unknown) => {
          end(error);
          throw error;
        },
      ),
    [Symbol.asyncIterator]: () => wrapped,
  };
  if (typeof inner.return === 'function') {
    const innerReturn = inner.return.bind(inner);
    wrapped.return = (value?: unknown) => {
      end();
      return innerReturn(value);
    };
  }
  if (typeof inner.throw === 'function') {
    const innerThrow = inner.throw.bind(inner);
    wrapped.throw = (error?: unknown) => {
      end(error);
      return innerThrow(error);
    };
  }
  return wrapped;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    reportFailure('observing a stream', error);
  }
}
