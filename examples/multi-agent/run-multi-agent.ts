import OpenAI from 'openai';
import { recordOutput, sha256Text, startRun } from '../../src/index.js';
import { chatWithTools } from '../shared/chat-with-tools.js';
import { POLICY_CORPUS } from '../shared/policy-corpus.js';
import { buildVectorIndex } from '../shared/vector-index.js';
import { withExampleTracing } from '../shared/with-example-tracing.js';
import { CLAIMS_CORPUS } from './claims-corpus.js';
import { startHttpSubAgentService } from './http-sub-agent-service.js';
import { InProcessQueue } from './in-process-queue.js';
import {
  askClaimsHistoryAgentTool,
  askPolicyAgentTool,
  type SubAgentTransport,
} from './orchestrator-tools.js';
import { QueueRequester } from './queue-requester.js';
import { type QueueReply, startQueueSubAgentService } from './queue-sub-agent-service.js';
import type { SubAgentSpec } from './run-sub-agent.js';
import type { SubAgentReply, SubAgentRequest } from './sub-agent-messages.js';

/** Agent name and version the orchestrator's runs are recorded under. */
export const ORCHESTRATOR = { name: 'claims-orchestrator', version: '1.0.0' } as const;

/** The sub-agent reached over HTTP. */
export const POLICY_AGENT: SubAgentSpec = {
  name: 'policy-agent',
  version: '0.4.0',
  model: 'gpt-4o-mini',
  systemPrompt: 'You explain what the policy terms say. Use only the excerpts given and cite their ids.',
  topK: 2,
};

/** The sub-agent reached through the in-process queue. */
export const CLAIMS_HISTORY_AGENT: SubAgentSpec = {
  name: 'claims-history-agent',
  version: '0.2.1',
  model: 'gpt-4o-mini',
  systemPrompt:
    'You summarise how similar past claims were decided. Use only the excerpts given and cite their ids.',
  topK: 2,
};

const ORCHESTRATOR_PROMPT =
  'You are a claims assistant. Ask the policy agent and the claims-history agent, then write one ' +
  'recommendation for the claims handler that combines both answers.';

/** Options of {@link runMultiAgent}. */
export interface MultiAgentOptions {
  /** Base URL of an OpenAI-compatible API, e.g. the fake server's `http://127.0.0.1:PORT/v1`. */
  readonly openaiBaseURL: string;
  /** The claim question. */
  readonly question?: string;
  /** API key; the fake server accepts any. */
  readonly apiKey?: string;
  /**
   * OTLP/HTTP traces URL. When given, the run sets up its own tracing exporting there and
   * flushes it before returning; otherwise the caller's tracing (`startExampleTracing`) is used.
   */
  readonly otlpUrl?: string;
  /** The claims handler who receives the recommendation (recorded only as a pseudonym). */
  readonly handlerId?: string;
}

/** One sub-agent run the orchestrator spawned. */
export interface SubAgentRun {
  readonly agentName: string;
  readonly transport: SubAgentTransport;
  readonly runId: string;
  /** Parent run id as the sub-agent read it from W3C Baggage. */
  readonly parentRunId: string | undefined;
  readonly outputSha256: string;
  /** Corpus ids the sub-agent retrieved. */
  readonly retrievedSourceIds: readonly string[];
}

/** What one orchestrator run produced. */
export interface MultiAgentResult {
  /** The orchestrator's run id (= trace id). */
  readonly runId: string;
  /** Run ids of the sub-agent runs it spawned (HTTP first, then queue). */
  readonly childRunIds: readonly string[];
  /** The recommendation delivered to the claims handler. */
  readonly output: string;
  /** SHA-256 (hex) of the recommendation's UTF-8 bytes. */
  readonly outputSha256: string;
  readonly subAgents: readonly SubAgentRun[];
}

/**
 * A multi-agent system in one process: a `policy-agent` served over HTTP and a
 * `claims-history-agent` consuming an in-process queue, each with its own corpus and
 * model call, and an orchestrator run that hands the question to both through tool calls
 * (W3C trace context + baggage in HTTP headers and in message attributes) and combines
 * their answers in a final model call. Each sub-agent run is linked `spawned_by` the
 * orchestrator's tool span and records its answer as a FinalOutput, so the backward
 * lineage of the orchestrator's output reaches the sub-agents' documents.
 * The sub-agent services are started before the run and stopped after it.
 */
export function runMultiAgent(options: MultiAgentOptions): Promise<MultiAgentResult> {
  return withExampleTracing(options.otlpUrl === undefined ? undefined : { otlpUrl: options.otlpUrl }, () =>
    executeMultiAgent(options),
  );
}

/** One run inside whatever tracing is active. */
async function executeMultiAgent(options: MultiAgentOptions): Promise<MultiAgentResult> {
  const client = new OpenAI({
    baseURL: options.openaiBaseURL,
    apiKey: options.apiKey ?? 'sk-example-not-a-real-key',
    maxRetries: 0,
  });
  const question =
    options.question ??
    'A customer reports water damage from a burst pipe 10 days ago. Should we pay the claim?';
  const handlerId = options.handlerId ?? 'handler-17@claims.example.com';
  const [policyIndex, claimsIndex] = await Promise.all([
    buildVectorIndex(client, POLICY_CORPUS),
    buildVectorIndex(client, CLAIMS_CORPUS),
  ]);

  const httpService = await startHttpSubAgentService({ client, spec: POLICY_AGENT, index: policyIndex });
  const requests = new InProcessQueue<SubAgentRequest>('claims-history.requests');
  const replies = new InProcessQueue<QueueReply>('claims-history.replies');
  const stopConsumer = startQueueSubAgentService({
    client,
    spec: CLAIMS_HISTORY_AGENT,
    index: claimsIndex,
    requests,
    replies,
  });
  const requester = new QueueRequester(requests, replies);
  try {
    const received = new Map<SubAgentTransport, SubAgentReply>();
    const onReply = (transport: SubAgentTransport, reply: SubAgentReply) => received.set(transport, reply);
    return await startRun(
      {
        agentName: ORCHESTRATOR.name,
        agentVersion: ORCHESTRATOR.version,
        environment: 'example',
        trigger: 'api',
      },
      async (run) => {
        const answer = await chatWithTools({
          client,
          model: 'gpt-4o',
          messages: [
            { role: 'system', content: ORCHESTRATOR_PROMPT },
            { role: 'user', content: question },
          ],
          tools: [
            askPolicyAgentTool(httpService.url, onReply),
            askClaimsHistoryAgentTool(requester, onReply),
          ],
        });
        const output = recordOutput({
          content: answer.content,
          channel: 'email',
          recipient: handlerId,
          inputs: [answer.invocation],
        });
        const subAgents = (['http', 'queue'] as const).flatMap((transport) => {
          const reply = received.get(transport);
          if (reply === undefined) return [];
          return [
            {
              agentName: transport === 'http' ? POLICY_AGENT.name : CLAIMS_HISTORY_AGENT.name,
              transport,
              runId: reply.runId,
              parentRunId: reply.parentRunId,
              outputSha256: reply.outputSha256,
              retrievedSourceIds: reply.retrievedSourceIds,
            },
          ];
        });
        return {
          runId: run.runId,
          childRunIds: subAgents.map((s) => s.runId),
          output: answer.content,
          outputSha256: output.sha256 ?? sha256Text(answer.content),
          subAgents,
        };
      },
    );
  } finally {
    requester.close();
    stopConsumer();
    await httpService.close();
  }
}
