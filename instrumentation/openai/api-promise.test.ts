import { afterEach, describe, expect, it } from 'vitest';
import { observeApiPromise, type ResultObserver } from './api-promise.js';

/** What the observer was told, in order. */
function recordingObserver(): ResultObserver & { readonly seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    onValue: (value) => seen.push(`value:${String(value)}`),
    onError: (error) => seen.push(`error:${(error as Error).message}`),
    onUnread: () => seen.push('unread'),
  };
}

/** An object shaped like the OpenAI SDK's APIPromise: a promise with the two lazily read fields. */
function apiPromiseLike(responsePromise: Promise<unknown>) {
  const promise = Promise.resolve(null) as Promise<null> & {
    responsePromise: Promise<unknown>;
    parseResponse: (props: unknown) => unknown;
    parsedPromise?: Promise<unknown>;
    parse(): Promise<unknown>;
  };
  promise.responsePromise = responsePromise;
  promise.parseResponse = async (props) => `parsed ${String(props)}`;
  // As the SDK's parse(): read the (possibly replaced) fields when first asked.
  promise.parse = function parse() {
    this.parsedPromise ??= this.responsePromise.then((props) => this.parseResponse(props));
    return this.parsedPromise;
  };
  return promise;
}

/** Lets every pending reaction and unhandled-rejection check run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  unhandled.length = 0;
});

describe('observeApiPromise', () => {
  it('tells the observer the parsed value, and nothing about an unread answer, when parse was asked first', async () => {
    const promise = apiPromiseLike(Promise.resolve('props'));
    const observer = recordingObserver();
    expect(observeApiPromise(promise, observer)).toBe(true);
    await expect(promise.parse()).resolves.toBe('parsed props');
    expect(observer.seen).toEqual(['value:parsed props']);
  });

  it('tells the observer the answer arrived unread when nobody asked to parse it, and the value if parsed later', async () => {
    const promise = apiPromiseLike(Promise.resolve('props'));
    const observer = recordingObserver();
    observeApiPromise(promise, observer);
    await settle();
    expect(observer.seen).toEqual(['unread']);
    await expect(promise.parse()).resolves.toBe('parsed props');
    expect(observer.seen).toEqual(['unread', 'value:parsed props']);
  });

  it('passes a request error to the observer and to the consumer, unchanged', async () => {
    const failure = new Error('connection refused');
    const promise = apiPromiseLike(Promise.reject(failure));
    const observer = recordingObserver();
    observeApiPromise(promise, observer);
    await expect(promise.parse()).rejects.toBe(failure);
    expect(observer.seen).toEqual(['error:connection refused']);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('observes nothing on a frozen promise, and adds no unhandled rejection of its own', async () => {
    const failure = new Error('refused while frozen');
    const responsePromise = Promise.reject(failure);
    // The caller handles its promise: any unhandled rejection now would be the instrumentation's.
    responsePromise.catch(() => undefined);
    const promise = Object.freeze(apiPromiseLike(responsePromise));
    const observer = recordingObserver();
    expect(observeApiPromise(promise, observer)).toBe(false);
    expect(promise.responsePromise).toBe(responsePromise);
    await settle();
    expect(unhandled).toEqual([]);
    expect(observer.seen).toEqual([]);
  });

  it('observes nothing when a field ignores writes, and adds no unhandled rejection of its own', async () => {
    const failure = new Error('refused behind an accessor');
    const responsePromise = Promise.reject(failure);
    responsePromise.catch(() => undefined);
    const promise = apiPromiseLike(Promise.resolve('unused'));
    Object.defineProperty(promise, 'responsePromise', { get: () => responsePromise, set: () => undefined });
    expect(observeApiPromise(promise, recordingObserver())).toBe(false);
    await settle();
    expect(unhandled).toEqual([]);
  });
});
