import { asCount } from '../../src/attributes.js';
import type { ModelResponseInfo } from '../../src/model-response.js';
import { toOpenAiMessage } from './openai-messages.js';

type Dict = Record<string, unknown>;

function dict(value: unknown): Dict | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Dict) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * What a LangChain `LLMResult` says about the answer, in the SDK's terms. The answering
 * model comes from the message's `response_metadata.model_name` (what the provider
 * reported, e.g. `gpt-4o-2024-08-06`) or `llmOutput.model_name`; usage from
 * `usage_metadata`, else `llmOutput.tokenUsage`. A single text answer is the output as
 * text; anything else (tool calls, several candidates) the OpenAI-shaped messages as JSON,
 * mirroring the SDK's OpenAI parser so the same answer hashes the same.
 */
export function parseLlmResult(result: unknown): ModelResponseInfo {
  const r = dict(result);
  const llmOutput = dict(r?.llmOutput);
  const generations = Array.isArray(r?.generations) ? r.generations.flat() : [];
  const finishReasons: string[] = [];
  const toolCallIds: string[] = [];
  const outputs: unknown[] = [];
  let model = str(llmOutput?.model_name) ?? str(llmOutput?.model);
  let id: string | undefined;
  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  for (const generation of generations) {
    const g = dict(generation);
    const message = dict(g?.message);
    const metadata = dict(message?.response_metadata);
    const reason = str(metadata?.finish_reason) ?? str(dict(g?.generationInfo)?.finish_reason);
    if (reason !== undefined) finishReasons.push(reason);
    model = str(metadata?.model_name) ?? str(metadata?.model) ?? model;
    id ??= str(message?.id);
    const usage = dict(message?.usage_metadata);
    if (usage !== undefined) {
      // Only real counts add up: a missing or malformed one must not turn into a 0 that
      // then hides llmOutput's valid usage below.
      const input = asCount(usage.input_tokens);
      const output = asCount(usage.output_tokens);
      if (input !== undefined) inputTokens = (inputTokens ?? 0) + input;
      if (output !== undefined) outputTokens = (outputTokens ?? 0) + output;
    }
    if (message === undefined) {
      outputs.push(typeof g?.text === 'string' ? g.text : null);
      continue;
    }
    const converted = toOpenAiMessage(message);
    for (const call of converted?.tool_calls ?? []) toolCallIds.push(call.id);
    outputs.push(converted ?? null);
  }
  const tokenUsage = dict(llmOutput?.tokenUsage) ?? dict(llmOutput?.token_usage);
  inputTokens ??= asCount(tokenUsage?.promptTokens) ?? asCount(tokenUsage?.prompt_tokens);
  outputTokens ??= asCount(tokenUsage?.completionTokens) ?? asCount(tokenUsage?.completion_tokens);
  return {
    model,
    id,
    finishReasons,
    inputTokens,
    outputTokens,
    toolCallIds,
    output: outputs.length === 0 ? undefined : (singleText(outputs) ?? outputs),
  };
}

/** The text of a single plain-text answer (so the same words in a later prompt or output match). */
function singleText(outputs: readonly unknown[]): string | undefined {
  if (outputs.length !== 1) return undefined;
  const only = outputs[0];
  if (typeof only === 'string') return only;
  const m = dict(only);
  if (m === undefined || m.tool_calls !== undefined) return undefined;
  return typeof m.content === 'string' ? m.content : undefined;
}
