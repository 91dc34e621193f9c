/**
 * Hostile and malformed caller input against the OpenAI instrumentation. The product
 * promise under test: whatever the caller passes, the instrumented client gives the caller
 * exactly what the uninstrumented client gives (same value, same error object or class and
 * message, thrown synchronously or rejected the same way), the instrumentation never throws
 * its own errors into the caller, and every span it starts is ended.
 *
 * The uninstrumented baseline is the ESM `openai` import, which the require hook never
 * patches (asserted below); every comparison runs the same input through both clients
 * against the same fake servers. Spans are recorded by a provider of this file, whose
 * processor also sees span starts, so a span that is started but never ended is caught.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import PlainOpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Json } from '../../src/hashing/sha256.js';
import { startRun } from '../../src/run.js';
import { type Outcome, outcomeOf, trackSpans } from '../../src/test-support/hostile-calls.js';
import { isWrapped } from './patch.js';
import { type FakeResponsesServer, startFakeResponses } from './test-support/responses-server.js';
import { useInstrumentedOpenAiSuite } from './test-support/setup.js';

const suite = useInstrumentedOpenAiSuite();

const INPUT_HASH = 'lineage.input.sha256';
const TOOLS_HASH = 'lineage.tools.sha256';
const OUTPUT_HASH = 'lineage.output.sha256';

// ---------------------------------------------------------------------------------------
// Span bookkeeping: every span the instrumentation starts, and which of them are still open.

const exporter = new InMemorySpanExporter();
const spans = trackSpans();
const { started, open } = spans;
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter), spans.processor],
});

let responsesServer: FakeResponsesServer;

beforeAll(async () => {
  suite.env.instrumentation.setTracerProvider(provider);
  responsesServer = await startFakeResponses();
});
afterAll(async () => {
  await responsesServer?.close();
  suite.env.instrumentation.setTracerProvider(suite.env.tracing.provider);
  await provider.shutdown();
});
beforeEach(() => {
  exporter.reset();
  spans.reset();
});

/**
 * Finished spans the test itself started: a call of an earlier test whose answer was never
 * parsed may end its span during a later test's garbage collection.
 */
const finished = (): ReadableSpan[] => {
  const ids = new Set(started.map((s) => s.spanContext().spanId));
  return exporter.getFinishedSpans().filter((s) => ids.has(s.spanContext().spanId));
};

/** Open spans once pending work had a chance to end them (bounded polling, 1 s). */
const stillOpen = (): Promise<number> => spans.stillOpen(1_000);

/**
 * Open spans after full garbage collections: a call whose answer was never parsed ends its
 * span once its promise is collected (a FinalizationRegistry, whose callbacks run in a later
 * task). `--expose-gc` is set at run time, so the test needs no special node flags.
 */
async function openAfterCollection(): Promise<number> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 50 && open.size > 0; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return open.size;
}

/** The single span the call started, after checking it was started once and ended. */
async function onlySpan(): Promise<ReadableSpan> {
  expect(started).toHaveLength(1);
  expect(await stillOpen()).toBe(0);
  const ended = finished();
  expect(ended).toHaveLength(1);
  return ended[0] as ReadableSpan;
}

// ---------------------------------------------------------------------------------------
// Calling both clients the same way and comparing what the caller got.

type Api = 'chat' | 'responses' | 'embeddings';

interface Creatable {
  create(...args: unknown[]): unknown;
}

/** The resource whose `create` serves the API, called as a method (its `this` matters). */
function resource(client: unknown, api: Api): Creatable {
  const c = client as { chat: { completions: Creatable }; responses: Creatable; embeddings: Creatable };
  return api === 'chat' ? c.chat.completions : api === 'responses' ? c.responses : c.embeddings;
}

function baseURL(api: Api): string {
  return api === 'responses' ? responsesServer.baseURL : suite.server.baseURL;
}

function plainClient(api: Api): PlainOpenAI {
  return new PlainOpenAI({ apiKey: 'test', baseURL: baseURL(api), maxRetries: 0 });
}

function instrumentedClient(api: Api): unknown {
  return suite.client(baseURL(api));
}

/** Class name and message of an error (the two clients load the error classes from different module copies). */
function describeError(error: unknown): { name: string | undefined; message: unknown } {
  return {
    name: (error as { constructor?: { name?: string } } | null)?.constructor?.name,
    message: (error as { message?: unknown } | null)?.message,
  };
}

/** Every own key of a value, enumerable or not, sorted (none for primitives). */
function ownKeys(value: unknown): string[] {
  return typeof value === 'object' && value !== null ? Object.getOwnPropertyNames(value).sort() : [];
}

/** The caller of the instrumented client got what the caller of the plain client got. */
function expectSameOutcome(instrumented: Outcome, plain: Outcome): void {
  expect(instrumented.kind).toBe(plain.kind);
  if (plain.kind === 'value' && instrumented.kind === 'value') {
    expect(instrumented.value).toEqual(plain.value);
    // toEqual sees enumerable fields only; the client also adds a non-enumerable `_request_id`.
    expect(ownKeys(instrumented.value)).toEqual(ownKeys(plain.value));
  } else if (plain.kind !== 'value' && instrumented.kind !== 'value') {
    expect(describeError(instrumented.error)).toEqual(describeError(plain.error));
  }
}

interface Compared {
  readonly plain: Outcome;
  readonly instrumented: Outcome;
}

/**
 * Runs one call through the plain client and then through the instrumented one, each with a
 * freshly built body (and options), and checks both callers got the same thing. The plain
 * call must start no span (it is the uninstrumented baseline).
 */
async function compare(api: Api, body: () => unknown, options?: () => unknown): Promise<Compared> {
  const run = (client: unknown) => () =>
    options === undefined
      ? resource(client, api).create(body())
      : resource(client, api).create(body(), options());
  const before = started.length;
  const plain = await outcomeOf(run(plainClient(api)));
  expect(started).toHaveLength(before);
  const instrumented = await outcomeOf(run(instrumentedClient(api)));
  expectSameOutcome(instrumented, plain);
  return { plain, instrumented };
}

const messages = (...extra: unknown[]) => [{ role: 'user', content: 'hello' }, ...extra];

/** `depth` arrays nested in each other around a string. */
function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** The canonical hash of messages as JSON.stringify sends them (unsendable members dropped or null). */
function sentHash(value: unknown): string {
  return sha256Json(JSON.parse(JSON.stringify(value)));
}

/** The input hash the instrumentation can be expected to record: undefined when the value has no canonical form here either. */
function hashOrUndefined(value: unknown): string | undefined {
  try {
    return sha256Json(value);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------

describe('baseline', () => {
  it('compares against a client the instrumentation did not patch, and records well-formed calls', async () => {
    expect(isWrapped(PlainOpenAI.Chat.Completions.prototype.create)).toBe(false);
    expect(isWrapped(suite.env.openai.OpenAI.Chat.Completions.prototype.create)).toBe(true);
    const { plain } = await compare('chat', () => ({ model: 'gpt-4o', messages: messages() }));
    expect(plain.kind).toBe('value');
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[INPUT_HASH]).toBe(sha256Json(messages()));
    expect(span.attributes[OUTPUT_HASH]).toEqual(expect.any(String));
  });
});

describe('hostile messages (chat.completions.create)', () => {
  it('a cyclic message: the same circular-structure TypeError, span ended as failed without an input hash', async () => {
    const { plain, instrumented } = await compare('chat', () => {
      const m: Record<string, unknown> = { role: 'user', content: 'loop' };
      m.self = m;
      return { model: 'gpt-4o', messages: [m] };
    });
    expect(plain.kind).toBe('rejected');
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(TypeError);
    expect(describeError((instrumented as { error: unknown }).error).message).toMatch(/circular/);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('TypeError');
    expect(span.attributes['gen_ai.request.model']).toBe('gpt-4o');
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
  });

  it('a BigInt: the client cannot serialise it, the same TypeError reaches the caller; no input hash', async () => {
    const { instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 10n }],
    }));
    expect(instrumented.kind).toBe('rejected');
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(TypeError);
    expect(describeError((instrumented as { error: unknown }).error).message).toMatch(/BigInt/);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
  });

  // What JSON.stringify cannot send: left out of an object, null in an array. The client sends
  // that, and the input hash is of what it sent (so `name: undefined` keeps its hash).
  const unsendable: readonly {
    readonly name: string;
    readonly sent: () => unknown[];
    /** A null message gets a 400 from the server; a dropped field changes nothing. */
    readonly outcome: 'value' | 'bad request';
  }[] = [
    { name: 'a Symbol as a message', sent: () => messages(Symbol('entry')), outcome: 'bad request' },
    { name: 'a function as a message', sent: () => messages(() => 'not a message'), outcome: 'bad request' },
    { name: 'an undefined entry', sent: () => messages(undefined), outcome: 'bad request' },
    {
      name: 'a Symbol-valued field',
      sent: () => [{ role: 'user', content: 'hello', tag: Symbol('field') }],
      outcome: 'value',
    },
    {
      name: 'a function-valued field',
      sent: () => [{ role: 'user', content: 'hello', fn: () => 1 }],
      outcome: 'value',
    },
    {
      name: 'an undefined-valued field (a message built as { role, content, name })',
      sent: () => [{ role: 'user', content: 'hello', name: undefined }],
      outcome: 'value',
    },
  ];
  for (const c of unsendable) {
    it(`${c.name}: the same ${c.outcome === 'value' ? 'answer' : '400 BadRequestError'}; the input hash is of what was sent`, async () => {
      const { instrumented } = await compare('chat', () => ({ model: 'gpt-4o', messages: c.sent() }));
      const span = await onlySpan();
      if (c.outcome === 'value') {
        expect(instrumented.kind).toBe('value');
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        expect(span.attributes[OUTPUT_HASH]).toEqual(expect.any(String));
      } else {
        expect((instrumented as { error: unknown }).error).toBeInstanceOf(suite.env.openai.BadRequestError);
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
        expect(span.attributes['error.type']).toBe('BadRequestError');
      }
      expect(span.attributes[INPUT_HASH]).toBe(sentHash(c.sent()));
    });
  }

  it('a throwing getter on a user message content: the very same error object; span failed, no input hash', async () => {
    const boom = new Error('content getter exploded');
    const { plain, instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          get content(): string {
            throw boom;
          },
        },
      ],
    }));
    expect(plain).toEqual({ kind: 'rejected', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    const span = await onlySpan();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: boom.message });
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
  });

  it('a toJSON that throws: the very same error object; span failed, no input hash', async () => {
    const boom = new Error('toJSON exploded');
    const { plain, instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: 'hello',
          toJSON(): never {
            throw boom;
          },
        },
      ],
    }));
    expect(plain).toEqual({ kind: 'rejected', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
  });

  it('a lone surrogate: the call succeeds unchanged; the span ends without an input hash', async () => {
    const { instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'half a pair: \ud800 here' }],
    }));
    expect(instrumented.kind).toBe('value');
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
    // The fake model echoes it: the answer has no UTF-8 form either, so it is not hashed.
    expect(span.attributes[OUTPUT_HASH]).toBeUndefined();
  });

  it('5,000 nested arrays: no stack overflow thrown at the caller, the same outcome as the plain client', async () => {
    const content = nested(5_000);
    const { instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: [{ role: 'user', content }],
    }));
    // The client itself gives up on this depth (JSON.stringify: RangeError), asynchronously.
    expect(instrumented.kind).toBe('rejected');
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(RangeError);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[INPUT_HASH]).toBe(hashOrUndefined([{ role: 'user', content }]));
  });

  it('3,400 nested arrays (past the hash recursion limit, ~2,700; within JSON.stringify, ~4,100): call succeeds, span ends', async () => {
    const content = nested(3_400);
    const { instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: [{ role: 'user', content }],
    }));
    expect(instrumented.kind).toBe('value');
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // Hashed when the canonicaliser has the stack for it, else left out (never thrown).
    expect(span.attributes[INPUT_HASH]).toBe(hashOrUndefined([{ role: 'user', content }]));
    expect(span.attributes[OUTPUT_HASH]).toEqual(expect.any(String));
  });

  it('100,000 nested arrays: the same RangeError rejection, nothing thrown synchronously; no input hash', async () => {
    const content = nested(100_000);
    const { instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: [{ role: 'user', content }],
    }));
    expect(instrumented.kind).toBe('rejected');
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(RangeError);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
  });

  it('50,000 messages: the same answer, and the span carries the hash of all of them', async () => {
    const many = () => Array.from({ length: 50_000 }, (_, i) => ({ role: 'user', content: `message ${i}` }));
    const { instrumented } = await compare('chat', () => ({ model: 'gpt-4o', messages: many() }));
    expect(instrumented.kind).toBe('value');
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[INPUT_HASH]).toBe(sha256Json(many()));
  });
});

/**
 * Inputs whose reading throws only once the span has started: the request hashes are taken
 * after `tracer.startSpan` (so an unsampled call pays nothing), and finding the system
 * prompt reads every message's `role` (and a system message's `content`). These used to
 * throw out of the `OpenAiInvocation` constructor, so `startCall` ran the call unobserved
 * and the span it had started was never ended. Now a value that cannot be read only loses
 * its hash: the span ends like any other, failed when the caller got an error.
 */
describe('inputs that throw once the span has started', () => {
  interface LeakCase {
    readonly name: string;
    readonly api: Api;
    readonly body: (boom: Error) => unknown;
    /** What the caller gets, as observed with the plain client. */
    readonly outcome: 'value' | 'rejected-with-boom';
  }
  const throwingRole = (boom: Error) => ({
    get role(): string {
      throw boom;
    },
    content: 'hello',
  });
  const cases: LeakCase[] = [
    {
      name: 'chat: a message that is a Proxy whose get trap throws',
      api: 'chat',
      body: (boom) => ({
        model: 'gpt-4o',
        messages: [
          new Proxy(
            {},
            {
              get() {
                throw boom;
              },
            },
          ),
        ],
      }),
      outcome: 'rejected-with-boom',
    },
    {
      name: 'chat: a message with a throwing getter on role',
      api: 'chat',
      body: (boom) => ({ model: 'gpt-4o', messages: [throwingRole(boom)] }),
      outcome: 'rejected-with-boom',
    },
    {
      name: 'chat: a system message with a throwing getter on content',
      api: 'chat',
      body: (boom) => ({
        model: 'gpt-4o',
        messages: [
          {
            role: 'system',
            get content(): string {
              throw boom;
            },
          },
          { role: 'user', content: 'hello' },
        ],
      }),
      outcome: 'rejected-with-boom',
    },
    {
      // JSON.stringify and the hash read arrays by index; only for...of uses the iterator.
      name: 'chat: a messages array whose Symbol.iterator throws (the call itself succeeds)',
      api: 'chat',
      body: (boom) => {
        const list = messages();
        Object.defineProperty(list, Symbol.iterator, {
          value() {
            throw boom;
          },
        });
        return { model: 'gpt-4o', messages: list };
      },
      outcome: 'value',
    },
    {
      name: 'responses: an input item with a throwing getter on role',
      api: 'responses',
      body: (boom) => ({ model: 'gpt-4o', input: [throwingRole(boom)] }),
      outcome: 'rejected-with-boom',
    },
    {
      name: 'embeddings: an input entry with a throwing getter on role',
      api: 'embeddings',
      body: (boom) => ({ model: 'text-embedding-3-small', input: [throwingRole(boom)] }),
      outcome: 'rejected-with-boom',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the caller gets exactly what the plain client gives`, async () => {
      const boom = new Error(`hostile: ${c.name}`);
      const { plain, instrumented } = await compare(c.api, () => c.body(boom));
      if (c.outcome === 'value') {
        expect(plain.kind).toBe('value');
      } else {
        expect(plain).toEqual({ kind: 'rejected', error: boom });
        expect(instrumented).toEqual({ kind: 'rejected', error: boom });
        expect((instrumented as { error: unknown }).error).toBe(boom);
      }
    });

    it(`${c.name}: ends the span it started, without the hash it could not take`, async () => {
      const boom = new Error(`hostile: ${c.name}`);
      await outcomeOf(() => resource(instrumentedClient(c.api), c.api).create(c.body(boom)));
      const span = await onlySpan();
      expect(span.attributes['lineage.prompt.system.sha256']).toBeUndefined();
      if (c.outcome === 'value') {
        // Read by index as JSON.stringify reads it, the array still hashes: only the iterator throws.
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        const sent = (c.body(boom) as { messages: unknown[] }).messages;
        expect(span.attributes[INPUT_HASH]).toBe(sha256Json(Array.prototype.slice.call(sent)));
      } else {
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
        expect(span.attributes[INPUT_HASH]).toBeUndefined();
      }
    });
  }
});

describe('hostile request bodies', () => {
  for (const [name, body] of [
    ['null', null],
    ['a string', 'just a string'],
    ['a number', 42],
    ['an array', [{ role: 'user', content: 'hello' }]],
  ] as const) {
    it(`chat body that is ${name}: the same outcome, the call runs unobserved`, async () => {
      const { plain } = await compare('chat', () => body);
      // null: `body.stream` throws synchronously in the client; the others reach the server and get a 400.
      expect(plain.kind).toBe(body === null ? 'threw' : 'rejected');
      expect(started).toHaveLength(0);
    });
  }

  it('embeddings and responses with a null body: the same synchronous TypeError, no span', async () => {
    for (const api of ['embeddings', 'responses'] as const) {
      const { instrumented } = await compare(api, () => null);
      expect(instrumented.kind).toBe('threw');
      expect((instrumented as { error: unknown }).error).toBeInstanceOf(TypeError);
    }
    expect(started).toHaveLength(0);
  });

  it('a deeply frozen body: the same answer (nothing is written to it), span with the input hash', async () => {
    const frozen = () =>
      Object.freeze({
        model: 'gpt-4o',
        messages: Object.freeze([Object.freeze({ role: 'user', content: 'frozen' })]),
        tools: Object.freeze([Object.freeze({ type: 'function', function: Object.freeze({ name: 'f' }) })]),
      });
    const { instrumented } = await compare('chat', frozen);
    expect(instrumented.kind).toBe('value');
    const span = await onlySpan();
    expect(span.attributes[INPUT_HASH]).toBe(sha256Json(frozen().messages));
    expect(span.attributes[TOOLS_HASH]).toBe(sha256Json(frozen().tools));
  });

  it('frozen embeddings bodies, with and without encoding_format: the same vectors', async () => {
    for (const encoding of [undefined, 'float'] as const) {
      const body = () =>
        Object.freeze({
          model: 'text-embedding-3-small',
          input: Object.freeze(['a', 'b']),
          ...(encoding === undefined ? {} : { encoding_format: encoding }),
        });
      const { instrumented } = await compare('embeddings', body);
      expect(instrumented.kind).toBe('value');
    }
    expect(started).toHaveLength(2);
    expect(await stillOpen()).toBe(0);
    expect(finished().map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.UNSET]);
  });

  for (const field of ['messages', 'model'] as const) {
    it(`a throwing getter on ${field}: the same error object, rejected; the call runs unobserved`, async () => {
      const boom = new Error(`${field} getter exploded`);
      const { plain, instrumented } = await compare('chat', () => {
        const body: Record<string, unknown> = { model: 'gpt-4o', messages: messages() };
        Object.defineProperty(body, field, {
          enumerable: true,
          get() {
            throw boom;
          },
        });
        return body;
      });
      // The client reads these only while serialising, after create() returned.
      expect(plain).toEqual({ kind: 'rejected', error: boom });
      expect((instrumented as { error: unknown }).error).toBe(boom);
      expect(started).toHaveLength(0);
    });
  }

  it('a throwing getter on stream: the same error object, thrown synchronously; no span', async () => {
    const boom = new Error('stream getter exploded');
    const { plain, instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: messages(),
      get stream(): boolean {
        throw boom;
      },
    }));
    expect(plain).toEqual({ kind: 'threw', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    expect(started).toHaveLength(0);
  });

  it('a throwing getter on a field the instrumentation does not read (user): same rejection, span failed', async () => {
    const boom = new Error('user getter exploded');
    const { instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: messages(),
      get user(): string {
        throw boom;
      },
    }));
    expect(instrumented).toEqual({ kind: 'rejected', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    const span = await onlySpan();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: boom.message });
    expect(span.attributes[INPUT_HASH]).toBe(sha256Json(messages()));
  });

  it('embeddings: a throwing getter the client spreads synchronously: rethrown as is, span ended failed', async () => {
    // The original create() throws after the span started: the patch.ts sync-throw path.
    const boom = new Error('spread getter exploded');
    const { instrumented } = await compare('embeddings', () => ({
      model: 'text-embedding-3-small',
      input: 'hello',
      get user(): string {
        throw boom;
      },
    }));
    expect(instrumented).toEqual({ kind: 'threw', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    const span = await onlySpan();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: boom.message });
    expect(span.attributes['error.type']).toBe('Error');
  });

  it('a body that is a Proxy whose get trap throws: the same error object, thrown synchronously; no span', async () => {
    const boom = new Error('body trap exploded');
    const { plain, instrumented } = await compare(
      'chat',
      () =>
        new Proxy(
          {},
          {
            get() {
              throw boom;
            },
          },
        ),
    );
    expect(plain).toEqual({ kind: 'threw', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    expect(started).toHaveLength(0);
  });

  it('a body Proxy whose ownKeys trap throws (only serialising lists keys): same rejection, span failed', async () => {
    const boom = new Error('ownKeys trap exploded');
    const { plain, instrumented } = await compare(
      'chat',
      () =>
        new Proxy(
          { model: 'gpt-4o', messages: messages() },
          {
            ownKeys() {
              throw boom;
            },
          },
        ),
    );
    expect(plain).toEqual({ kind: 'rejected', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[INPUT_HASH]).toBe(sha256Json(messages()));
  });

  for (const [name, model] of [
    ['a number', 42],
    ['an object', { name: 'gpt-4o' }],
  ] as const) {
    it(`model as ${name}: the same 400; span named without a model, input still hashed`, async () => {
      const { instrumented } = await compare('chat', () => ({ model, messages: messages() }));
      expect(instrumented.kind).toBe('rejected');
      expect((instrumented as { error: unknown }).error).toBeInstanceOf(suite.env.openai.BadRequestError);
      const span = await onlySpan();
      expect(span.name).toBe('chat');
      expect(span.attributes).not.toHaveProperty(['gen_ai.request.model']);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes[INPUT_HASH]).toBe(sha256Json(messages()));
    });
  }

  it("stream: 'yes': the same 400 (the client treats it as a stream, the server refuses); span ended", async () => {
    const { instrumented } = await compare('chat', () => ({
      model: 'gpt-4o',
      messages: messages(),
      stream: 'yes',
    }));
    expect(instrumented.kind).toBe('rejected');
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(suite.env.openai.BadRequestError);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('BadRequestError');
  });

  it('cyclic tools: the same circular-structure TypeError; span has the input hash but no tools hash', async () => {
    const { instrumented } = await compare('chat', () => {
      const tool: { type: string; function: Record<string, unknown> } = {
        type: 'function',
        function: { name: 'loop' },
      };
      tool.function.self = tool;
      return { model: 'gpt-4o', messages: messages(), tools: [tool] };
    });
    expect(instrumented.kind).toBe('rejected');
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(TypeError);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[INPUT_HASH]).toBe(sha256Json(messages()));
    expect(span.attributes).not.toHaveProperty([TOOLS_HASH]);
  });

  it('create() detached from its resource: the same synchronous TypeError, span ended failed', async () => {
    const detached = async (client: unknown) =>
      outcomeOf(() => {
        const { create } = resource(client, 'chat');
        return create({ model: 'gpt-4o', messages: messages() });
      });
    const plain = await detached(plainClient('chat'));
    const instrumented = await detached(instrumentedClient('chat'));
    expect(plain.kind).toBe('threw');
    expectSameOutcome(instrumented, plain);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('TypeError');
  });

  it('an already aborted signal: the same APIUserAbortError, span ended failed', async () => {
    const { instrumented } = await compare(
      'chat',
      () => ({ model: 'gpt-4o', messages: messages() }),
      () => ({ signal: AbortSignal.abort() }),
    );
    expect(instrumented.kind).toBe('rejected');
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(suite.env.openai.APIUserAbortError);
    const span = await onlySpan();
    expect(span.attributes['error.type']).toBe('APIUserAbortError');
  });
});

describe('hostile input to responses.create and embeddings.create', () => {
  it('responses: a lone surrogate in the input: the same response; no input hash', async () => {
    const { instrumented } = await compare('responses', () => ({
      model: 'gpt-4o',
      input: 'bad \udc00 text',
    }));
    expect(instrumented.kind).toBe('value');
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
    // The fake model echoes it: the answer has no UTF-8 form either, so it is not hashed.
    expect(span.attributes[OUTPUT_HASH]).toBeUndefined();
  });

  it('responses: a cyclic input item: the same TypeError; no input hash', async () => {
    const { instrumented } = await compare('responses', () => {
      const item: Record<string, unknown> = { role: 'user', content: 'loop' };
      item.self = item;
      return { model: 'gpt-4o', input: [item] };
    });
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(TypeError);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
  });

  it('responses: instructions that are a throwing Proxy: the same error object; span failed', async () => {
    const boom = new Error('instructions trap exploded');
    const { instrumented } = await compare('responses', () => ({
      model: 'gpt-4o',
      input: 'hello',
      instructions: new Proxy(
        {},
        {
          get() {
            throw boom;
          },
        },
      ),
    }));
    expect(instrumented).toEqual({ kind: 'rejected', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[INPUT_HASH]).toBe(sha256Json('hello'));
  });

  it('embeddings: a BigInt in the input: the same TypeError; no input hash', async () => {
    const { instrumented } = await compare('embeddings', () => ({
      model: 'text-embedding-3-small',
      input: ['a', 1n],
    }));
    expect(instrumented.kind).toBe('rejected');
    expect((instrumented as { error: unknown }).error).toBeInstanceOf(TypeError);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).not.toHaveProperty([INPUT_HASH]);
  });
});

describe('hostile messages inside a run (consumption inference scans the messages)', () => {
  /** Runs the call inside a run that already tracked an answer, so the scan for `consumed` links runs. */
  async function inRun(body: () => unknown): Promise<Compared> {
    return startRun({ agentName: 'hostile' }, async () => {
      await resource(instrumentedClient('chat'), 'chat').create({ model: 'gpt-4o', messages: messages() });
      expect(await stillOpen()).toBe(0);
      exporter.reset();
      started.length = 0;
      return compare('chat', body);
    });
  }

  it('control: in this setup the scan runs (a message quoting the earlier answer is linked consumed)', async () => {
    await startRun({ agentName: 'hostile' }, async () => {
      const first = (await resource(instrumentedClient('chat'), 'chat').create({
        model: 'gpt-4o',
        messages: messages(),
      })) as { choices: { message: { content: string } }[] };
      const answer = first.choices[0]?.message.content ?? '';
      await resource(instrumentedClient('chat'), 'chat').create({
        model: 'gpt-4o',
        messages: messages({ role: 'assistant', content: answer }, { role: 'user', content: 'and?' }),
      });
    });
    const [first, second] = finished();
    expect(second?.links.map((l) => l.context.spanId)).toEqual([first?.spanContext().spanId]);
  });

  /** The failed call is still recorded: one ended span, failed, with no links and no input hash. */
  async function expectRecordedFailure(): Promise<void> {
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.links).toEqual([]);
    expect(span.attributes[INPUT_HASH]).toBeUndefined();
  }

  it('a throwing getter on content: the same error object; the call is recorded without links', async () => {
    const boom = new Error('content getter exploded in a run');
    const { instrumented } = await inRun(() => ({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          get content(): string {
            throw boom;
          },
        },
      ],
    }));
    expect(instrumented).toEqual({ kind: 'rejected', error: boom });
    expect((instrumented as { error: unknown }).error).toBe(boom);
    await expectRecordedFailure();
  });

  it('a Proxy message whose get trap throws: the same error object; the call is recorded without links', async () => {
    const boom = new Error('message trap exploded in a run');
    const { instrumented } = await inRun(() => ({
      model: 'gpt-4o',
      messages: [
        new Proxy(
          {},
          {
            get() {
              throw boom;
            },
          },
        ),
      ],
    }));
    expect((instrumented as { error: unknown }).error).toBe(boom);
    await expectRecordedFailure();
  });
});

describe('unusual ways of consuming the returned promise', () => {
  const body = () => ({ model: 'gpt-4o', messages: messages() });
  /** The `APIPromise` of a plain chat call, typed as far as these tests use it. */
  type ChatPromise = Promise<{ id: string }> & {
    asResponse(): Promise<Response>;
    withResponse(): Promise<{ data: unknown; response: Response }>;
  };
  const chatCall = (client: unknown) => resource(client, 'chat').create(body()) as ChatPromise;

  it('asResponse(): the same unread Response, whose body is the completion the plain client sends', async () => {
    const plainResponse = await chatCall(plainClient('chat')).asResponse();
    const plainJson = await plainResponse.json();
    const promise = chatCall(instrumentedClient('chat'));
    const response = await promise.asResponse();
    expect(response.bodyUsed).toBe(false);
    expect(response.status).toBe(plainResponse.status);
    expect(await response.json()).toEqual(plainJson);
  });

  // A call consumed only through asResponse() is never parsed, and reading the body for the
  // span would take it from the caller (chat.test.ts checks no span ends at asResponse()).
  // The span ends, without response details, once the caller has let the promise go.
  it('asResponse(): the span ends, at the answer, once the caller has let the promise go', async () => {
    let response: Response | undefined;
    await (async () => {
      response = await chatCall(instrumentedClient('chat')).asResponse();
    })();
    await (response as Response).json();
    expect(started).toHaveLength(1);
    expect(open.size).toBe(1);
    expect(await openAfterCollection()).toBe(0);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[INPUT_HASH]).toEqual(expect.any(String));
    expect(span.attributes[OUTPUT_HASH]).toBeUndefined();
    // Ended at the answer's arrival, which came after the start.
    expect(span.duration[0] * 1e9 + span.duration[1]).toBeGreaterThan(0);
  });

  it('asResponse() and then awaiting the promise: the same completion as the plain client; span ended', async () => {
    const consume = async (client: unknown) =>
      outcomeOf(async () => {
        const promise = chatCall(client);
        await promise.asResponse();
        return promise;
      });
    const plain = await consume(plainClient('chat'));
    const instrumented = await consume(instrumentedClient('chat'));
    expect(plain.kind).toBe('value');
    expectSameOutcome(instrumented, plain);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[OUTPUT_HASH]).toEqual(expect.any(String));
  });

  it('reading the Response body and then awaiting the promise: the same "body used" TypeError; span failed', async () => {
    const consume = async (client: unknown) =>
      outcomeOf(async () => {
        const promise = chatCall(client);
        await (await promise.asResponse()).text();
        return promise;
      });
    const plain = await consume(plainClient('chat'));
    const instrumented = await consume(instrumentedClient('chat'));
    expect(plain.kind).toBe('rejected');
    expect((plain as { error: unknown }).error).toBeInstanceOf(TypeError);
    expectSameOutcome(instrumented, plain);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('TypeError');
  });

  it('withResponse(), awaiting twice, then(), finally(): one parsed object for all, one span', async () => {
    const promise = chatCall(instrumentedClient('chat'));
    const first = await promise;
    const second = await promise;
    const { data, response } = await promise.withResponse();
    const viaThen = await promise.then((v) => v);
    const viaFinally = await promise.finally(() => undefined);
    const [a, b] = await Promise.all([promise, promise]);
    expect(second).toBe(first);
    expect(data).toBe(first);
    expect(viaThen).toBe(first);
    expect(viaFinally).toBe(first);
    expect(a).toBe(first);
    expect(b).toBe(first);
    expect(response.status).toBe(200);
    const plain = await chatCall(plainClient('chat'));
    expect(first).toEqual(plain);
    const span = await onlySpan();
    expect(span.attributes['gen_ai.response.id']).toBe(first.id);
  });

  /** A client whose fetch counts the responses it handed to the client. */
  function countingClient(): { client: unknown; responses: () => number } {
    let count = 0;
    const client = new suite.env.openai.OpenAI({
      apiKey: 'test',
      baseURL: suite.server.baseURL,
      maxRetries: 0,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        count++;
        return response;
      },
    });
    return { client, responses: () => count };
  }

  async function untilResponded(responses: () => number): Promise<void> {
    for (let i = 0; i < 500 && responses() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(responses()).toBe(1);
    // Let any rejection the instrumentation might have caused surface as unhandled.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  it('never awaited (successful call): no unhandled rejection, the request still goes out', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', listener);
    try {
      const { client, responses } = countingClient();
      const promise = resource(client, 'chat').create(body());
      await untilResponded(responses);
      expect(unhandled).toEqual([]);
      // Nothing parsed the body behind the caller's back either.
      expect((promise as { parsedPromise?: unknown }).parsedPromise).toBeUndefined();
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  // As with asResponse(): nothing parses the answer, so the span ends once the promise is gone.
  it('never awaited (successful call): the span ends once the promise is collected', async () => {
    const { client, responses } = countingClient();
    void resource(client, 'chat').create(body());
    await untilResponded(responses);
    expect(started).toHaveLength(1);
    expect(await openAfterCollection()).toBe(0);
    expect((await onlySpan()).status.code).toBe(SpanStatusCode.UNSET);
  });

  /** A streamed chat call, awaited: the caller holds the `Stream`. */
  async function openStream(): Promise<AsyncIterable<unknown>> {
    const client = instrumentedClient('chat') as {
      chat: { completions: { create(body: unknown): Promise<AsyncIterable<unknown>> } };
    };
    return client.chat.completions.create({ model: 'gpt-4o', messages: messages(), stream: true });
  }

  it('a stream awaited but never read: the span ends once the stream is collected', async () => {
    await (async () => {
      await openStream();
    })();
    expect(started).toHaveLength(1);
    expect(open.size).toBe(1);
    expect(await openAfterCollection()).toBe(0);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[INPUT_HASH]).toEqual(expect.any(String));
    expect(span.attributes[OUTPUT_HASH]).toBeUndefined();
  });

  it('a stream read partway and dropped: the span ends once it is collected, after its first token', async () => {
    await (async () => {
      const iterator = (await openStream())[Symbol.asyncIterator]();
      await iterator.next();
      await iterator.next();
    })();
    expect(open.size).toBe(1);
    expect(await openAfterCollection()).toBe(0);
    const span = await onlySpan();
    expect(span.events.map((e) => e.name)).toContain('lineage.first_token');
    expect(span.attributes['lineage.response.time_to_first_token_ms']).toEqual(expect.any(Number));
    expect(span.attributes[OUTPUT_HASH]).toBeUndefined();
  });

  it('parsed late, after the answer arrived unread: the span has the response details', async () => {
    const { client, responses } = countingClient();
    const promise = resource(client, 'chat').create(body()) as ChatPromise;
    await untilResponded(responses);
    expect(open.size).toBe(1);
    const completion = await promise;
    expect(completion.id).toEqual(expect.any(String));
    const span = await onlySpan();
    expect(span.attributes[OUTPUT_HASH]).toEqual(expect.any(String));
    expect(span.attributes['gen_ai.response.id']).toBe(completion.id);
  });
});
