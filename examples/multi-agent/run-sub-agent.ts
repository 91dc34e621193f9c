import type OpenAI from 'openai';
import { recordOutput, sha256Text, startRun } from '../../src/index.js';
import { chatWithTools } from '../shared/chat-with-tools.js';
import { formatExcerpts } from '../shared/format-excerpts.js';
import { retrieveChunks } from '../shared/retrieve-chunks.js';
import type { VectorIndex } from '../shared/vector-index.js';
import type { SubAgentReply } from './sub-agent-messages.js';

/** Who a sub-agent is and how it answers. */
export interface SubAgentSpec {
  readonly name: string;
  readonly version: string;
  /** Chat model requested. */
  readonly model: string;
  readonly systemPrompt: string;
  /** Chunks retrieved per question. */
  readonly topK: number;
}

/**
 * One sub-agent run: retrieval over the sub-agent's own corpus, one model call, and the
 * answer recorded as the run's FinalOutput (channel `agent_reply`). Call it inside the
 * context extracted from the orchestrator's message, so `startRun` links the run
 * `spawned_by` the orchestrator's tool call — that link plus this FinalOutput is how the
 * orchestrator's backward lineage reaches this corpus.
 */
export function runSubAgent(
  client: OpenAI,
  spec: SubAgentSpec,
  index: VectorIndex,
  question: string,
): Promise<SubAgentReply> {
  return startRun(
    { agentName: spec.name, agentVersion: spec.version, environment: 'example' },
    async (run) => {
      const chunks = await retrieveChunks(client, index, question, spec.topK);
      const answer = await chatWithTools({
        client,
        model: spec.model,
        messages: [
          { role: 'system', content: spec.systemPrompt },
          { role: 'user', content: formatExcerpts('Excerpts:', chunks) },
          { role: 'user', content: question },
        ],
      });
      const output = recordOutput({
        content: answer.content,
        channel: 'agent_reply',
        inputs: [answer.invocation],
      });
      return {
        runId: run.runId,
        ...(run.parentRunId !== undefined ? { parentRunId: run.parentRunId } : {}),
        answer: answer.content,
        outputSha256: output.sha256 ?? sha256Text(answer.content),
        retrievedSourceIds: chunks.map((c) => c.document.id),
      };
    },
  );
}
