import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import type { DocumentInterface } from '@langchain/core/documents';
import { type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { LangChainLineageInstrumentation } from '../../instrumentation/langchain/index.js';
import { recordOutput, sha256Text, startRun } from '../../src/index.js';
import { withExampleTracing } from '../shared/with-example-tracing.js';
import { corpusDocuments } from './corpus.js';
import { orderStatusTool } from './order-status-tool.js';

/** Options of {@link runLangChainAgent}. */
export interface LangChainAgentOptions {
  /** OpenAI-compatible base URL, e.g. the fake server's `http://127.0.0.1:PORT/v1`. */
  readonly openaiBaseURL: string;
  /** The customer's question. */
  readonly question: string;
  /** API key sent to the server; the fake accepts anything. */
  readonly apiKey?: string;
  /**
   * OTLP/HTTP traces URL. When given, the run sets up its own tracing exporting there and
   * flushes it before returning; otherwise the caller's tracing is used.
   */
  readonly otlpUrl?: string;
}

/** What one agent run produced. */
export interface LangChainAgentResult {
  /** Lineage run id (= trace id). */
  readonly runId: string;
  /** The final answer delivered. */
  readonly output: string;
  /** SHA-256 of the answer, the key for `GET /lineage/outputs/{hash}/sources`. */
  readonly outputSha256: string;
  /** Corpus ids of the chunks retrieved, best first. */
  readonly retrievedSourceIds: readonly string[];
  /** Tool-call ids the model issued. */
  readonly toolCallIds: readonly string[];
}

const AGENT_NAME = 'langchain-support-agent';
const SYSTEM_PROMPT =
  'You are a support agent for a web shop. Answer from the policy excerpts below and the order tool; cite nothing else.';

let instrumentation: LangChainLineageInstrumentation | undefined;

/**
 * Turns on lineage for LangChain in this process (once). The example is ESM, so the
 * callbacks manager module is patched by hand rather than by the require hook.
 */
export function instrumentLangChain(): LangChainLineageInstrumentation {
  if (instrumentation === undefined) {
    instrumentation = new LangChainLineageInstrumentation({ enabled: false });
    instrumentation.manuallyInstrument(callbackManagerModule);
  }
  return instrumentation;
}

function formatSources(documents: readonly DocumentInterface[]): string {
  return documents.map((d) => `[${String(d.metadata.id)}] ${d.pageContent}`).join('\n');
}

/**
 * A small LangChain support agent: retrieves policy chunks from a MemoryVectorStore,
 * lets the model call the `order_status` tool, then answers. Lineage comes from the
 * LangChain instrumentation (model invocations, retrieval, tool call, steps) and from the
 * SDK (`startRun` around the agent, `recordOutput` for the delivered answer). Uses
 * whatever OpenTelemetry tracer provider the SDK is configured with.
 */
export function runLangChainAgent(options: LangChainAgentOptions): Promise<LangChainAgentResult> {
  return withExampleTracing(options.otlpUrl === undefined ? undefined : { otlpUrl: options.otlpUrl }, () =>
    executeLangChainAgent(options),
  );
}

/** One run inside whatever tracing is active. */
async function executeLangChainAgent(options: LangChainAgentOptions): Promise<LangChainAgentResult> {
  instrumentLangChain();
  const configuration = { baseURL: options.openaiBaseURL };
  const apiKey = options.apiKey ?? 'sk-fake';
  const embeddings = new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey, configuration });
  const store = await MemoryVectorStore.fromDocuments(corpusDocuments(), embeddings);
  const retriever = store.asRetriever({ k: 2 });
  const model = new ChatOpenAI({ model: 'gpt-4o', temperature: 0, apiKey, configuration }).bindTools([
    orderStatusTool,
  ]);

  const retrievedSourceIds: string[] = [];
  const toolCallIds: string[] = [];
  const agent = RunnableLambda.from(async (question: string, config) => {
    const documents = await retriever.invoke(question, { ...config, runName: 'kb-policies' });
    retrievedSourceIds.push(...documents.map((d) => String(d.metadata.id)));
    const messages: BaseMessage[] = [
      new SystemMessage(`${SYSTEM_PROMPT}\n\nPolicy excerpts:\n${formatSources(documents)}`),
      new HumanMessage(question),
    ];
    const first = await model.invoke(messages, config);
    messages.push(first);
    for (const call of first.tool_calls ?? []) {
      if (call.id !== undefined) toolCallIds.push(call.id);
      messages.push(await orderStatusTool.invoke(call, config));
    }
    const answer = await model.invoke(messages, config);
    return typeof answer.content === 'string' ? answer.content : JSON.stringify(answer.content);
  }).withConfig({ runName: AGENT_NAME });

  return startRun({ agentName: AGENT_NAME, agentVersion: '1.0.0', trigger: 'api' }, async (run) => {
    const output = await agent.invoke(options.question);
    recordOutput({ content: output, channel: 'api' });
    return { runId: run.runId, output, outputSha256: sha256Text(output), retrievedSourceIds, toolCallIds };
  });
}
