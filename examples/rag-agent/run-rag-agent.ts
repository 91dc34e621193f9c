import OpenAI from 'openai';
import { recordOutput, sha256Text, startRun } from '../../src/index.js';
import { chatWithTools } from '../shared/chat-with-tools.js';
import { formatExcerpts } from '../shared/format-excerpts.js';
import { POLICY_CORPUS } from '../shared/policy-corpus.js';
import { retrieveChunks } from '../shared/retrieve-chunks.js';
import { buildVectorIndex } from '../shared/vector-index.js';
import { withExampleTracing } from '../shared/with-example-tracing.js';
import { policyTermsTool } from './policy-terms-tool.js';

/** Agent name and version the RAG agent's runs are recorded under. */
export const RAG_AGENT = { name: 'policy-rag-agent', version: '1.0.0' } as const;

const SYSTEM_PROMPT =
  'You answer customer questions about their insurance policy. Use only the policy excerpts given ' +
  'and the terms version from lookup_policy_terms. Cite the excerpt ids you used.';

/** Options of {@link runRagAgent}. */
export interface RagAgentOptions {
  /** Base URL of an OpenAI-compatible API, e.g. the fake server's `http://127.0.0.1:PORT/v1`. */
  readonly openaiBaseURL: string;
  /** The customer's question. */
  readonly question: string;
  /** API key; the fake server accepts any. */
  readonly apiKey?: string;
  /**
   * OTLP/HTTP traces URL. When given, the run sets up its own tracing exporting there and
   * flushes it before returning; otherwise the caller's tracing (`startExampleTracing`) is used.
   */
  readonly otlpUrl?: string;
  /** Customer id: the run's actor and the answer's recipient, recorded only as pseudonyms. */
  readonly customerId?: string;
  /** Chunks retrieved per question. Default 3. */
  readonly topK?: number;
  /** Chat model requested. Default `gpt-4o`. */
  readonly model?: string;
}

/** What one RAG agent run produced. */
export interface RagAgentResult {
  /** Run id (= trace id of the run span). */
  readonly runId: string;
  /** The answer delivered to the customer. */
  readonly output: string;
  /** SHA-256 (hex) of the answer's UTF-8 bytes: the FinalOutput's content hash. */
  readonly outputSha256: string;
  /** Corpus ids of the chunks retrieved, best first. */
  readonly retrievedSourceIds: readonly string[];
  /** Tool-call ids the model issued. */
  readonly toolCallIds: readonly string[];
}

/**
 * A retrieval-augmented agent with the real `openai` client and the SDK's manual
 * wrappers: embeds the question and retrieves the closest policy excerpts (a `retrieval`
 * span with one `rag_chunk` DataSource per excerpt), lets the model call
 * `lookup_policy_terms` (an `execute_tool` span whose result becomes a `tool_output`
 * DataSource), and records the final answer as a FinalOutput delivered to the customer
 * over `chat_ui`. The corpus is embedded before the run starts (ingestion is not part of it).
 */
export function runRagAgent(options: RagAgentOptions): Promise<RagAgentResult> {
  return withExampleTracing(options.otlpUrl === undefined ? undefined : { otlpUrl: options.otlpUrl }, () =>
    executeRagAgent(options),
  );
}

/** One run inside whatever tracing is active. */
async function executeRagAgent(options: RagAgentOptions): Promise<RagAgentResult> {
  const client = new OpenAI({
    baseURL: options.openaiBaseURL,
    apiKey: options.apiKey ?? 'sk-example-not-a-real-key',
    maxRetries: 0,
  });
  const customerId = options.customerId ?? 'customer-4711@example.com';
  const index = await buildVectorIndex(client, POLICY_CORPUS);
  return startRun(
    {
      agentName: RAG_AGENT.name,
      agentVersion: RAG_AGENT.version,
      environment: 'example',
      trigger: 'user',
      actor: customerId,
    },
    async (run) => {
      const chunks = await retrieveChunks(client, index, options.question, options.topK ?? 3);
      const answer = await chatWithTools({
        client,
        model: options.model ?? 'gpt-4o',
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          // Context first, question last: the question is the turn the model answers.
          { role: 'user', content: formatExcerpts('Policy excerpts:', chunks) },
          { role: 'user', content: options.question },
        ],
        tools: [policyTermsTool],
      });
      const output = recordOutput({
        content: answer.content,
        channel: 'chat_ui',
        recipient: customerId,
        inputs: [answer.invocation],
      });
      return {
        runId: run.runId,
        output: answer.content,
        outputSha256: output.sha256 ?? sha256Text(answer.content),
        retrievedSourceIds: chunks.map((c) => c.document.id),
        toolCallIds: answer.toolCallIds,
      };
    },
  );
}
