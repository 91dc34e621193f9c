/**
 * What the SDK records about a model's answer. The default parser understands OpenAI
 * chat completions, Anthropic messages and plain strings; pass `parseResponse` or call
 * `scope.setResponse` for anything else.
 */
export interface ModelResponseInfo {
  /** Model name the provider reported (`gen_ai.response.model`). */
  readonly model?: string;
  /** Exact model version when the provider reports it separately; defaults to `model`. */
  readonly modelVersion?: string;
  /** Provider's completion id (`gen_ai.response.id`). */
  readonly id?: string;
  /** Why generation stopped, per choice. */
  readonly finishReasons?: readonly string[];
  /** Prompt tokens. */
  readonly inputTokens?: number;
  /** Completion tokens. */
  readonly outputTokens?: number;
  /** The output: text is hashed as UTF-8, anything else as canonical JSON. */
  readonly output?: unknown;
  /** Tool-call ids the model issued (join the later tool results to this invocation). */
  readonly toolCallIds?: readonly string[];
}

type Dict = Record<string, unknown>;

function dict(value: unknown): Dict | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Dict) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** Parses a non-streamed response of a known shape; `undefined` when the shape is unknown. */
export function parseModelResponse(result: unknown): ModelResponseInfo | undefined {
  if (typeof result === 'string') return { output: result };
  const r = dict(result);
  if (r === undefined) return undefined;
  const usage = dict(r.usage);
  const base = {
    model: str(r.model),
    id: str(r.id),
    inputTokens: num(usage?.prompt_tokens) ?? num(usage?.input_tokens),
    outputTokens: num(usage?.completion_tokens) ?? num(usage?.output_tokens),
  };
  if (Array.isArray(r.choices)) return { ...base, ...openAiChoices(r.choices) };
  if (Array.isArray(r.content)) return { ...base, ...anthropicContent(r.content, str(r.stop_reason)) };
  return undefined;
}

function openAiChoices(choices: readonly unknown[]): Partial<ModelResponseInfo> {
  const finishReasons: string[] = [];
  const toolCallIds: string[] = [];
  const messages: unknown[] = [];
  for (const choice of choices) {
    const c = dict(choice);
    const reason = str(c?.finish_reason);
    if (reason !== undefined) finishReasons.push(reason);
    const message = dict(c?.message);
    messages.push(message ?? str(c?.text) ?? null);
    if (Array.isArray(message?.tool_calls)) {
      for (const call of message.tool_calls) {
        const id = str(dict(call)?.id);
        if (id !== undefined) toolCallIds.push(id);
      }
    }
  }
  const only = choices.length === 1 ? dict(choices[0]) : undefined;
  const onlyText = str(dict(only?.message)?.content) ?? str(only?.text);
  // A single plain-text answer hashes as its text, so the same words in a later prompt or output match.
  const output = onlyText !== undefined && toolCallIds.length === 0 ? onlyText : messages;
  return { finishReasons, toolCallIds, output };
}

function anthropicContent(
  blocks: readonly unknown[],
  stopReason: string | undefined,
): Partial<ModelResponseInfo> {
  const texts: string[] = [];
  const toolCallIds: string[] = [];
  let textOnly = true;
  for (const block of blocks) {
    const b = dict(block);
    if (b?.type === 'text' && typeof b.text === 'string') texts.push(b.text);
    else textOnly = false;
    if (b?.type === 'tool_use' && typeof b.id === 'string') toolCallIds.push(b.id);
  }
  return {
    finishReasons: stopReason === undefined ? [] : [stopReason],
    toolCallIds,
    output: textOnly ? texts.join('') : blocks,
  };
}

/** Accumulates a streamed response chunk by chunk (OpenAI chunks, Anthropic events, text). */
export class StreamAccumulator {
  private text = '';
  /** False until a chunk of a known shape arrived: an unknown stream gets no output hash rather than the hash of ''. */
  private recognised = false;
  private model: string | undefined;
  private id: string | undefined;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  private readonly finishReasons: string[] = [];
  private readonly toolCallIds: string[] = [];

  /** Folds one chunk in; unknown shapes are ignored. */
  add(chunk: unknown): void {
    if (typeof chunk === 'string') {
      this.recognised = true;
      this.text += chunk;
      return;
    }
    const c = dict(chunk);
    if (c === undefined) return;
    if (Array.isArray(c.choices)) {
      this.recognised = true;
      this.addOpenAi(c);
    } else if (typeof c.type === 'string') {
      this.recognised = true;
      this.addAnthropic(c);
    }
  }

  /** What the stream amounted to. */
  result(): ModelResponseInfo {
    return {
      model: this.model,
      id: this.id,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      finishReasons: this.finishReasons,
      toolCallIds: this.toolCallIds,
      output: this.recognised ? this.text : undefined,
    };
  }

  private addOpenAi(c: Dict): void {
    this.model ??= str(c.model);
    this.id ??= str(c.id);
    this.addUsage(dict(c.usage));
    for (const choice of c.choices as unknown[]) {
      const ch = dict(choice);
      const delta = dict(ch?.delta);
      this.text += str(delta?.content) ?? '';
      const reason = str(ch?.finish_reason);
      if (reason !== undefined) this.finishReasons.push(reason);
      if (Array.isArray(delta?.tool_calls)) {
        for (const call of delta.tool_calls) {
          const id = str(dict(call)?.id);
          if (id !== undefined) this.toolCallIds.push(id);
        }
      }
    }
  }

  private addAnthropic(c: Dict): void {
    const message = dict(c.message);
    if (message !== undefined) {
      this.model ??= str(message.model);
      this.id ??= str(message.id);
      this.addUsage(dict(message.usage));
    }
    const delta = dict(c.delta);
    if (c.type === 'content_block_delta') this.text += str(delta?.text) ?? '';
    const block = dict(c.content_block);
    if (block?.type === 'tool_use' && typeof block.id === 'string') this.toolCallIds.push(block.id);
    const reason = str(delta?.stop_reason);
    if (reason !== undefined) this.finishReasons.push(reason);
    this.addUsage(dict(c.usage));
  }

  private addUsage(usage: Dict | undefined): void {
    if (usage === undefined) return;
    this.inputTokens = num(usage.prompt_tokens) ?? num(usage.input_tokens) ?? this.inputTokens;
    this.outputTokens = num(usage.completion_tokens) ?? num(usage.output_tokens) ?? this.outputTokens;
  }
}
