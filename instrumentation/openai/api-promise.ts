import { reportFailure } from '../../src/report.js';

/** Callbacks of {@link observeApiPromise}; failures inside them are reported, never thrown. */
export interface ResultObserver {
  /** The parsed value the caller receives (a completion, or a `Stream` for stream requests). */
  readonly onValue: (value: unknown) => void;
  /** The request or the parsing failed with this error (which the caller receives unchanged). */
  readonly onError: (error: unknown) => void;
  /**
   * The response arrived, and nobody has asked for its parsed body yet: the caller took the
   * raw `asResponse()`, dropped the promise, or will parse later. `promise` is what the caller
   * holds; `onValue` may still follow.
   */
  readonly onUnread: (promise: object) => void;
}

/** The parts of the OpenAI SDK's `APIPromise` (v4 to v7) this module relies on. */
interface ApiPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: (...args: unknown[]) => unknown;
  /** Set by `parse()` (which `then`, `withResponse` and `await` go through) when first asked. */
  parsedPromise?: unknown;
}

/**
 * Observes what a `create()` call returns without changing it and without starting work
 * early. The OpenAI SDK's `APIPromise` is lazy: its body is parsed only when `.then()`,
 * `.parse()` or `.withResponse()` is called, and `.asResponse()` gives the raw `Response`
 * with an unread body. Calling `.then()` here (as most instrumentations do) would read the
 * body behind the caller's back. Instead the promise's own `responsePromise` and
 * `parseResponse` fields — read lazily by every consumer method in v4–v7 — are replaced by
 * pass-through versions on the very same object, so:
 * - the caller gets the identical object (same class, `withResponse()`/`asResponse()` intact);
 * - a request error is seen when it happens, and re-thrown unchanged to whoever consumes it
 *   (a never-consumed failing call still surfaces as an unhandled rejection, as before);
 * - the parsed value is seen when the caller parses it, and handed on unchanged.
 * Plain promises (mocks, wrappers) get a passive `.then()`; anything else is not observed.
 * @returns false when the value could not be observed (the caller should end the span).
 */
export function observeApiPromise(value: unknown, observer: ResultObserver): boolean {
  if (isApiPromiseLike(value)) return rewire(value, observer);
  if (value instanceof Promise) {
    value.then(
      (v) => notifyValue(observer, v),
      (e: unknown) => notifyError(observer, e),
    );
    return true;
  }
  return false;
}

function rewire(promise: ApiPromiseLike, observer: ResultObserver): boolean {
  const responsePromise = promise.responsePromise;
  const parseResponse = promise.parseResponse;
  let observedResponse: Promise<unknown> | undefined;
  try {
    // Writing the fields back as they are throws (strict mode) when they are not writable,
    // before anything is made that would then be left dangling.
    promise.responsePromise = responsePromise;
    promise.parseResponse = parseResponse;
    observedResponse = responsePromise.then(
      (response: unknown) => {
        if (promise.parsedPromise === undefined) notifyUnread(observer, promise);
        return response;
      },
      (error: unknown) => {
        notifyError(observer, error);
        throw error;
      },
    );
    const observedParse = observingParse(parseResponse, observer);
    promise.responsePromise = observedResponse;
    promise.parseResponse = observedParse;
    if (promise.responsePromise === observedResponse && promise.parseResponse === observedParse) return true;
  } catch (error) {
    reportFailure('openai instrumentation: observing an APIPromise', error);
  }
  // Fields not writable (a future client version): put back what can be put back, observe nothing.
  try {
    promise.responsePromise = responsePromise;
    promise.parseResponse = parseResponse;
  } catch {
    // Nothing was changed in the first place.
  }
  // Nobody consumes the unused observer's promise: its re-thrown error must not surface as an
  // unhandled rejection of ours (the caller's own promise still rejects as before).
  observedResponse?.then(undefined, ignore);
  return false;
}

function ignore(): void {}

/** A pass-through `parseResponse` that shows the parsed value (or the parse error) to the observer. */
function observingParse(
  parseResponse: ApiPromiseLike['parseResponse'],
  observer: ResultObserver,
): ApiPromiseLike['parseResponse'] {
  return function (this: unknown, ...args: unknown[]): unknown {
    let parsed: unknown;
    try {
      parsed = parseResponse.apply(this, args);
    } catch (error) {
      notifyError(observer, error);
      throw error;
    }
    if (!(parsed instanceof Promise)) {
      notifyValue(observer, parsed);
      return parsed;
    }
    return parsed.then(
      (value: unknown) => {
        notifyValue(observer, value);
        return value;
      },
      (error: unknown) => {
        notifyError(observer, error);
        throw error;
      },
    );
  };
}

function isApiPromiseLike(value: unknown): value is ApiPromiseLike {
  if (!(value instanceof Promise)) return false;
  const v = value as unknown as Partial<ApiPromiseLike>;
  return v.responsePromise instanceof Promise && typeof v.parseResponse === 'function';
}

// Observer failures are reported, never thrown into the caller's promise chain. Plain
// functions rather than a `safely(() => ...)` helper: no closure per notification.

function notifyValue(observer: ResultObserver, value: unknown): void {
  try {
    observer.onValue(value);
  } catch (error) {
    reportFailure('openai instrumentation', error);
  }
}

function notifyUnread(observer: ResultObserver, promise: object): void {
  try {
    observer.onUnread(promise);
  } catch (error) {
    reportFailure('openai instrumentation', error);
  }
}

function notifyError(observer: ResultObserver, error: unknown): void {
  try {
    observer.onError(error);
  } catch (failure) {
    reportFailure('openai instrumentation', failure);
  }
}
