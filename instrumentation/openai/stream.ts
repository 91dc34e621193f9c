import { reportFailure } from '../../src/report.js';
import {
  isAsyncIterable,
  observeAsyncIterable,
  onceEnd,
  type StreamObserver,
  wrapIterator,
} from '../../src/stream-observer.js';

/**
 * Observes an OpenAI `Stream` in place: same object, same chunks, same errors. The client's
 * `Stream` keeps its event source in an own `iterator` function that `[Symbol.asyncIterator]`,
 * `tee()` and `toReadableStream()` all call, so wrapping that one field observes every way
 * of reading the stream (`tee()` reads the source once for both branches, so each chunk is
 * seen once). Streams of another shape fall back to the SDK's `[Symbol.asyncIterator]`
 * observer. `onEnd` fires once: at the end, on an error, on `break`/`return`, and when
 * `controller.abort()` ends the iteration.
 * @returns false when the stream cannot be observed (frozen, or not iterable).
 */
export function observeStream(stream: unknown, observer: StreamObserver): boolean {
  if (!isAsyncIterable(stream)) return false;
  const holder = stream as unknown as { iterator?: unknown };
  const source = Object.hasOwn(holder, 'iterator') ? holder.iterator : undefined;
  if (typeof source !== 'function') return observeAsyncIterable(stream, observer);
  const end = onceEnd(observer);
  const observedIterator = function observedIterator(this: unknown, ...args: unknown[]) {
    let inner: AsyncIterator<unknown>;
    try {
      inner = (source as (...a: unknown[]) => AsyncIterator<unknown>).apply(
        this === undefined ? stream : this,
        args,
      );
    } catch (error) {
      end(error, true);
      throw error;
    }
    return wrapIterator(inner, observer, end);
  };
  try {
    holder.iterator = observedIterator;
    return holder.iterator === observedIterator || observeAsyncIterable(stream, observer);
  } catch (error) {
    reportFailure('openai instrumentation: observing a stream', error);
    return false;
  }
}
