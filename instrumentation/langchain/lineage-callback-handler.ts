import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { DocumentInterface } from '@langchain/core/documents';
import type { Serialized } from '@langchain/core/load/serializable';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import type { ChainValues } from '@langchain/core/utils/types';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { getConfig } from '../../src/config.js';
import { getRunState } from '../../src/run-state.js';
import { markError } from '../../src/traced-call.js';
import { recordRunOutput, startChainSpan } from './chain-span.js';
import {
  chatMessages,
  finishModelSpan,
  promptMessages,
  recordFirstToken,
  startModelSpan,
} from './model-span.js';
import type { OpenRun, SpanDeps, SpanParent } from './open-run.js';
import { LANGCHAIN_DEFAULTS, type LangChainLineageOptions } from './options.js';
import { finishRetrievalSpan, startRetrievalSpan } from './retrieval-span.js';
import { RunRegistry } from './run-registry.js';
import { safely } from './safely.js';
import { finishToolSpan, startToolSpan } from './tool-span.js';

/** Name LangChain knows the handler by (it de-duplicates handlers by name in places). */
export const LINEAGE_HANDLER_NAME = 'agent_lineage_tracer';

/**
 * A LangChain callback handler that records lineage: chat models and LLMs become model
 * invocations, retrievers retrievals whose documents are DataSources, tools tool calls
 * whose results are `tool_output` DataSources, and chains/agents the run and its steps —
 * LangChain's run tree (parentRunId) gives the parentage. Install it on every run with
 * {@link LangChainLineageInstrumentation}, or pass it in `callbacks` yourself.
 *
 * Every callback is synchronous telemetry work wrapped so that a failure goes to `diag`
 * and never into LangChain. Open runs live in a bounded registry: removed when the run
 * ends, and evicted after `runTtlMs` or beyond `maxOpenRuns`, so nothing leaks.
 */
export class LineageCallbackHandler extends BaseCallbackHandler {
  name = LINEAGE_HANDLER_NAME;
  readonly #runs: RunRegistry<OpenRun>;
  readonly #options: LangChainLineageOptions;
  readonly #ttlMs: number;

  constructor(options: LangChainLineageOptions = {}) {
    // Awaited handlers run inline, inside the caller's OpenTelemetry context and at the
    // moment the step starts; backgrounded ones would run later, outside that context.
    super({ _awaitHandler: true });
    this.awaitHandlers = true;
    this.#options = options;
    this.#ttlMs = options.runTtlMs ?? LANGCHAIN_DEFAULTS.runTtlMs;
    this.#runs = new RunRegistry<OpenRun>({
      ttlMs: this.#ttlMs,
      maxRuns: options.maxOpenRuns ?? LANGCHAIN_DEFAULTS.maxOpenRuns,
      onEvict: (runId, run) => {
        safely('evicting a run', () => this.#evict(runId, run));
      },
    });
  }

  /** Number of LangChain runs currently open (for tests and health checks). */
  get openRuns(): number {
    return this.#runs.size;
  }

  /** Ends every open run's span as evicted (call on shutdown). */
  evictAll(): void {
    this.#runs.evictAll();
  }

  /** One handler instance holds the shared run registry, so LangChain's copies are the same object. */
  override copy(): this {
    return this;
  }

  override handleChainStart(
    chain: Serialized,
    _inputs: ChainValues,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
  ): void {
    // LangChain's declared order differs from the order it calls with; these names follow the call.
    safely('chain start', () => {
      const run = startChainSpan(
        { serialized: chain, name: runName, isRoot: parentRunId === undefined || parentRunId === null },
        this.#parent(parentRunId),
        this.#deps(),
      );
      this.#runs.add(runId, run);
    });
  }

  override handleChainEnd(outputs: ChainValues, runId: string): void {
    safely('chain end', () => {
      const run = this.#runs.take(runId);
      if (run === undefined) return;
      if (run.kind === 'run' && (this.#options.recordRunOutput ?? LANGCHAIN_DEFAULTS.recordRunOutput)) {
        safely('run output', () => recordRunOutput(run, outputs, this.#deps()));
      }
      this.#end(run);
    });
  }

  override handleChainError(error: unknown, runId: string): void {
    safely('chain error', () => this.#fail(runId, error));
  }

  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    safely('chat model start', () => {
      const start = {
        operation: 'chat' as const,
        serialized: llm,
        messages: chatMessages(messages),
        extraParams,
        metadata,
      };
      this.#runs.add(runId, startModelSpan(start, this.#parent(parentRunId), this.#deps()));
    });
  }

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    safely('LLM start', () => {
      const start = {
        operation: 'text_completion' as const,
        serialized: llm,
        messages: promptMessages(prompts),
        extraParams,
        metadata,
      };
      this.#runs.add(runId, startModelSpan(start, this.#parent(parentRunId), this.#deps()));
    });
  }

  override handleLLMNewToken(_token: string, _idx: unknown, runId: string): void {
    safely('LLM token', () => {
      const run = this.#runs.get(runId);
      if (run?.kind === 'model') recordFirstToken(run);
    });
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    safely('LLM end', () => {
      const run = this.#runs.take(runId);
      if (run === undefined) return;
      safely('LLM result', () => finishModelSpan(run, output, this.#deps()));
      this.#end(run);
    });
  }

  override handleLLMError(error: unknown, runId: string): void {
    safely('LLM error', () => this.#fail(runId, error));
  }

  override handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    safely('tool start', () => {
      const start = { serialized: tool, input, name: runName, toolCallId };
      this.#runs.add(runId, startToolSpan(start, this.#parent(parentRunId), this.#deps()));
    });
  }

  override handleToolEnd(output: unknown, runId: string): void {
    safely('tool end', () => {
      const run = this.#runs.take(runId);
      if (run === undefined) return;
      safely('tool result', () => finishToolSpan(run, output));
      this.#end(run);
    });
  }

  override handleToolError(error: unknown, runId: string): void {
    safely('tool error', () => this.#fail(runId, error));
  }

  override handleRetrieverStart(
    retriever: Serialized,
    query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    safely('retriever start', () => {
      const start = { serialized: retriever, query, name };
      this.#runs.add(runId, startRetrievalSpan(start, this.#parent(parentRunId), this.#deps()));
    });
  }

  override handleRetrieverEnd(documents: DocumentInterface[], runId: string): void {
    safely('retriever end', () => {
      const run = this.#runs.take(runId);
      if (run === undefined) return;
      safely('retrieved documents', () => finishRetrievalSpan(run, documents));
      this.#end(run);
    });
  }

  override handleRetrieverError(error: unknown, runId: string): void {
    safely('retriever error', () => this.#fail(runId, error));
  }

  #deps(): SpanDeps {
    const config = getConfig();
    return { config, tracer: this.#options.tracer?.() ?? config.tracer };
  }

  /** The LangChain parent's span when it is open here, else whatever context is active. */
  #parent(parentRunId: string | undefined): SpanParent {
    const parent = this.#runs.get(parentRunId ?? undefined);
    if (parent !== undefined) return { ctx: parent.ctx, runState: parent.runState };
    const active = context.active();
    return { ctx: active, runState: getRunState(active) };
  }

  #fail(runId: string, error: unknown): void {
    const run = this.#runs.take(runId);
    if (run === undefined) return;
    safely('error status', () => markError(run.span, error));
    this.#end(run);
  }

  #evict(runId: string, run: OpenRun): void {
    // Ended whatever happens to the status: the run is already out of the registry.
    safely('eviction status', () =>
      run.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `LangChain run ${typeof runId === 'string' ? runId : '(not a string)'} did not end within ${this.#ttlMs} ms (or was pushed out by newer runs); its span was ended by eviction`,
      }),
    );
    this.#end(run);
  }

  /** Ends the span (after final counts) and releases a lineage run the tracer started. */
  #end(run: OpenRun): void {
    safely('framework call', () => run.closeModelCall?.());
    safely('source counts', () => run.recorder?.finish());
    safely('span end', () => run.span.end());
    if (run.kind === 'run') safely('run state', () => run.runState?.end());
  }
}
