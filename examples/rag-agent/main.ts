/**
 * Runs the RAG agent once against the bundled fake OpenAI-compatible model and exports its
 * spans over OTLP/proto to `LINEAGE_OTLP_URL` (default http://127.0.0.1:4318/v1/traces, the
 * receiver of `agent-lineage serve`). Usage: `tsx examples/rag-agent/main.ts ["question"]`.
 */
import { runExampleMain } from '../shared/run-example-main.js';
import { runRagAgent } from './run-rag-agent.js';

const question =
  process.argv[2] ?? 'Is water damage from a burst pipe covered, and how fast must I report it?';

await runExampleMain('rag-agent', async (openaiBaseURL) => {
  const result = await runRagAgent({ openaiBaseURL, question });
  return [
    `rag-agent run id:      ${result.runId}`,
    `rag-agent output hash: ${result.outputSha256}`,
    `retrieved:             ${result.retrievedSourceIds.join(', ')}`,
    `answer:                ${result.output}`,
  ];
});
