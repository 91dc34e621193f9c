/**
 * Runs the multi-agent example once against the bundled fake OpenAI-compatible model and
 * exports every run's spans (orchestrator and both sub-agents) over OTLP/proto to
 * `LINEAGE_OTLP_URL` (default http://127.0.0.1:4318/v1/traces, the receiver of
 * `agent-lineage serve`). Usage: `tsx examples/multi-agent/main.ts ["question"]`.
 */
import { runExampleMain } from '../shared/run-example-main.js';
import { runMultiAgent } from './run-multi-agent.js';

const question = process.argv[2];

await runExampleMain('multi-agent', async (openaiBaseURL) => {
  const result = await runMultiAgent({ openaiBaseURL, ...(question ? { question } : {}) });
  return [
    `orchestrator run id:      ${result.runId}`,
    `orchestrator output hash: ${result.outputSha256}`,
    ...result.subAgents.map(
      (s) =>
        `  ${s.agentName} via ${s.transport}: run ${s.runId}, sources ${s.retrievedSourceIds.join(', ')}`,
    ),
    `answer:                   ${result.output}`,
  ];
});
