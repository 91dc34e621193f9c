import { reportFailure } from './report.js';

/** Callbacks of {@link observeAsyncIterable}; they must not throw (failures are reported). */
export interface StreamObserver {
  /** Each chunk, in order, before the consumer sees it. */
  readonly onChunk: (chunk: unknown) => void;
  /**
   * Once: the stream finished. `failed` is true when it failed, with whatever it failed with
   * in `error` (which may be `undefined`: a stream can reject with nothing); false when it
   * was done or abandoned.
   */
  readonly onEnd: (error: unknown, failed: boolean) => void;
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
  const end = onceEnd(observer);
  try {
    Object.defineProperty(stream, Symbol.asyncIterator, {
      configurable: true,
      writable: true,
      value: function observedIterator(this: unknown) {
        let inner: AsyncIterator<unknown>;
        try {
          inner = original.call(this === undefined ? stream : this);
        } catch (error) {
          end(error, true);
          throw error;
        }
        return wrapIterator(inner, observer, end);
      },
    });
    return true;
  } catch (error) {
    reportFailure('observing a stream', error);
    return false;
  }
}

/** The observer's `onEnd`, called at most once and never throwing (also used by the OpenAI instrumentation). */
export function onceEnd(observer: StreamObserver): (error: unknown, failed: boolean) => void {
  let ended = false;
  return (error, failed) => {
    if (ended) return;
    ended = true;
    safely(() => observer.onEnd(error, failed));
  };
}

/** Wraps one iterator so every chunk and its end are reported (also used by the OpenAI instrumentation). */
export function wrapIterator(
  inner: AsyncIterator<unknown>,
  observer: StreamObserver,
  end: (error: unknown, failed: boolean) => void,
): AsyncIterableIterator<unknown> {
  const wrapped: AsyncIterableIterator<unknown> = {
    next: (...args: [] | [unknown]) => {
      let step: unknown;
      try {
        step = inner.next(...args);
      } catch (error) {
        end(error, true);
        throw error;
      }
      // Promise.resolve: `for await` also accepts a plain `{ value, done }` from next().
      return Promise.resolve(step as Promise<IteratorResult<unknown>>).then(
        (result) => {
          if (result?.done) end(undefined, false);
          else safely(() => observer.onChunk(result?.value));
          return result;
        },
        (error: unknown) => {
          end(error, true);
          throw error;
        },
      );
    },
    // Always present, so `break` ends the span even when the source has no return().
    return: (value?: unknown) => {
      end(undefined, false);
      return typeof inner.return === 'function'
        ? inner.return(value)
        : Promise.resolve({ done: true, value } as IteratorResult<unknown>);
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  if (typeof inner.throw === 'function') {
    const innerThrow = inner.throw.bind(inner);
    wrapped.throw = (error?: unknown) => {
      end(error, true);
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
