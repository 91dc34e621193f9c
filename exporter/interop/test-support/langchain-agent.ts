/**
 * A small LangChain agent as a foreign app writes it, without the agent-lineage SDK:
 * a MemoryVectorStore retriever over documents whose metadata carries their ids, a
 * ChatOpenAI model (configuration.baseURL = the fake server) with one tool bound, the
 * tool, and a second model call that answers. The app's request span (plain tracer) is
 * the root; only the LangChain instrumentation under test records the steps.
 */
import { createHash } from 'node:crypto';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { Document } from '@langchain/core/documents';
import { type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { context, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../../examples/fake-openai/server.js';
import {
  INTEROP_CORPUS,
  INTEROP_QUESTION,
  ORDER_TOOL_DESCRIPTION,
  ORDER_TOOL_NAME,
  orderStatus,
} from './interop-corpus.js';

/** What the run did, for the assertions. */
export interface LangChainAgentResult {
  readonly runId: string;
  readonly answer: string;
  readonly answerSha256: string;
  readonly retrievedIds: readonly string[];
  readonly toolCallIds: readonly string[];
  /** Token usage of each model call in call order, as LangChain reported it from the fake. */
  readonly usage: readonly { prompt_tokens: number; completion_tokens: number }[];
}

const orderTool = tool(async ({ query }: { query: string }) => orderStatus(query), {
  name: ORDER_TOOL_NAME,
  description: ORDER_TOOL_DESCRIPTION,
  schema: z.object({ query: z.string() }),
});

/** The agent's parts, built once (embedding the corpus happens at start-up, outside any request). */
export interface LangChainAgent {
  run(tracer: Tracer): Promise<LangChainAgentResult>;
}

/** Builds the vector store (embeddings from the fake) and the agent runnable. */
export async function buildLangChainAgent(baseURL: string): Promise<LangChainAgent> {
  const configuration = { baseURL };
  const apiKey = 'sk-fake';
  const embeddings = new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey, configuration });
  const documents = INTEROP_CORPUS.map(
    (c) => new Document({ pageContent: c.text, metadata: { id: c.id, source: c.source } }),
  );
  const store = await MemoryVectorStore.fromDocuments(documents, embeddings);
  const retriever = store.asRetriever({ k: 2 });
  const model = new ChatOpenAI({ model: 'gpt-4o', temperature: 0, apiKey, configuration }).bindTools([
    orderTool,
  ]);

  return {
    async run(tracer) {
      const retrievedIds: string[] = [];
      const toolCallIds: string[] = [];
      const usage: { prompt_tokens: number; completion_tokens: number }[] = [];
      const noteUsage = (m: { usage_metadata?: { input_tokens: number; output_tokens: number } }) => {
        if (m.usage_metadata)
          usage.push({
            prompt_tokens: m.usage_metadata.input_tokens,
            completion_tokens: m.usage_metadata.output_tokens,
          });
      };
      const agent = RunnableLambda.from(async (question: string, config) => {
        const docs = await retriever.invoke(question, config);
        retrievedIds.push(...docs.map((d) => String(d.metadata.id)));
        const messages: BaseMessage[] = [
          new SystemMessage(
            `Answer from these policy excerpts:\n${docs.map((d) => `[${String(d.metadata.id)}] ${d.pageContent}`).join('\n')}`,
          ),
          new HumanMessage(question),
        ];
        const first = await model.invoke(messages, config);
        noteUsage(first);
        messages.push(first);
        for (const call of first.tool_calls ?? []) {
          if (call.id !== undefined) toolCallIds.push(call.id);
          messages.push(await orderTool.invoke(call, config));
        }
        const answer = await model.invoke(messages, config);
        noteUsage(answer);
        return typeof answer.content === 'string' ? answer.content : JSON.stringify(answer.content);
      }).withConfig({ runName: 'support_agent' });

      return tracer.startActiveSpan('POST /support/ask', { root: true }, async (root) => {
        try {
          const answer = await agent.invoke(INTEROP_QUESTION);
          // LangChain may run callback handlers in the background; the spans they end must exist before flushing.
          await awaitAllCallbacks();
          root.setStatus({ code: SpanStatusCode.OK });
          return {
            runId: root.spanContext().traceId,
            answer,
            answerSha256: createHash('sha256').update(answer, 'utf8').digest('hex'),
            retrievedIds,
            toolCallIds,
            usage,
          };
        } finally {
          root.end();
        }
      });
    },
  };
}

/**
 * The hooks of a LangChain interop test file: a context manager, the fake OpenAI server and
 * the agent before all tests, both torn down after. `agent` exists once beforeAll ran.
 */
export function useLangChainAgent(): { readonly agent: LangChainAgent } {
  let fake: FakeOpenAiServer | undefined;
  let agent: LangChainAgent | undefined;
  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    fake = await startFakeOpenAi();
    agent = await buildLangChainAgent(fake.baseURL);
  });
  afterAll(async () => {
    await fake?.close();
    context.disable();
  });
  return {
    get agent() {
      if (agent === undefined) throw new Error('the LangChain agent exists only once beforeAll ran');
      return agent;
    },
  };
}
