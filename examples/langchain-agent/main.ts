/**
 * Runs the LangChain agent once against the bundled fake OpenAI-compatible model and exports
 * its spans over OTLP/proto to `LINEAGE_OTLP_URL` (default http://127.0.0.1:4318/v1/traces,
 * the receiver of `agent-lineage serve`). Usage: `tsx examples/langchain-agent/main.ts ["question"]`.
 */
import { runExampleMain } from '../shared/run-example-main.js';
import { runLangChainAgent } from './langchain-agent.js';

const question = process.argv[2] ?? 'When will I get my refund for order 42?';

await runExampleMain('langchain-agent', async (openaiBaseURL) => {
  const result = await runLangChainAgent({ openaiBaseURL, question });
  return [
    `langchain-agent run id:      ${result.runId}`,
    `langchain-agent output hash: ${result.outputSha256}`,
    `retrieved:                   ${result.retrievedSourceIds.join(', ')}`,
    `tool calls:                  ${result.toolCallIds.join(', ')}`,
    `answer:                      ${result.output}`,
  ];
});
