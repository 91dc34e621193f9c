import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { type LineageHandle, recordModelInvocation, recordToolCall } from '../../src/index.js';
import type { ExampleTool } from './example-tool.js';

/** Options of {@link chatWithTools}. */
export interface ChatWithToolsOptions {
  readonly client: OpenAI;
  /** Requested model name; the answering version is read from the response. */
  readonly model: string;
  /** The conversation so far; tool-call turns are appended to a copy. */
  readonly messages: readonly ChatCompletionMessageParam[];
  readonly tools?: readonly ExampleTool[];
  /** Model calls allowed before giving up (a guard against a model that never stops calling tools). Default 4. */
  readonly maxSteps?: number;
}

/** The model's final answer and the lineage handle of the call that produced it. */
export interface ChatWithToolsResult {
  readonly content: string;
  /** Handle of the model invocation that produced `content` (pass it to `recordOutput`). */
  readonly invocation: LineageHandle;
  /** Ids of every tool call executed on the way. */
  readonly toolCallIds: readonly string[];
  /** Model version the final answer came from. */
  readonly modelVersion: string;
}

/**
 * A minimal agent loop with the real OpenAI client: call the model; while it asks for
 * tools, run them (parallel calls concurrently) and send the results back as tool
 * messages. Every model call is a `recordModelInvocation` span and every tool run a
 * `recordToolCall` span keyed by the model's tool-call id, which is how the SDK links
 * the next invocation `consumed` to the tool outputs.
 * @throws when the model names an unknown tool or exceeds `maxSteps`.
 */
export async function chatWithTools(options: ChatWithToolsOptions): Promise<ChatWithToolsResult> {
  const { client, model } = options;
  const tools = options.tools ?? [];
  const definitions = tools.map((t) => t.definition);
  const messages: ChatCompletionMessageParam[] = [...options.messages];
  const toolCallIds: string[] = [];
  const maxSteps = options.maxSteps ?? 4;
  for (let step = 0; step < maxSteps; step += 1) {
    let invocation: LineageHandle | undefined;
    const completion: ChatCompletion = await recordModelInvocation(
      {
        provider: 'openai',
        model,
        // A copy: the SDK hashes the request as sent, and the loop appends to `messages` later.
        messages: [...messages],
        ...(definitions.length > 0 ? { tools: definitions } : {}),
        temperature: 0,
      },
      (scope) => {
        invocation = scope.handle;
        return client.chat.completions.create({
          model,
          messages,
          ...(definitions.length > 0 ? { tools: definitions } : {}),
          temperature: 0,
        });
      },
    );
    const message = completion.choices[0]?.message;
    if (message === undefined) throw new Error('the model returned no choice');
    const calls = (message.tool_calls ?? []).filter(
      (c): c is ChatCompletionMessageFunctionToolCall => c.type === 'function',
    );
    if (calls.length === 0) {
      if (invocation === undefined) throw new Error('recordModelInvocation did not run the call');
      return { content: message.content ?? '', invocation, toolCallIds, modelVersion: completion.model };
    }
    messages.push({ role: 'assistant', content: message.content, tool_calls: calls });
    const results = await Promise.all(calls.map((call) => runToolCall(tools, call)));
    calls.forEach((call, i) => {
      toolCallIds.push(call.id);
      messages.push({ role: 'tool', tool_call_id: call.id, content: results[i] ?? '' });
    });
  }
  throw new Error(`the model was still calling tools after ${maxSteps} steps`);
}

function runToolCall(
  tools: readonly ExampleTool[],
  call: ChatCompletionMessageFunctionToolCall,
): Promise<string> {
  const tool = tools.find((t) => t.definition.function.name === call.function.name);
  if (tool === undefined) throw new Error(`the model asked for an unknown tool ${call.function.name}`);
  return recordToolCall(
    {
      name: tool.definition.function.name,
      callId: call.id,
      type: 'function',
      version: tool.version,
      definition: tool.definition,
      arguments: parseArguments(call.function.arguments),
    },
    () => tool.execute(call.function.arguments),
  );
}

/** Arguments are hashed as canonical JSON when they parse, else as the raw text the model sent. */
function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
