/**
 * Hostile and malformed input against the LangChain tracer. The product promise under test:
 * whatever LangChain or the application hands it, the tracer never throws into LangChain or
 * the application — what the app gets from `invoke()`, `stream()`, a retriever or a tool is
 * exactly what it gets without the tracer (same value, same error object) — it never hangs,
 * and every span it starts is ended (by the run's end, its error, or eviction).
 *
 * Driven two ways: through real LangChain objects (fake chat models, a scripted chat model,
 * a scripted retriever, tools, RunnableLambda chains), each call compared with the same call
 * made without any callbacks; and by calling the handler's callbacks directly, with arguments
 * LangChain would never send. Spans come from a provider of this file whose processor also
 * sees span starts, so a span started but never ended is caught (bounded polling, no timing).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Serialized } from '@langchain/core/load/serializable';
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  isBaseMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import type { ChatResult, LLMResult } from '@langchain/core/outputs';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda } from '@langchain/core/runnables';
import { DynamicTool, tool } from '@langchain/core/tools';
import { FakeListChatModel, FakeStreamingChatModel } from '@langchain/core/utils/testing';
import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { configureLineage, resetLineageConfig } from '../../src/config.js';
import { isFrameworkModelCall } from '../../src/framework-model-calls.js';
import { sha256Json, sha256Text } from '../../src/hashing/sha256.js';
import { startRun } from '../../src/run.js';
import { type Outcome, outcomeOf, trackSpans } from '../../src/test-support/hostile-calls.js';
import { TEST_KEY } from '../../src/test-support/tracing.js';
import { LangChainLineageInstrumentation } from './langchain-instrumentation.js';
import { LineageCallbackHandler } from './lineage-callback-handler.js';

const INPUT_HASH = 'lineage.input.sha256';
const OUTPUT_HASH = 'lineage.output.sha256';
const SYSTEM_HASH = 'lineage.prompt.system.sha256';
const TOOLS_HASH = 'lineage.tools.sha256';
const COUNT = 'lineage.datasource.count';
const DROPPED = 'lineage.datasource.dropped';
const EVICTED = /did not end within \d+ ms/;

// ---------------------------------------------------------------------------------------
// Span bookkeeping: every span started, and which of them are still open.

const exporter = new InMemorySpanExporter();
const spans = trackSpans();
const { started, open } = spans;
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter), spans.processor],
});

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  configureLineage({ tracerProvider: provider, pseudonymKey: TEST_KEY });
});

afterAll(async () => {
  await provider.shutdown();
  context.disable();
  propagation.disable();
  trace.disable();
  resetLineageConfig();
});

/**
 * LangChain catches what a handler throws and only logs it ("Error in handler X, handleY: …",
 * console.warn unless the handler sets raiseError): a throw out of the tracer would not change
 * what the app gets, so every test also checks LangChain logged no such error — unless the
 * test expects one (LangChain failing on its own while preparing a handler's arguments).
 */
const handlerErrors: string[] = [];
const expectedHandlerErrors: RegExp[] = [];
const originalConsole = { warn: console.warn.bind(console), error: console.error.bind(console) };

beforeEach(() => {
  exporter.reset();
  spans.reset();
  handlerErrors.length = 0;
  expectedHandlerErrors.length = 0;
  for (const method of ['warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      const text = args.map((a) => (typeof a === 'symbol' ? a.toString() : String(a))).join(' ');
      if (text.includes('Error in handler')) handlerErrors.push(text);
      else originalConsole[method](...args);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  expect(handlerErrors.filter((text) => !expectedHandlerErrors.some((re) => re.test(text)))).toEqual([]);
  for (const re of expectedHandlerErrors) expect(handlerErrors.some((text) => re.test(text))).toBe(true);
});

/** Finished spans this test started (an evicted span of an earlier test may end during a later one). */
function finished(): ReadableSpan[] {
  const ids = new Set(started.map((s) => s.spanContext().spanId));
  return exporter.getFinishedSpans().filter((s) => ids.has(s.spanContext().spanId));
}

/** The single finished span of this test with this name. */
function only(name: string): ReadableSpan {
  const found = finished().filter((s) => s.name === name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0] as ReadableSpan;
}

/** Open spans once pending work had a chance to end them (bounded polling, 2 s). */
const stillOpen = (): Promise<number> => spans.stillOpen(2_000);

/** Every span this test started has ended, and the handler holds no run. */
async function expectAllEnded(handler?: LineageCallbackHandler): Promise<void> {
  expect(await stillOpen()).toBe(0);
  expect(finished()).toHaveLength(started.length);
  if (handler !== undefined) expect(handler.openRuns).toBe(0);
}

// ---------------------------------------------------------------------------------------
// Calling LangChain with and without the tracer and comparing what the app got.

/**
 * A value as the app compares it. LangChain gives an answer message the id `run-{runId}`
 * whenever a callback manager exists (and run ids are random), so message ids are left out;
 * everything else of the message is kept.
 */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (isBaseMessage(value)) {
    const {
      id: _id,
      lc_kwargs,
      ...fields
    } = value as unknown as Record<string, unknown> & {
      lc_kwargs: Record<string, unknown>;
    };
    const { id: _kwargsId, ...kwargs } = lc_kwargs;
    return { class: value.constructor.name, ...fields, lc_kwargs: kwargs };
  }
  return value;
}

function describeError(error: unknown): { name: string | undefined; message: unknown } {
  return {
    name: (error as { constructor?: { name?: string } } | null)?.constructor?.name,
    message: (error as { message?: unknown } | null)?.message,
  };
}

/** The traced caller got what the plain caller got: the same object, or an equal value / error. */
function expectSameOutcome(traced: Outcome, plain: Outcome): void {
  expect(traced.kind).toBe(plain.kind);
  if (plain.kind === 'value' && traced.kind === 'value') {
    if (!Object.is(traced.value, plain.value))
      expect(comparable(traced.value)).toEqual(comparable(plain.value));
  } else if (plain.kind !== 'value' && traced.kind !== 'value') {
    if (!Object.is(traced.error, plain.error)) {
      expect(describeError(traced.error)).toEqual(describeError(plain.error));
    }
  }
}

interface Compared {
  readonly plain: Outcome;
  readonly traced: Outcome;
  readonly handler: LineageCallbackHandler;
}

/**
 * Runs the call without callbacks (the uninstrumented baseline, which must start no span),
 * then with the lineage handler, and checks the app got the same thing both times.
 */
async function compare(
  call: (callbacks: Callbacks | undefined) => unknown,
  handler = new LineageCallbackHandler(),
): Promise<Compared> {
  const before = started.length;
  const plain = await outcomeOf(() => call(undefined));
  expect(started).toHaveLength(before);
  const traced = await outcomeOf(() => call([handler]));
  expectSameOutcome(traced, plain);
  return { plain, traced, handler };
}

/** The own keys of a value, to check nothing was added to or removed from it (objects the app gets back as is). */
function shapeOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return typeof value;
  try {
    return Reflect.ownKeys(value).map(String);
  } catch {
    return 'unlistable';
  }
}

/** The value of an outcome, after checking it is one. */
function resultOf(outcome: Outcome): unknown {
  expect(outcome.kind).toBe('value');
  return (outcome as { value: unknown }).value;
}

/** The error of an outcome, after checking it is a rejection. */
function errorOf(outcome: Outcome): unknown {
  expect(outcome.kind).toBe('rejected');
  return (outcome as { error: unknown }).error;
}

/** What a stream consumer saw: the chunks (as compared) and the error that ended it, if any. */
async function consume(stream: () => Promise<AsyncIterable<unknown>>, limit = Infinity): Promise<unknown> {
  const chunks: unknown[] = [];
  try {
    for await (const chunk of await stream()) {
      chunks.push(chunk);
      if (chunks.length >= limit) break;
    }
  } catch (error) {
    return { chunks: comparable(chunks), error };
  }
  return { chunks: comparable(chunks) };
}

// ---------------------------------------------------------------------------------------
// Hostile values.

/** `depth` arrays nested in each other around a string. */
function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** The hash the tracer can be expected to record: undefined when the value has no canonical form here either. */
function hashOrUndefined(value: unknown): string | undefined {
  try {
    return sha256Json(value);
  } catch {
    return undefined;
  }
}

function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = { type: 'text', text: 'loop' };
  value.self = value;
  return value;
}

const trapped = (where: string) => () => {
  throw new Error(`hostile ${where} trap`);
};

/** A Proxy every trap of which throws (typeof still says 'object'). */
function throwingProxy(): object {
  return new Proxy(
    {},
    {
      get: trapped('get'),
      has: trapped('has'),
      ownKeys: trapped('ownKeys'),
      getOwnPropertyDescriptor: trapped('getOwnPropertyDescriptor'),
      getPrototypeOf: trapped('getPrototypeOf'),
      set: trapped('set'),
      defineProperty: trapped('defineProperty'),
      deleteProperty: trapped('deleteProperty'),
    },
  );
}

/**
 * A text content part LangChain can look at (type, text, `in`) but nobody can list or copy:
 * its ownKeys and property-descriptor traps throw (hashing it throws, reading it does not).
 */
function unlistableProxy(): object {
  const part: Record<string, unknown> = { type: 'text', text: 'unlistable' };
  return new Proxy(part, {
    get: (target, key) => (typeof key === 'string' ? target[key] : undefined),
    has: (target, key) => key in target,
    ownKeys: trapped('ownKeys'),
    getOwnPropertyDescriptor: trapped('getOwnPropertyDescriptor'),
  });
}

/** A text content part with an extra property whose getter throws. */
function throwingGetterPart(): object {
  return {
    type: 'text',
    text: 'x',
    get extra(): string {
      throw new Error('content part getter');
    },
  };
}

/** A revoked Proxy: every operation on it, even Array.isArray, throws a TypeError. */
function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** An object every property of which throws when read. */
function throwingGetters(): object {
  const value = {};
  for (const key of [
    'content',
    'type',
    'role',
    'text',
    'output',
    'generations',
    'llmOutput',
    'message',
    'metadata',
    'pageContent',
    'id',
    'tool_call_id',
    'invocation_params',
    'ls_provider',
    'ls_model_name',
    'toJSON',
  ]) {
    Object.defineProperty(value, key, { enumerable: true, get: trapped(`getter ${key}`) });
  }
  return value;
}

const FOUR_MB = 'x'.repeat(4 * 1024 * 1024);

/** Values no LangChain callback argument should ever be, for the direct-call matrix. */
function hostileValues(): (readonly [string, unknown])[] {
  return [
    ['undefined', undefined],
    ['null', null],
    ['NaN', Number.NaN],
    ['a BigInt', 10n],
    ['a Symbol', Symbol('hostile')],
    ['a function', () => 'function'],
    ['a cyclic object', cyclic()],
    ['a lone surrogate', 'half \ud800 pair'],
    ['a 4 MB string', FOUR_MB],
    ['5,000 nested arrays', nested(5_000)],
    ['an object whose getters throw', throwingGetters()],
    ['a Proxy whose traps throw', throwingProxy()],
    ['a revoked Proxy', revokedProxy()],
    ['an object without a prototype', Object.create(null)],
    ['a sparse array of 50,000 holes', new Array(50_000)],
    ['an array of hostile values', [throwingProxy(), revokedProxy(), 10n, Symbol('s'), cyclic()]],
  ];
}

// ---------------------------------------------------------------------------------------
// LangChain parts scripted to return what a test needs.

/** A chat model whose answer (and invocation params) a test scripts. */
class ScriptedChatModel extends BaseChatModel {
  constructor(
    private readonly script: () => unknown,
    private readonly params: () => unknown = () => ({}),
  ) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  override invocationParams(): never {
    return this.params() as never;
  }

  async _generate(): Promise<ChatResult> {
    return this.script() as ChatResult;
  }
}

/** A retriever returning whatever the test gives it. */
class ScriptedRetriever extends BaseRetriever {
  lc_namespace = ['test', 'retrievers'];

  constructor(private readonly documents: () => unknown) {
    super();
  }

  override async _getRelevantDocuments(): Promise<Document[]> {
    return this.documents() as Document[];
  }
}

/** A tool returning whatever the test gives it. */
function scriptedTool(output: () => unknown) {
  return tool(async () => output() as string, {
    name: 'scripted_tool',
    description: 'Returns what the test scripted',
    schema: z.object({ q: z.string() }),
  });
}

const toolCall = (args: unknown = { q: 'x' }) => ({
  id: 'call_hostile',
  name: 'scripted_tool',
  args: args as Record<string, unknown>,
  type: 'tool_call' as const,
});

const CHAIN: Serialized = { lc: 1, type: 'not_implemented', id: ['test', 'Chain'] };
const CHAT: Serialized = { lc: 1, type: 'not_implemented', id: ['langchain', 'chat_models', 'ChatOpenAI'] };

// =======================================================================================

describe('chat models fed hostile messages (FakeListChatModel)', () => {
  interface MessageCase {
    readonly name: string;
    readonly messages: () => BaseMessage[];
    /** The input hash the span must carry (undefined: left out). */
    readonly inputHash: () => string | undefined;
    /** Whether that hash is expected at all (for the test name, without hashing megabytes at collection). */
    readonly hashed: boolean;
    readonly systemHash?: () => string;
  }
  const SYSTEM = 's'.repeat(3 * 1024 * 1024);
  const BIG = 'b'.repeat(8 * 1024 * 1024);
  const deep = nested(5_000);
  const cases: MessageCase[] = [
    {
      name: 'a cyclic content part',
      messages: () => [new HumanMessage({ content: [cyclic() as never] })],
      inputHash: () => undefined,
      hashed: false,
    },
    {
      name: 'a BigInt in a content part',
      messages: () => [new HumanMessage({ content: [{ type: 'text', text: 'x', n: 1n } as never] })],
      inputHash: () => undefined,
      hashed: false,
    },
    {
      name: 'Symbol, function and undefined fields in a content part (left out, as JSON.stringify sends it)',
      messages: () => [
        new HumanMessage({
          content: [{ type: 'text', text: 'x', s: Symbol('s'), f: () => 1, u: undefined } as never],
        }),
      ],
      inputHash: () => sha256Json([{ role: 'user', content: [{ type: 'text', text: 'x' }] }]),
      hashed: true,
    },
    {
      name: 'a lone surrogate',
      messages: () => [new HumanMessage('half \ud800 pair')],
      inputHash: () => undefined,
      hashed: false,
    },
    {
      name: 'an 8 MB message and a 3 MB system prompt',
      messages: () => [new SystemMessage(SYSTEM), new HumanMessage(BIG)],
      inputHash: () =>
        sha256Json([
          { role: 'system', content: SYSTEM },
          { role: 'user', content: BIG },
        ]),
      systemHash: () => sha256Text(SYSTEM),
      hashed: true,
    },
    {
      name: '5,000 nested arrays in a content part',
      messages: () => [new HumanMessage({ content: [{ type: 'text', text: 'x', deep } as never] })],
      inputHash: () => hashOrUndefined([{ role: 'user', content: [{ type: 'text', text: 'x', deep }] }]),
      hashed: false,
    },
    {
      name: 'a content part that is a Proxy whose ownKeys and descriptor traps throw',
      messages: () => [new HumanMessage({ content: [unlistableProxy() as never] })],
      inputHash: () => undefined,
      hashed: false,
    },
    {
      name: 'a content part whose getter throws',
      messages: () => [new HumanMessage({ content: [throwingGetterPart() as never] })],
      inputHash: () => undefined,
      hashed: false,
    },
    {
      name: '50,000 messages',
      messages: () => Array.from({ length: 50_000 }, (_, i) => new HumanMessage(`message ${i}`)),
      inputHash: () =>
        sha256Json(Array.from({ length: 50_000 }, (_, i) => ({ role: 'user', content: `message ${i}` }))),
      hashed: true,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the same answer; one chat span, ended, input hash ${c.hashed ? 'kept' : 'left out'}`, async () => {
      const { traced, handler } = await compare((callbacks) =>
        new FakeListChatModel({ responses: ['ok'] }).invoke(c.messages(), { callbacks }),
      );
      expect((resultOf(traced) as AIMessage).content).toBe('ok');
      await expectAllEnded(handler);
      const span = only('chat');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes[INPUT_HASH]).toBe(c.inputHash());
      expect(span.attributes[SYSTEM_HASH]).toBe(c.systemHash?.());
      expect(span.attributes[OUTPUT_HASH]).toBe(sha256Text('ok'));
    });
  }

  it('inside a run that retrieved something, hostile parts beside the retrieved text: the same answer; the link is still inferred', async () => {
    const REFUNDS = 'Refunds are issued within fourteen days.';
    const retriever = new ScriptedRetriever(() => [
      new Document({ pageContent: REFUNDS, metadata: { id: 'kb#1' } }),
    ]);
    const ask = async (callbacks: Callbacks | undefined) =>
      startRun({ agentName: 'hostile-run' }, async () => {
        await retriever.invoke('refunds', { callbacks });
        return new FakeListChatModel({ responses: ['ok'] }).invoke(
          [
            new HumanMessage({
              content: [
                unlistableProxy() as never,
                throwingGetterPart() as never,
                { type: 'text', text: REFUNDS },
              ],
            }),
          ],
          { callbacks },
        );
      });
    const before = started.length;
    const plain = await outcomeOf(() => ask(undefined));
    const handler = new LineageCallbackHandler();
    const appSpans = started.length - before;
    const traced = await outcomeOf(() => ask([handler]));
    expectSameOutcome(traced, plain);
    expect(appSpans).toBe(1); // the application's own run span, nothing of the tracer
    await expectAllEnded(handler);
    const chat = only('chat');
    const retrieval = only('retrieval ScriptedRetriever');
    expect(chat.links.map((l) => [l.context.spanId, l.attributes?.['lineage.link.type']])).toEqual([
      [retrieval.spanContext().spanId, 'consumed'],
    ]);
    expect(chat.attributes[INPUT_HASH]).toBeUndefined();
  });

  describe('an answer in the history whose tool-call arguments cannot be serialised', () => {
    const history = (args: unknown) => [
      new AIMessage({
        content: '',
        tool_calls: [{ id: 'call_1', name: 'f', args: args as Record<string, unknown> }],
      }),
      new ToolMessage({ content: 'result', tool_call_id: 'call_1' }),
      new HumanMessage('and then?'),
    ];

    for (const [name, args] of [
      ['cyclic', cyclic()],
      ['BigInt', { n: 1n }],
    ] as const) {
      it(`${name} arguments: the same answer, nothing thrown, nothing left open`, async () => {
        const { traced, handler } = await compare((callbacks) =>
          new FakeListChatModel({ responses: ['ok'] }).invoke(history(args), { callbacks }),
        );
        expect((resultOf(traced) as AIMessage).content).toBe('ok');
        await expectAllEnded(handler);
      });

      // Found by this file: JSON.stringify(call.args) in openai-messages.ts threw out of
      // chatMessages() before the span started, losing the whole invocation. Now the messages
      // are unreadable only for hashing: the invocation is recorded without request hashes.
      it(`${name} arguments: the model invocation is still recorded, without an input hash`, async () => {
        const handler = new LineageCallbackHandler();
        await new FakeListChatModel({ responses: ['ok'] }).invoke(history(args), { callbacks: [handler] });
        await expectAllEnded(handler);
        const span = only('chat');
        expect(span.attributes[INPUT_HASH]).toBeUndefined();
        expect(span.attributes[OUTPUT_HASH]).toBe(sha256Text('ok'));
      });
    }
  });
});

// =======================================================================================

describe('chat models returning hostile results (a scripted BaseChatModel)', () => {
  const answer = (message: AIMessage) => ({ text: String(message.content), message });

  it('non-numeric llmOutput token usage: the same answer; usage left out, the rest kept', async () => {
    const { traced, handler } = await compare((callbacks) =>
      new ScriptedChatModel(() => ({
        generations: [answer(new AIMessage('ok'))],
        llmOutput: { tokenUsage: { promptTokens: '12', completionTokens: Number.NaN, totalTokens: 10n } },
      })).invoke([new HumanMessage('q')], { callbacks }),
    );
    expect((resultOf(traced) as AIMessage).content).toBe('ok');
    await expectAllEnded(handler);
    const span = only('chat');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.input_tokens']);
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.output_tokens']);
    expect(span.attributes[OUTPUT_HASH]).toBe(sha256Text('ok'));
  });

  it('non-finite and fractional llmOutput token usage (Infinity, 1.5): left out', async () => {
    const { handler } = await compare((callbacks) =>
      new ScriptedChatModel(() => ({
        generations: [answer(new AIMessage('ok'))],
        llmOutput: { tokenUsage: { promptTokens: Number.POSITIVE_INFINITY, completionTokens: 1.5 } },
      })).invoke([new HumanMessage('q')], { callbacks }),
    );
    await expectAllEnded(handler);
    const span = only('chat');
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.input_tokens']);
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.output_tokens']);
  });

  // Found by this file: non-numeric usage_metadata counts used to become 0 tokens and hide the
  // valid llmOutput.tokenUsage behind them. Only real counts add up now.
  it('non-numeric usage_metadata with valid llmOutput usage: the valid counts are recorded, not 0', async () => {
    const handler = new LineageCallbackHandler();
    await new ScriptedChatModel(() => ({
      generations: [
        answer(
          new AIMessage({
            content: 'ok',
            usage_metadata: { input_tokens: '12', output_tokens: 'many', total_tokens: 'x' } as never,
          }),
        ),
      ],
      llmOutput: { tokenUsage: { promptTokens: 7, completionTokens: 3 } },
    })).invoke([new HumanMessage('q')], { callbacks: [handler] });
    await expectAllEnded(handler);
    const span = only('chat');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(7);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(3);
  });

  it('two answers and an llmOutput whose tokenUsage getter throws: the same first answer; span ended, response details left out', async () => {
    const { traced, handler } = await compare((callbacks) =>
      new ScriptedChatModel(() => ({
        generations: [answer(new AIMessage('first')), answer(new AIMessage('second'))],
        llmOutput: {
          get tokenUsage(): never {
            throw new Error('tokenUsage getter exploded');
          },
        },
      })).invoke([new HumanMessage('q')], { callbacks }),
    );
    expect((resultOf(traced) as AIMessage).content).toBe('first');
    await expectAllEnded(handler);
    const span = only('chat');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[INPUT_HASH]).toBe(sha256Json([{ role: 'user', content: 'q' }]));
    expect(span.attributes).not.toHaveProperty([OUTPUT_HASH]);
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.input_tokens']);
  });

  it('odd response_metadata (model_name an object, finish_reason a number): those attributes left out', async () => {
    const { handler } = await compare((callbacks) =>
      new ScriptedChatModel(() => ({
        generations: [
          answer(
            new AIMessage({
              content: 'ok',
              response_metadata: { model_name: { name: 'gpt' }, model: 42, finish_reason: 7 } as never,
            }),
          ),
        ],
      })).invoke([new HumanMessage('q')], { callbacks }),
    );
    await expectAllEnded(handler);
    const span = only('chat');
    expect(span.attributes).not.toHaveProperty(['gen_ai.response.model']);
    expect(span.attributes).not.toHaveProperty(['gen_ai.response.finish_reasons']);
    expect(span.attributes).not.toHaveProperty(['lineage.model.version']);
    expect(span.attributes[OUTPUT_HASH]).toBe(sha256Text('ok'));
  });

  it('no generations at all: the same TypeError from LangChain; span ended without an output hash', async () => {
    const { traced, handler } = await compare((callbacks) =>
      new ScriptedChatModel(() => ({ generations: [] })).invoke([new HumanMessage('q')], { callbacks }),
    );
    expect(errorOf(traced)).toBeInstanceOf(TypeError);
    await expectAllEnded(handler);
    const span = only('chat');
    expect(span.attributes).not.toHaveProperty([OUTPUT_HASH]);
  });

  it('a model that throws a Symbol: the same value rejected; span ended as an error', async () => {
    const thrown = Symbol('model failure');
    const { traced, handler } = await compare((callbacks) =>
      new ScriptedChatModel(() => {
        throw thrown;
      }).invoke([new HumanMessage('q')], { callbacks }),
    );
    expect(errorOf(traced)).toBe(thrown);
    await expectAllEnded(handler);
    expect(only('chat').status).toEqual({ code: SpanStatusCode.ERROR, message: 'Symbol(model failure)' });
  });

  it('hostile invocation params (model an object, temperature a string, a cyclic tools list): dropped, span ended', async () => {
    const tools: unknown[] = [{ type: 'function', function: { name: 'f' } }];
    tools.push(tools);
    const { handler } = await compare((callbacks) =>
      new ScriptedChatModel(
        () => ({ generations: [answer(new AIMessage('ok'))] }),
        () => ({
          model: { name: 'gpt-4o' },
          temperature: '0.5',
          max_tokens: 1.5,
          seed: 2n,
          top_p: Number.NaN,
          tools,
        }),
      ).invoke([new HumanMessage('q')], { callbacks }),
    );
    await expectAllEnded(handler);
    const span = only('chat');
    for (const name of [
      'gen_ai.request.model',
      'gen_ai.request.temperature',
      'gen_ai.request.max_tokens',
      'gen_ai.request.seed',
      'gen_ai.request.top_p',
      TOOLS_HASH,
    ]) {
      expect(span.attributes).not.toHaveProperty([name]);
    }
    expect(span.attributes[OUTPUT_HASH]).toBe(sha256Text('ok'));
  });

  // LangChain itself spreads response_metadata after the model returned, and when that throws it
  // rejects without calling handleLLMEnd or handleLLMError: the run never ends on LangChain's side.
  // The tracer cannot know; its span ends by eviction after runTtlMs (here 100 ms; default 10 min).
  it('a response_metadata getter that throws inside LangChain: the same error object; the span still ends, by eviction', async () => {
    const boom = new Error('response_metadata getter exploded');
    const message = () =>
      Object.defineProperty(new AIMessage('ok'), 'response_metadata', {
        enumerable: true,
        get() {
          throw boom;
        },
      });
    const handler = new LineageCallbackHandler({ runTtlMs: 100 });
    const { traced } = await compare(
      (callbacks) =>
        new ScriptedChatModel(() => ({ generations: [answer(message())] })).invoke([new HumanMessage('q')], {
          callbacks,
        }),
      handler,
    );
    expect(errorOf(traced)).toBe(boom);
    await expectAllEnded(handler);
    const span = only('chat');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toMatch(EVICTED);
  });
});

// =======================================================================================

describe('streaming', () => {
  it('a streaming chat model: the same chunks; one first-token event, output hash of the whole answer', async () => {
    const text = 'streamed \ud83d\ude00 answer';
    const { traced, handler } = await compare((callbacks) =>
      consume(() =>
        new FakeStreamingChatModel({ sleep: 0, responses: [new AIMessage(text)] }).stream(
          [new HumanMessage({ content: [cyclic() as never] })],
          { callbacks },
        ),
      ),
    );
    expect((resultOf(traced) as { chunks: unknown[] }).chunks).toHaveLength([...text].length);
    await expectAllEnded(handler);
    const span = only('chat');
    expect(span.events.map((e) => e.name)).toEqual(['lineage.first_token']);
    expect(span.attributes[INPUT_HASH]).toBeUndefined();
    expect(span.attributes[OUTPUT_HASH]).toBe(sha256Text(text));
  });

  it('streamed chunks with cyclic and BigInt additional_kwargs: the same chunks; span ended', async () => {
    const kwargs = cyclic();
    kwargs.n = 7n;
    const { handler } = await compare((callbacks) =>
      consume(() =>
        new FakeStreamingChatModel({
          sleep: 0,
          chunks: [
            new AIMessageChunk({ content: 'one ', additional_kwargs: kwargs }),
            new AIMessageChunk({ content: 'two' }),
          ],
        }).stream('q', { callbacks }),
      ),
    );
    await expectAllEnded(handler);
    expect(only('chat').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a chain streaming chunks that cannot be concatenated or hashed: the same chunks, in order; run span ended', async () => {
    const chunks = ['text', 42, cyclic(), 10n, Symbol('chunk'), throwingGetters(), undefined];
    const { traced, handler } = await compare((callbacks) =>
      consume(() =>
        RunnableLambda.from(async function* () {
          for (const chunk of chunks) yield chunk;
        }).stream('q', { callbacks }),
      ),
    );
    const got = resultOf(traced) as { chunks: unknown[] };
    expect(got.chunks).toHaveLength(chunks.length);
    got.chunks.forEach((chunk, i) => {
      expect(chunk).toBe(chunks[i]);
    });
    await expectAllEnded(handler);
    expect(only('invoke_agent RunnableLambda').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a chain stream that throws a hostile value after two chunks: the same chunks and the same value; span failed', async () => {
    const thrown = Symbol('stream failure');
    const { traced, handler } = await compare((callbacks) =>
      consume(() =>
        RunnableLambda.from(async function* () {
          yield 'a';
          yield 'b';
          throw thrown;
        }).stream('q', { callbacks }),
      ),
    );
    expect(resultOf(traced)).toEqual({ chunks: ['a', 'b'], error: thrown });
    await expectAllEnded(handler);
    const span = only('invoke_agent RunnableLambda');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Symbol(stream failure)' });
  });

  it('a chat model stream aborted by the app mid-way: the same abort error; span ended as an error', async () => {
    const run = (callbacks: Callbacks | undefined) => {
      const controller = new AbortController();
      return consume(async () => {
        const stream = await new FakeStreamingChatModel({
          sleep: 0,
          responses: [new AIMessage('abcdef')],
        }).stream('q', { callbacks, signal: controller.signal });
        return (async function* () {
          for await (const chunk of stream) {
            yield chunk;
            controller.abort();
          }
        })();
      });
    };
    const { traced, handler } = await compare(run);
    expect((resultOf(traced) as { error?: unknown }).error).toBeInstanceOf(Error);
    await expectAllEnded(handler);
    expect(only('chat').status.code).toBe(SpanStatusCode.ERROR);
  });

  // When the app stops iterating (break), LangChain calls no end or error callback for the run:
  // the tracer's span is ended by eviction after runTtlMs (10 minutes by default).
  for (const [name, stream] of [
    [
      'a chain',
      (callbacks: Callbacks | undefined) =>
        RunnableLambda.from(async function* () {
          yield 'a';
          yield 'b';
          yield 'c';
        }).stream('q', { callbacks }),
    ],
    [
      'a chat model',
      (callbacks: Callbacks | undefined) =>
        new FakeListChatModel({ responses: ['abcdef'] }).stream('q', { callbacks }),
    ],
  ] as const) {
    it(`${name} stream the app abandons after one chunk: the same chunk; the span ends by eviction`, async () => {
      const handler = new LineageCallbackHandler({ runTtlMs: 100 });
      const { traced } = await compare((callbacks) => consume(() => stream(callbacks), 1), handler);
      expect((resultOf(traced) as { chunks: unknown[] }).chunks).toHaveLength(1);
      await expectAllEnded(handler);
      expect(finished()).toHaveLength(1);
      expect(finished()[0]?.status.message).toMatch(EVICTED);
    });
  }
});

// =======================================================================================

describe('retrievers returning hostile documents', () => {
  const retrieve = (documents: () => unknown) => (callbacks: Callbacks | undefined) =>
    new ScriptedRetriever(documents).invoke('query', { callbacks });

  function events(span: ReadableSpan) {
    return span.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } }));
  }

  it('hostile metadata values: the same documents; each attribute kept only when valid', async () => {
    const documents = () => [
      new Document({
        pageContent: 'a',
        metadata: {
          id: { nested: 'object id' },
          source: 42,
          ingested_at: new Date('not a date'),
          score: 'high',
          index_version: { v: 1 },
        },
      }),
      new Document({
        pageContent: 'b',
        metadata: { id: 7, source: Number.NaN, ingested_at: 1_700_000_000_000, score: Number.NaN },
      }),
      new Document({ pageContent: 'c', metadata: { id: '', source: 'kb.md', chunk: { n: 1 } } }),
      new Document({ pageContent: 'd', metadata: { source: 'kb.md', ingested_at: 'sometime last week' } }),
      new Document({ pageContent: 'e', metadata: cyclic() }),
    ];
    // Fresh documents per call: the app's documents are compared whole, so a change made to them shows.
    const { traced, handler } = await compare(retrieve(documents));
    expect(resultOf(traced)).toHaveLength(5);
    await expectAllEnded(handler);
    const span = only('retrieval ScriptedRetriever');
    expect(span.attributes[COUNT]).toBe(5);
    expect(span.attributes[DROPPED]).toBe(0);
    expect(span.attributes).not.toHaveProperty(['lineage.index.version']);
    const chunk = (text: string) => ({
      'lineage.datasource.kind': 'rag_chunk',
      'lineage.content.sha256': sha256Text(text),
      'lineage.content.size': 1,
    });
    expect(events(span).map((e) => e.attributes)).toEqual([
      // An object id is no id; a numeric source is a URI; an invalid Date, a string score and an object index version are left out.
      {
        ...chunk('a'),
        'lineage.datasource.id': `rag_chunk:${sha256Text('a')}`,
        'lineage.datasource.uri': '42',
      },
      // A numeric id is kept as text; NaN source and score and an epoch-number ingestion time are left out.
      { ...chunk('b'), 'lineage.datasource.id': '7' },
      // An empty id is no id; an object chunk names no chunk.
      {
        ...chunk('c'),
        'lineage.datasource.id': `rag_chunk:${sha256Text('c')}`,
        'lineage.datasource.uri': 'kb.md',
      },
      // An ingestion time that is a string is passed on as given (not validated as ISO 8601).
      {
        ...chunk('d'),
        'lineage.datasource.id': `rag_chunk:${sha256Text('d')}`,
        'lineage.datasource.uri': 'kb.md',
        'lineage.datasource.ingested_at': 'sometime last week',
      },
      // Cyclic metadata: only the keys the tracer reads are looked at.
      { ...chunk('e'), 'lineage.datasource.id': `rag_chunk:${sha256Text('e')}` },
    ]);
  });

  it('path-traversal ids and sources are data only: recorded verbatim, nothing written to disk', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'lineage-hostile-'));
    const cwd = join(sandbox, 'a', 'b');
    mkdirSync(cwd, { recursive: true });
    const targets = [
      '../../etc/passwd',
      '../../pwned.txt',
      '..\\..\\pwned-windows.txt',
      join(sandbox, 'absolute-pwned.txt'),
      `file://${join(sandbox, 'uri-pwned.txt')}`,
      '/dev/null/../../pwned',
    ];
    const documents = () =>
      targets.map(
        (target, i) => new Document({ pageContent: `doc ${i}`, metadata: { id: target, source: target } }),
      );
    const tree = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        return [relative(sandbox, path), ...(entry.isDirectory() ? tree(path) : [])];
      });
    const previous = process.cwd();
    try {
      process.chdir(cwd);
      const { handler } = await compare(retrieve(documents));
      handler.evictAll();
      await provider.forceFlush();
      await expectAllEnded(handler);
      const span = only('retrieval ScriptedRetriever');
      expect(span.events.map((e) => e.attributes?.['lineage.datasource.id'])).toEqual(targets);
      expect(span.events.map((e) => e.attributes?.['lineage.datasource.uri'])).toEqual(targets);
      expect(tree(sandbox).sort()).toEqual(['a', join('a', 'b')]);
      for (const target of targets.filter((t) => !t.startsWith('/dev/'))) {
        expect(existsSync(resolve(cwd, target))).toBe(false);
      }
    } finally {
      process.chdir(previous);
      rmSync(sandbox, { recursive: true, force: true });
    }
  });

  it('50,000 documents: the same documents; all counted, 64 recorded, the rest counted as dropped', async () => {
    const documents = () =>
      Array.from(
        { length: 50_000 },
        (_, i) =>
          new Document({ pageContent: `document ${i}`, metadata: { id: `doc-${i}`, index_version: 'v1' } }),
      );
    const { traced, handler } = await compare(retrieve(documents));
    expect(resultOf(traced)).toHaveLength(50_000);
    await expectAllEnded(handler);
    const span = only('retrieval ScriptedRetriever');
    expect(span.attributes[COUNT]).toBe(50_000);
    expect(span.attributes[DROPPED]).toBe(50_000 - 64);
    expect(span.events).toHaveLength(64);
    expect(span.attributes['lineage.index.version']).toBe('v1');
  });

  it('things that are not documents (null, strings, numbers, a numeric pageContent, a Proxy): returned as is, skipped', async () => {
    const documents = [
      null,
      'text',
      42,
      { pageContent: 99 },
      throwingProxy(),
      new Document({ pageContent: 'real' }),
    ];
    const { traced, handler } = await compare(retrieve(() => documents));
    expect(resultOf(traced)).toBe(documents);
    await expectAllEnded(handler);
    const span = only('retrieval ScriptedRetriever');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a 5 MB document and a lone-surrogate document: the same documents; both hashed, no content copied', async () => {
    const big = 'd'.repeat(5 * 1024 * 1024);
    const documents = [new Document({ pageContent: big }), new Document({ pageContent: 'half \udc00 pair' })];
    const { handler } = await compare(retrieve(() => documents));
    await expectAllEnded(handler);
    const span = only('retrieval ScriptedRetriever');
    expect(span.attributes[COUNT]).toBe(2);
    const [first] = span.events;
    expect(first?.attributes?.['lineage.content.sha256']).toBe(sha256Text(big));
    expect(first?.attributes?.['lineage.content.size']).toBe(big.length);
    expect(first?.attributes).not.toHaveProperty(['lineage.content']);
  });

  it('a returned list that is not an array (an unlistable Proxy, a string): the same value; span ended with nothing recorded', async () => {
    for (const documents of [unlistableProxy(), 'not documents']) {
      const { traced, handler } = await compare(retrieve(() => documents));
      expect(resultOf(traced)).toBe(documents);
      await expectAllEnded(handler);
    }
    expect(finished().map((s) => s.attributes[COUNT])).toEqual([0, 0]);
  });

  it('a document whose metadata getter throws: the same documents, nothing thrown, span ended', async () => {
    const hostile = Object.defineProperty(new Document({ pageContent: 'hostile' }), 'metadata', {
      get: trapped('metadata getter'),
    });
    const documents = [
      new Document({ pageContent: 'before' }),
      hostile,
      new Document({ pageContent: 'after' }),
    ];
    const { traced, handler } = await compare(retrieve(() => documents));
    expect(resultOf(traced)).toBe(documents);
    await expectAllEnded(handler);
    expect(only('retrieval ScriptedRetriever').status.code).toBe(SpanStatusCode.UNSET);
  });

  // Found by this file: one unreadable document used to end the loop, so the documents after it
  // were neither recorded nor counted. Now it is one dropped source and the rest are recorded.
  it('a document whose metadata getter throws: the documents after it are still recorded', async () => {
    const hostile = Object.defineProperty(new Document({ pageContent: 'hostile' }), 'metadata', {
      get: trapped('metadata getter'),
    });
    const handler = new LineageCallbackHandler();
    await retrieve(() => [
      new Document({ pageContent: 'before' }),
      hostile,
      new Document({ pageContent: 'after' }),
    ])([handler]);
    await expectAllEnded(handler);
    const span = only('retrieval ScriptedRetriever');
    const recorded = span.events.map((e) => e.attributes?.['lineage.content.sha256']);
    expect(recorded).toEqual([sha256Text('before'), sha256Text('after')]);
    expect(span.attributes[COUNT]).toBe(3);
    expect(span.attributes[DROPPED]).toBe(1);
  });

  it('hostile queries (a cyclic object, a 4 MB string, a lone surrogate): the same documents; query fingerprint as far as valid', async () => {
    const documents = () => [new Document({ pageContent: 'x' })];
    const handler = new LineageCallbackHandler();
    for (const query of [cyclic(), FOUR_MB, 'half \ud800 pair']) {
      await compare(
        (callbacks) => new ScriptedRetriever(documents).invoke(query as string, { callbacks }),
        handler,
      );
    }
    await expectAllEnded(handler);
    expect(finished().map((s) => s.attributes['lineage.query.sha256'])).toEqual([
      undefined,
      sha256Text(FOUR_MB),
      // Text queries are hashed as UTF-8 text, which a lone surrogate does not have: no hash.
      undefined,
    ]);
  });

  for (const [name, thrown] of [
    ['a string', 'retriever failed'],
    ['undefined', undefined],
    ['a Symbol', Symbol('retriever failed')],
    ['a cyclic object', cyclic()],
  ] as const) {
    it(`a retriever throwing ${name}: the same value rejected; span ended as an error`, async () => {
      const { traced, handler } = await compare(
        retrieve(() => {
          throw thrown;
        }),
      );
      expect(errorOf(traced)).toBe(thrown);
      await expectAllEnded(handler);
      expect(only('retrieval ScriptedRetriever').status.code).toBe(SpanStatusCode.ERROR);
    });
  }
});

// =======================================================================================

describe('tools with hostile inputs and outputs', () => {
  for (const [name, output, content] of [
    ['a BigInt', 10n, '10'],
    ['a Symbol', Symbol('out'), ''],
    ['a function', () => 'out', ''],
    ['a cyclic object', cyclic(), '[object Object]'],
    ['a 4 MB string', FOUR_MB, FOUR_MB],
  ] as const) {
    it(`a tool call returning ${name}: the same ToolMessage; output hash of its content`, async () => {
      const { traced, handler } = await compare((callbacks) =>
        scriptedTool(() => output).invoke(toolCall(), { callbacks }),
      );
      const message = resultOf(traced) as ToolMessage;
      expect(message.content).toBe(content);
      await expectAllEnded(handler);
      const span = only('execute_tool scripted_tool');
      expect(span.attributes['gen_ai.tool.call.id']).toBe('call_hostile');
      expect(span.attributes[OUTPUT_HASH]).toBe(sha256Text(content));
      expect(span.attributes[COUNT]).toBe(1);
    });
  }

  for (const [name, output] of [
    ['a cyclic object', cyclic()],
    ['a BigInt', 10n],
    ['a Symbol', Symbol('raw')],
    ['5,000 nested arrays', nested(5_000)],
    ['an object whose getters throw', throwingGetters()],
  ] as const) {
    it(`a tool invoked with plain arguments returning ${name} (no ToolMessage): the same value; output not hashed`, async () => {
      const shape = shapeOf(output);
      const { traced, handler } = await compare((callbacks) =>
        scriptedTool(() => output).invoke({ q: 'x' }, { callbacks }),
      );
      expect(resultOf(traced)).toBe(output);
      expect(shapeOf(output)).toEqual(shape);
      await expectAllEnded(handler);
      const span = only('execute_tool scripted_tool');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes).not.toHaveProperty([OUTPUT_HASH]);
    });
  }

  it('a tool returning a Proxy whose traps throw: the same Proxy; span ended', async () => {
    const proxy = new Proxy(
      {},
      {
        get: () => undefined,
        has: trapped('has'),
        ownKeys: trapped('ownKeys'),
        getOwnPropertyDescriptor: trapped('gopd'),
      },
    );
    const { traced, handler } = await compare((callbacks) =>
      scriptedTool(() => proxy).invoke({ q: 'x' }, { callbacks }),
    );
    expect(resultOf(traced)).toBe(proxy);
    await expectAllEnded(handler);
    expect(only('execute_tool scripted_tool').attributes).not.toHaveProperty([OUTPUT_HASH]);
  });

  it('a tool returning a ToolMessage with an unhashable content part: the same message; the source counted as dropped', async () => {
    const message = new ToolMessage({ content: [cyclic() as never], tool_call_id: 'call_own' });
    const { traced, handler } = await compare((callbacks) =>
      scriptedTool(() => message).invoke(toolCall(), { callbacks }),
    );
    expect(resultOf(traced)).toBe(message);
    await expectAllEnded(handler);
    const span = only('execute_tool scripted_tool');
    expect(span.attributes[COUNT]).toBe(1);
    expect(span.attributes[DROPPED]).toBe(1);
    expect(span.attributes).not.toHaveProperty([OUTPUT_HASH]);
  });

  // LangChain JSON.stringifies an object input for each handler, inside its try/catch around the
  // handler call: a BigInt or a cycle makes it skip handleToolStart and log the failure under the
  // tracer's name (console.warn). The app is unaffected; the tool call is not traced at all.
  for (const [name, args] of [
    ['a BigInt', { q: 'x', n: 1n }],
    [
      'a cycle',
      (() => {
        const value: Record<string, unknown> = { q: 'x' };
        value.self = value;
        return value;
      })(),
    ],
  ] as const) {
    it(`arguments with ${name} next to the schema fields: the same answer; LangChain never starts the tool run`, async () => {
      expectedHandlerErrors.push(/Error in handler LineageCallbackHandler, handleToolStart: TypeError/);
      const { traced, handler } = await compare((callbacks) =>
        scriptedTool(() => 'done').invoke(toolCall(args), { callbacks }),
      );
      expect((resultOf(traced) as ToolMessage).content).toBe('done');
      await expectAllEnded(handler);
      expect(started).toEqual([]);
    });
  }

  it('a string tool given a lone surrogate, and a 6 MB input: the same answers; hashes as far as valid', async () => {
    const echo = new DynamicTool({
      name: 'echo',
      description: 'echo',
      func: async (input: string) => input.slice(0, 8),
    });
    const big = 'i'.repeat(6 * 1024 * 1024);
    const { handler } = await compare((callbacks) => echo.invoke('half \ud800 pair', { callbacks }));
    await compare((callbacks) => echo.invoke(big, { callbacks }), handler);
    await expectAllEnded(handler);
    const [surrogate, huge] = finished();
    // LangChain hands the tool's `{ input }` to handlers as JSON text; the tracer hashes the value it encodes.
    expect(surrogate?.attributes).not.toHaveProperty([INPUT_HASH]);
    expect(huge?.attributes[INPUT_HASH]).toBe(sha256Json({ input: big }));
  });

  it('tool input that is JSON nested 5,000 and 200,000 levels deep (direct calls): nothing thrown; hashed as far as possible', async () => {
    const handler = new LineageCallbackHandler();
    const texts = [5_000, 200_000].map((depth) => `${'['.repeat(depth)}1${']'.repeat(depth)}`);
    for (const [i, text] of texts.entries()) {
      expect(() => {
        handler.handleToolStart(CHAIN, text, `deep-${i}`, undefined, [], {}, `deep-${i}`);
        handler.handleToolEnd(text, `deep-${i}`);
      }).not.toThrow();
    }
    await expectAllEnded(handler);
    const expected = (text: string) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
      return hashOrUndefined(value);
    };
    expect(finished().map((s) => s.attributes[INPUT_HASH])).toEqual(texts.map(expected));
    expect(finished().map((s) => s.attributes[OUTPUT_HASH])).toEqual(texts.map(sha256Text));
  });

  for (const [name, thrown] of [
    ['a string', 'tool failed'],
    ['null', null],
    ['a Symbol', Symbol('tool failed')],
    ['a cyclic object', cyclic()],
  ] as const) {
    it(`a tool throwing ${name}: the same value rejected; span ended`, async () => {
      const { traced, handler } = await compare((callbacks) =>
        scriptedTool(() => {
          throw thrown;
        }).invoke(toolCall(), { callbacks }),
      );
      expect(errorOf(traced)).toBe(thrown);
      await expectAllEnded(handler);
      expect(only('execute_tool scripted_tool').status.code).toBe(SpanStatusCode.ERROR);
    });
  }
});

// =======================================================================================

describe('chains (RunnableLambda) with hostile outputs and errors', () => {
  const lambda = (fn: () => unknown) =>
    RunnableLambda.from(async () => fn()).withConfig({ runName: 'hostile' });

  for (const [name, output, hashed] of [
    ['a cyclic object', cyclic(), undefined],
    ['a BigInt', 10n, undefined],
    ['a Symbol', Symbol('output'), undefined],
    ['a function', () => 'output', undefined],
    ['undefined', undefined, sha256Text('null')],
    ['an object whose `output` getter throws', throwingGetters(), undefined],
    ['5,000 nested arrays', nested(5_000), undefined],
    ['a 4 MB string', FOUR_MB, sha256Text(FOUR_MB)],
    [
      'a Proxy whose has/ownKeys traps throw',
      new Proxy({}, { get: () => undefined, has: trapped('has'), ownKeys: trapped('ownKeys') }),
      undefined,
    ],
  ] as const) {
    it(`returning ${name}: the same value; run span ended, FinalOutput ${hashed === undefined ? 'not recorded' : 'hashed'}`, async () => {
      const shape = shapeOf(output);
      const { traced, handler } = await compare((callbacks) =>
        lambda(() => output).invoke('q', { callbacks }),
      );
      expect(resultOf(traced)).toBe(output);
      expect(shapeOf(output)).toEqual(shape);
      await expectAllEnded(handler);
      expect(only('invoke_agent hostile').status.code).toBe(SpanStatusCode.UNSET);
      const outputs = finished().filter((s) => s.name === 'output langchain');
      expect(outputs.map((s) => s.attributes[OUTPUT_HASH])).toEqual(hashed === undefined ? [] : [hashed]);
    });
  }

  it('a nested step returning a revoked Proxy inside a run of the app: the same value; every span ended', async () => {
    const revoked = { value: revokedProxy() };
    const inner = lambda(() => revoked).withConfig({ runName: 'inner' });
    const outer = RunnableLambda.from(async (q: string, config) => inner.invoke(q, config)).withConfig({
      runName: 'outer',
    });
    const handler = new LineageCallbackHandler();
    const before = started.length;
    const plain = await outcomeOf(() => startRun({ agentName: 'app' }, () => outer.invoke('q')));
    expect(started.length - before).toBe(1);
    const traced = await outcomeOf(() =>
      startRun({ agentName: 'app' }, () => outer.invoke('q', { callbacks: [handler] })),
    );
    expectSameOutcome(traced, plain);
    await expectAllEnded(handler);
    expect(finished().map((s) => s.name)).toEqual(['invoke_agent app', 'inner', 'outer', 'invoke_agent app']);
  });

  for (const [name, thrown] of [
    ['a string', 'chain failed'],
    ['undefined', undefined],
    ['a Symbol', Symbol('chain failed')],
    ['an object whose toString throws', { toString: trapped('toString') }],
  ] as const) {
    it(`throwing ${name}: the same value rejected; span ended as an error`, async () => {
      const { traced, handler } = await compare((callbacks) =>
        lambda(() => {
          throw thrown;
        }).invoke('q', { callbacks }),
      );
      expect(errorOf(traced)).toBe(thrown);
      await expectAllEnded(handler);
      const span = only('invoke_agent hostile');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(finished().filter((s) => s.name === 'output langchain')).toEqual([]);
    });
  }

  for (const [name, thrown] of [
    ['a Proxy whose traps throw', () => throwingProxy()],
    [
      'an Error whose message getter throws',
      () => Object.defineProperty(new Error('x'), 'message', { get: trapped('message getter') }),
    ],
  ] as const) {
    it(`throwing ${name}: the same value rejected; span ended`, async () => {
      const error = thrown();
      const { traced, handler } = await compare((callbacks) =>
        lambda(() => {
          throw error;
        }).invoke('q', { callbacks }),
      );
      expect(errorOf(traced)).toBe(error);
      await expectAllEnded(handler);
      only('invoke_agent hostile');
    });

    // Found by this file: markError read the error before setting the status, so an error that
    // throws when read left a failed run recorded as a success. The status is now set first.
    it(`throwing ${name}: the failed run is still recorded as an error`, async () => {
      const error = thrown();
      const handler = new LineageCallbackHandler();
      await outcomeOf(() =>
        lambda(() => {
          throw error;
        }).invoke('q', { callbacks: [handler] }),
      );
      await expectAllEnded(handler);
      expect(only('invoke_agent hostile').status.code).toBe(SpanStatusCode.ERROR);
    });
  }
});

// =======================================================================================

describe('handler callbacks called directly with hostile arguments', () => {
  for (const [name, value] of hostileValues()) {
    it(`${name} in every argument of every callback: nothing thrown, every started span ended`, async () => {
      const handler = new LineageCallbackHandler();
      const v = value as never;
      const calls: [string, () => unknown][] = [
        ['chain start', () => handler.handleChainStart(v, v, 'chain', v, v, v, v, v)],
        ['chain end', () => handler.handleChainEnd(v, 'chain')],
        ['step start', () => handler.handleChainStart(v, v, 'step', 'unknown-parent', v, v, v, v)],
        ['step error', () => handler.handleChainError(v, 'step')],
        ['chat start', () => handler.handleChatModelStart(v, v, 'chat', v, v, v, v)],
        ['chat start (as messages)', () => handler.handleChatModelStart(CHAT, [[v]], 'chat-2', v, v, v, v)],
        ['token', () => handler.handleLLMNewToken(v, v, 'chat')],
        ['chat end', () => handler.handleLLMEnd(v, 'chat')],
        ['chat-2 end', () => handler.handleLLMEnd({ generations: [[v]], llmOutput: v } as never, 'chat-2')],
        ['LLM start', () => handler.handleLLMStart(v, v, 'llm', v, v, v, v)],
        ['LLM start (as prompts)', () => handler.handleLLMStart(CHAT, [v], 'llm-2', v, v, v, v)],
        ['LLM error', () => handler.handleLLMError(v, 'llm')],
        ['LLM-2 end', () => handler.handleLLMEnd({ generations: v } as never, 'llm-2')],
        ['retriever start', () => handler.handleRetrieverStart(v, v, 'retriever', v, v, v, v)],
        ['retriever end', () => handler.handleRetrieverEnd(v, 'retriever')],
        ['retriever-2 start', () => handler.handleRetrieverStart(CHAIN, 'q', 'retriever-2')],
        ['retriever-2 end', () => handler.handleRetrieverEnd([v, v] as never, 'retriever-2')],
        ['retriever-3 start', () => handler.handleRetrieverStart(CHAIN, 'q', 'retriever-3')],
        ['retriever-3 error', () => handler.handleRetrieverError(v, 'retriever-3')],
        ['tool start', () => handler.handleToolStart(v, v, 'tool', v, v, v, v, v)],
        ['tool end', () => handler.handleToolEnd(v, 'tool')],
        ['tool-2 start', () => handler.handleToolStart(CHAIN, '{}', 'tool-2')],
        ['tool-2 error', () => handler.handleToolError(v, 'tool-2')],
        ['unknown run end', () => handler.handleChainEnd(v, 'never-started')],
      ];
      for (const [where, call] of calls) {
        let result: unknown;
        expect(() => {
          result = call();
        }, where).not.toThrow();
        expect(result, where).toBeUndefined();
      }
      await expectAllEnded(handler);
      // The starts whose own arguments are fine (retriever-2, retriever-3, tool-2) always start a span.
      expect(started.length).toBeGreaterThanOrEqual(3);
    });
  }

  interface ResultCase {
    readonly name: string;
    readonly result: () => unknown;
    readonly kept: readonly string[];
    readonly left: readonly string[];
  }
  const message = (fields: Record<string, unknown>) => new AIMessage(fields as never);
  const resultCases: ResultCase[] = [
    { name: 'undefined', result: () => undefined, kept: [], left: [OUTPUT_HASH, 'gen_ai.response.id'] },
    { name: 'no generations', result: () => ({ llmOutput: {} }), kept: [], left: [OUTPUT_HASH] },
    { name: "generations: 'nope'", result: () => ({ generations: 'nope' }), kept: [], left: [OUTPUT_HASH] },
    {
      name: 'generations that are a Proxy whose traps throw',
      result: () => ({ generations: throwingProxy() }),
      kept: [],
      left: [OUTPUT_HASH],
    },
    {
      name: 'a generation message that is a Proxy whose traps throw',
      result: () => ({ generations: [[{ text: 'ok', message: throwingProxy() }]] }),
      kept: [],
      left: [OUTPUT_HASH, 'gen_ai.response.id'],
    },
    {
      name: 'response_metadata with a throwing getter',
      result: () => ({
        generations: [
          [
            {
              text: 'ok',
              message: Object.defineProperty(message({ content: 'ok', id: 'resp-1' }), 'response_metadata', {
                get: trapped('response_metadata getter'),
              }),
            },
          ],
        ],
      }),
      kept: [],
      left: [OUTPUT_HASH, 'gen_ai.response.id', 'gen_ai.response.model'],
    },
    {
      name: 'a message whose getType throws',
      result: () => ({
        generations: [[{ text: 'ok', message: { content: 'ok', getType: trapped('getType') } }]],
      }),
      kept: [],
      left: [OUTPUT_HASH],
    },
    {
      name: 'llmOutput token usage as strings, NaN and BigInt, model_name an object',
      result: () => ({
        generations: [[{ text: 'ok' }]],
        llmOutput: { model_name: { x: 1 }, tokenUsage: { promptTokens: '12', completionTokens: 3n } },
      }),
      kept: [OUTPUT_HASH],
      left: ['gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.response.model'],
    },
    {
      name: 'an answer whose tool-call arguments are cyclic',
      result: () => {
        const args = cyclic();
        return {
          generations: [
            [{ text: '', message: message({ content: '', tool_calls: [{ id: 'c', name: 'f', args }] }) }],
          ],
        };
      },
      kept: [],
      left: [OUTPUT_HASH],
    },
    {
      name: 'an answer of 4 MB with a lone surrogate and a good model name',
      result: () => ({
        generations: [
          [
            {
              text: 'x',
              message: message({
                content: `${FOUR_MB}\ud800`,
                response_metadata: { model_name: 'gpt-4o-2024-08-06', finish_reason: 'stop' },
              }),
            },
          ],
        ],
      }),
      // The answer has no UTF-8 form (a lone surrogate): no output hash, the rest kept.
      kept: ['gen_ai.response.model', 'gen_ai.response.finish_reasons'],
      left: [OUTPUT_HASH],
    },
  ];

  for (const c of resultCases) {
    it(`handleLLMEnd with ${c.name}: nothing thrown, span ended, attributes as far as valid`, async () => {
      const handler = new LineageCallbackHandler();
      handler.handleChatModelStart(CHAT, [[new HumanMessage('q')]], 'run', undefined, {
        invocation_params: { model: 'gpt-4o' },
      });
      expect(() => handler.handleLLMEnd(c.result() as LLMResult, 'run')).not.toThrow();
      await expectAllEnded(handler);
      const span = only('chat gpt-4o');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      for (const name of c.kept) expect(span.attributes, name).toHaveProperty([name]);
      for (const name of c.left) expect(span.attributes, name).not.toHaveProperty([name]);
      // What the start recorded is never lost to a bad end.
      expect(span.attributes[INPUT_HASH]).toBe(sha256Json([{ role: 'user', content: 'q' }]));
      expect(isFrameworkModelCall('chat', sha256Json([{ role: 'user', content: 'q' }]))).toBe(false);
    });
  }

  it('negative token usage is not a count: it is left out', () => {
    const handler = new LineageCallbackHandler();
    handler.handleLLMStart(CHAT, ['p'], 'run');
    handler.handleLLMEnd(
      {
        generations: [[{ text: 'ok' }]],
        llmOutput: { tokenUsage: { completionTokens: -3, promptTokens: 4 } },
      },
      'run',
    );
    const span = only('text_completion');
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.output_tokens']);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(4);
  });
});

// =======================================================================================

describe('callbacks out of order or duplicated', () => {
  it('ends and errors for runs that never started: nothing thrown, no span', () => {
    const handler = new LineageCallbackHandler();
    expect(() => {
      handler.handleChainEnd({ output: 'x' }, 'ghost');
      handler.handleChainError(new Error('x'), 'ghost');
      handler.handleLLMEnd({ generations: [] }, 'ghost');
      handler.handleLLMError(new Error('x'), 'ghost');
      handler.handleLLMNewToken('t', undefined, 'ghost');
      handler.handleToolEnd('x', 'ghost');
      handler.handleToolError(new Error('x'), 'ghost');
      handler.handleRetrieverEnd([], 'ghost');
      handler.handleRetrieverError(new Error('x'), 'ghost');
    }).not.toThrow();
    expect(started).toEqual([]);
    expect(handler.openRuns).toBe(0);
  });

  it('an end delivered twice: one span, ended once, with what the first end said', async () => {
    const handler = new LineageCallbackHandler();
    handler.handleToolStart(CHAIN, '{}', 'tool', undefined, [], {}, 'twice', 'call_1');
    handler.handleToolEnd('first result', 'tool');
    handler.handleToolEnd('second result', 'tool');
    await expectAllEnded(handler);
    const span = only('execute_tool twice');
    expect(span.attributes[OUTPUT_HASH]).toBe(sha256Text('first result'));
    expect(span.events).toHaveLength(1);
  });

  it('an error after the end, and an end after an error: the first one wins, nothing else is recorded', async () => {
    const handler = new LineageCallbackHandler();
    handler.handleChainStart(CHAIN, {}, 'ended-first', undefined, [], {}, 'chain', 'ended-first');
    handler.handleChainEnd({ output: 'done' }, 'ended-first');
    handler.handleChainError(new Error('late error'), 'ended-first');
    handler.handleChainStart(CHAIN, {}, 'failed-first', undefined, [], {}, 'chain', 'failed-first');
    handler.handleChainError(new Error('early error'), 'failed-first');
    handler.handleChainEnd({ output: 'late output' }, 'failed-first');
    await expectAllEnded(handler);
    expect(only('invoke_agent ended-first').status.code).toBe(SpanStatusCode.UNSET);
    expect(only('invoke_agent ended-first').events).toEqual([]);
    expect(only('invoke_agent failed-first').status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'early error',
    });
    // Only the run that ended normally recorded a FinalOutput.
    expect(finished().filter((s) => s.name === 'output langchain')).toHaveLength(1);
  });

  it('a start reusing the id of a run still open: the first span ends as evicted, the second normally', async () => {
    const handler = new LineageCallbackHandler();
    handler.handleToolStart(CHAIN, '{}', 'dup', undefined, [], {}, 'first');
    handler.handleToolStart(CHAIN, '{}', 'dup', undefined, [], {}, 'second');
    expect(handler.openRuns).toBe(1);
    handler.handleToolEnd('result', 'dup');
    await expectAllEnded(handler);
    expect(only('execute_tool first').status.message).toMatch(EVICTED);
    expect(only('execute_tool second').status.code).toBe(SpanStatusCode.UNSET);
    expect(only('execute_tool second').attributes[OUTPUT_HASH]).toBe(sha256Text('result'));
  });

  it('a parentRunId that was never started: the span parents on the active context', async () => {
    const handler = new LineageCallbackHandler();
    await startRun({ agentName: 'app' }, async () => {
      handler.handleToolStart(CHAIN, '{}', 'orphan', 'never-started-parent', [], {}, 'orphan');
      handler.handleToolEnd('x', 'orphan');
    });
    handler.handleChainStart(CHAIN, {}, 'step', 'never-started-parent', [], {}, 'chain', 'lonely-step');
    handler.handleChainEnd({}, 'step');
    await expectAllEnded(handler);
    const app = only('invoke_agent app');
    expect(only('execute_tool orphan').parentSpanContext?.spanId).toBe(app.spanContext().spanId);
    // Not a root (a parent id was given), but no parent is known: a plain step span, not a run.
    expect(only('lonely-step').parentSpanContext).toBeUndefined();
  });

  it('a child whose parent already ended, and a run naming itself as parent: both end', async () => {
    const handler = new LineageCallbackHandler();
    handler.handleChainStart(CHAIN, {}, 'parent', undefined, [], {}, 'chain', 'parent');
    handler.handleChainEnd({}, 'parent');
    handler.handleToolStart(CHAIN, '{}', 'late-child', 'parent', [], {}, 'late-child');
    handler.handleToolEnd('x', 'late-child');
    handler.handleChainStart(CHAIN, {}, 'self', undefined, [], {}, 'chain', 'self');
    handler.handleChainStart(CHAIN, {}, 'self', 'self', [], {}, 'chain', 'self-child');
    handler.handleChainEnd({}, 'self');
    await expectAllEnded(handler);
    expect(only('execute_tool late-child').parentSpanContext).toBeUndefined();
    expect(only('invoke_agent self').status.message).toMatch(EVICTED);
    expect(only('self-child').parentSpanContext?.spanId).toBe(only('invoke_agent self').spanContext().spanId);
  });

  it('tokens for unknown runs, non-model runs and ended runs: no event anywhere', async () => {
    const handler = new LineageCallbackHandler();
    handler.handleToolStart(CHAIN, '{}', 'tool', undefined, [], {}, 'tool');
    handler.handleLLMNewToken('t', undefined, 'tool');
    handler.handleLLMNewToken('t', undefined, 'unknown');
    handler.handleToolEnd('x', 'tool');
    handler.handleLLMStart(CHAT, ['p'], 'llm');
    handler.handleLLMEnd({ generations: [[{ text: 'ok' }]] }, 'llm');
    handler.handleLLMNewToken('t', undefined, 'llm');
    await expectAllEnded(handler);
    expect(only('execute_tool tool').events.map((e) => e.name)).toEqual(['lineage.datasource']);
    expect(only('text_completion').events).toEqual([]);
  });

  it('ends of the wrong kind (a retriever end for a chat run, a tool end for a chain): spans ended, nothing thrown', async () => {
    const handler = new LineageCallbackHandler();
    handler.handleChatModelStart(CHAT, [[new HumanMessage('q')]], 'chat');
    handler.handleRetrieverEnd([new Document({ pageContent: 'x' })], 'chat');
    handler.handleChainStart(CHAIN, {}, 'chain', undefined, [], {}, 'chain', 'chain');
    handler.handleToolEnd('x', 'chain');
    handler.handleRetrieverStart(CHAIN, 'q', 'retriever');
    handler.handleLLMEnd({ generations: [[{ text: 'ok' }]] }, 'retriever');
    await expectAllEnded(handler);
    expect(only('chat').events).toEqual([]);
    expect(finished()).toHaveLength(3);
  });

  it('5,000 runs nested in each other, ended innermost first: every span ended, each under its parent', async () => {
    const handler = new LineageCallbackHandler();
    for (let i = 0; i < 5_000; i++) {
      handler.handleChainStart(
        CHAIN,
        {},
        `run-${i}`,
        i === 0 ? undefined : `run-${i - 1}`,
        [],
        {},
        'chain',
        `n${i}`,
      );
    }
    expect(handler.openRuns).toBe(5_000);
    for (let i = 4_999; i >= 0; i--) handler.handleChainEnd({ output: i }, `run-${i}`);
    await expectAllEnded(handler);
    expect(only('n4999').parentSpanContext?.spanId).toBe(only('n4998').spanContext().spanId);
    expect(only('n1').parentSpanContext?.spanId).toBe(only('invoke_agent n0').spanContext().spanId);
  });

  it('odd but valid run ids ("", "__proto__", "constructor", a 1 MB id): started and ended like any other', async () => {
    const handler = new LineageCallbackHandler();
    for (const runId of ['', '__proto__', 'constructor', 'toString', 'r'.repeat(1024 * 1024)]) {
      handler.handleToolStart(CHAIN, '{}', runId, undefined, [], {}, 'odd');
      expect(handler.openRuns).toBe(1);
      handler.handleToolEnd('x', runId);
      expect(handler.openRuns).toBe(0);
    }
    await expectAllEnded(handler);
    expect(finished().map((s) => s.status.code)).toEqual(Array(5).fill(SpanStatusCode.UNSET));
  });

  describe('run ids that are not strings (a Symbol, an object whose toString throws)', () => {
    const ids = (): [string, unknown][] => [
      ['a Symbol', Symbol('run')],
      ['an object whose toString throws', { toString: trapped('toString') }],
      ['an object without a prototype', Object.create(null)],
    ];

    it('started and ended normally: nothing thrown, span ended', async () => {
      const handler = new LineageCallbackHandler();
      for (const [, runId] of ids()) {
        handler.handleChainStart(CHAIN, {}, runId as never, undefined, [], {}, 'chain', 'odd-id');
        handler.handleChainEnd({}, runId as never);
      }
      await expectAllEnded(handler);
      expect(finished().filter((s) => s.name === 'invoke_agent odd-id')).toHaveLength(3);
    });

    // Found by this file: #evict built its status message with `${runId}`, which throws for a
    // Symbol or an object without a usable toString, before the span was ended; the registry had
    // already let the run go, so the span never ended. Now it ends whatever the id is.
    it('evicted (reused id, then evictAll): every span still ends', async () => {
      const handler = new LineageCallbackHandler();
      for (const [, runId] of ids()) {
        handler.handleChainStart(CHAIN, {}, runId as never, undefined, [], {}, 'chain', 'first');
        handler.handleChainStart(CHAIN, {}, runId as never, undefined, [], {}, 'chain', 'second');
      }
      expect(() => handler.evictAll()).not.toThrow();
      expect(handler.openRuns).toBe(0);
      await expectAllEnded(handler);
    });

    it('evicted: nothing is thrown and the registry is emptied (the leak is the span, above)', () => {
      const handler = new LineageCallbackHandler();
      for (const [, runId] of ids()) {
        handler.handleChainStart(CHAIN, {}, runId as never, undefined, [], {}, 'chain', 'first');
        expect(() =>
          handler.handleChainStart(CHAIN, {}, runId as never, undefined, [], {}, 'chain', 'second'),
        ).not.toThrow();
      }
      expect(() => handler.evictAll()).not.toThrow();
      expect(handler.openRuns).toBe(0);
    });
  });
});

// =======================================================================================

describe('runs that never end: eviction bounds the registry', () => {
  it('25,000 runs of every kind never ended: at most maxOpenRuns (10,000) held, the rest ended as evicted', async () => {
    const handler = new LineageCallbackHandler();
    const inputHash = (i: number) => sha256Json([{ role: 'user', content: `prompt ${i}` }]);
    for (let i = 0; i < 25_000; i++) {
      const runId = `run-${i}`;
      switch (i % 5) {
        case 0:
          handler.handleChainStart(CHAIN, {}, runId, undefined, [], {}, 'chain', 'agent');
          break;
        case 1:
          handler.handleToolStart(CHAIN, '{}', runId, undefined, [], {}, 'tool');
          break;
        case 2:
          handler.handleRetrieverStart(CHAIN, 'q', runId, undefined, [], {}, 'kb');
          break;
        case 3:
          handler.handleLLMStart(CHAT, [`prompt ${i}`], runId);
          break;
        default:
          handler.handleChatModelStart(CHAT, [[new HumanMessage(`message ${i}`)]], runId);
      }
      expect(handler.openRuns).toBeLessThanOrEqual(10_000);
    }
    expect(handler.openRuns).toBe(10_000);
    expect(started).toHaveLength(25_000);
    expect(open.size).toBe(10_000);
    const evicted = finished();
    expect(evicted).toHaveLength(15_000);
    expect(
      evicted.every((s) => s.status.code === SpanStatusCode.ERROR && EVICTED.test(s.status.message ?? '')),
    ).toBe(true);
    // An evicted model run no longer claims its provider call.
    expect(isFrameworkModelCall('text_completion', inputHash(3))).toBe(false);
    expect(isFrameworkModelCall('text_completion', inputHash(24_998))).toBe(true);
    handler.evictAll();
    await expectAllEnded(handler);
    expect(isFrameworkModelCall('text_completion', inputHash(24_998))).toBe(false);
  });

  it('2,000 runs that never end, with a short TTL: all evicted by their timers, none held', async () => {
    const handler = new LineageCallbackHandler({ runTtlMs: 20 });
    for (let i = 0; i < 2_000; i++)
      handler.handleToolStart(CHAIN, '{}', `run-${i}`, undefined, [], {}, 'tool');
    expect(handler.openRuns).toBe(2_000);
    await expectAllEnded(handler);
    expect(finished()).toHaveLength(2_000);
  });

  it('a late end for an evicted run changes nothing', async () => {
    const handler = new LineageCallbackHandler({ maxOpenRuns: 1 });
    handler.handleToolStart(CHAIN, '{}', 'old', undefined, [], {}, 'old');
    handler.handleToolStart(CHAIN, '{}', 'new', undefined, [], {}, 'new');
    handler.handleToolEnd('late', 'old');
    handler.handleToolEnd('on time', 'new');
    await expectAllEnded(handler);
    expect(only('execute_tool old').attributes).not.toHaveProperty([OUTPUT_HASH]);
    expect(only('execute_tool new').attributes[OUTPUT_HASH]).toBe(sha256Text('on time'));
  });
});

// =======================================================================================

/**
 * The instrumentation adds the handler to every run, including runs the app gave no callbacks.
 * LangChain evaluates some arguments of its callback calls only when a callback manager exists
 * (`callbackManager_?.handleChatModelStart(…, _formatForTracing(messages))`,
 * `runManager?.handleChainEnd(_coerceToDict(output))`): values whose reading throws then
 * fail the app's call inside LangChain, before any handler runs — any handler, not only ours.
 */
describe('through the instrumentation (the handler on every run)', () => {
  let instrumentation: LangChainLineageInstrumentation;

  beforeEach(() => {
    instrumentation = new LangChainLineageInstrumentation({ enabled: false });
  });

  afterEach(() => {
    instrumentation.disable();
  });

  /** The same call uninstrumented, then instrumented. */
  async function compareInstrumented(call: () => unknown): Promise<Compared> {
    const before = started.length;
    const plain = await outcomeOf(call);
    expect(started).toHaveLength(before);
    instrumentation.manuallyInstrument(callbackManagerModule);
    let traced: Outcome;
    try {
      traced = await outcomeOf(call);
    } finally {
      instrumentation.manuallyUninstrument(callbackManagerModule);
    }
    expectSameOutcome(traced, plain);
    return { plain, traced, handler: instrumentation.handler };
  }

  it('a chain returning a cyclic value and a tool throwing a Symbol: the same outcomes; spans ended', async () => {
    const value = cyclic();
    const thrown = Symbol('tool failure');
    const { traced } = await compareInstrumented(() => RunnableLambda.from(async () => value).invoke('q'));
    expect(resultOf(traced)).toBe(value);
    const failed = await compareInstrumented(() =>
      scriptedTool(() => {
        throw thrown;
      }).invoke(toolCall()),
    );
    expect(errorOf(failed.traced)).toBe(thrown);
    await expectAllEnded(instrumentation.handler);
    expect(finished().map((s) => s.name)).toEqual([
      'invoke_agent RunnableLambda',
      'execute_tool scripted_tool',
    ]);
  });

  it('a retriever with hostile documents and a chat model with hostile messages: the same outcomes', async () => {
    const documents = [new Document({ pageContent: 'x', metadata: { id: { not: 'a string' }, source: 1n } })];
    await compareInstrumented(() => new ScriptedRetriever(() => documents).invoke('q'));
    await compareInstrumented(() =>
      new FakeListChatModel({ responses: ['ok'] }).invoke([
        new HumanMessage({ content: [cyclic() as never] }),
      ]),
    );
    await expectAllEnded(instrumentation.handler);
    expect(finished().map((s) => s.name)).toEqual(['retrieval ScriptedRetriever', 'chat']);
  });

  const throwingContent = (boom: Error) =>
    Object.defineProperty(new HumanMessage('hi'), 'content', {
      get() {
        throw boom;
      },
    });
  const unreadableOutput = () =>
    new Proxy({}, { get: () => undefined, getPrototypeOf: trapped('getPrototypeOf (instanceof Date)') });

  it('attribution: with a handler that does nothing, LangChain fails these calls too; the tracer leaves nothing open', async () => {
    class NoopHandler extends BaseCallbackHandler {
      name = 'noop';
    }
    const boom = new Error('content getter exploded');
    const model = new FakeListChatModel({ responses: ['ok'] });
    expect(resultOf(await outcomeOf(() => model.invoke([throwingContent(boom)])))).toBeInstanceOf(AIMessage);
    const noop = await outcomeOf(() =>
      model.invoke([throwingContent(boom)], { callbacks: [new NoopHandler()] }),
    );
    expect(errorOf(noop)).toBe(boom);
    const handler = new LineageCallbackHandler();
    const ours = await outcomeOf(() => model.invoke([throwingContent(boom)], { callbacks: [handler] }));
    expect(errorOf(ours)).toBe(boom);
    // LangChain failed before handleChatModelStart: no span was started at all.
    expect(started).toEqual([]);

    const output = unreadableOutput();
    const chain = RunnableLambda.from(async () => output);
    expect(resultOf(await outcomeOf(() => chain.invoke('q')))).toBe(output);
    expect(
      errorOf(await outcomeOf(() => chain.invoke('q', { callbacks: [new NoopHandler()] }))),
    ).toBeInstanceOf(Error);
    const withTracer = new LineageCallbackHandler({ runTtlMs: 100 });
    expect(errorOf(await outcomeOf(() => chain.invoke('q', { callbacks: [withTracer] })))).toBeInstanceOf(
      Error,
    );
    // LangChain threw after the chain ran, without calling handleChainEnd or handleChainError:
    // the run span is ended by eviction.
    await expectAllEnded(withTracer);
    expect(only('invoke_agent RunnableLambda').status.message).toMatch(EVICTED);
  });

  // KNOWN DIFFERENCE (LangChain, not the handler): see the describe's comment. A message whose
  // `content` getter throws is answered uninstrumented; instrumented, LangChain's
  // _formatForTracing reads it and the app's invoke() rejects with that error.
  it.fails('a message whose content getter throws: the app gets the answer it gets uninstrumented', async () => {
    const boom = new Error('content getter exploded');
    await compareInstrumented(() =>
      new FakeListChatModel({ responses: ['ok'] }).invoke([throwingContent(boom)]),
    );
  });

  // KNOWN DIFFERENCE (LangChain, not the handler): `_coerceToDict(output)` runs `instanceof Date`
  // on the chain's result only when a run manager exists; a result whose getPrototypeOf throws
  // is returned uninstrumented and rejected instrumented.
  it.fails('a chain result whose getPrototypeOf trap throws: the app gets the value it gets uninstrumented', async () => {
    const output = unreadableOutput();
    await compareInstrumented(() => RunnableLambda.from(async () => output).invoke('q'));
  });
});
