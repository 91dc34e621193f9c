import { z } from 'zod';

/** What the orchestrator asks a sub-agent. */
export const subAgentRequestSchema = z.object({ question: z.string().min(1).max(4000) });

/** A sub-agent's request. */
export type SubAgentRequest = z.infer<typeof subAgentRequestSchema>;

/** What a sub-agent answers: its answer and the identity of the run that produced it. */
export const subAgentReplySchema = z.object({
  runId: z.string().regex(/^[0-9a-f]{32}$/),
  /** The run that spawned the sub-agent's run, as the sub-agent saw it (from W3C Baggage). */
  parentRunId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  answer: z.string(),
  outputSha256: z.string().regex(/^[0-9a-f]{64}$/),
  retrievedSourceIds: z.array(z.string()),
});

/** A sub-agent's reply. */
export type SubAgentReply = z.infer<typeof subAgentReplySchema>;
