import { createHash } from 'node:crypto';

/** The exact model version the fake reports for every alias it is asked for. */
export const FAKE_MODEL_VERSIONS: Readonly<Record<string, string>> = {
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'text-embedding-3-small': 'text-embedding-3-small',
};

/** A chat message as the OpenAI chat API accepts it (only the fields the fake reads). */
export interface FakeChatMessage {
  readonly role: string;
  readonly content?: unknown;
  readonly tool_call_id?: string;
  readonly tool_calls?: readonly { id: string; function: { name: string; arguments: string } }[];
}

/** A tool offered to the model. */
export interface FakeTool {
  readonly type: string;
  readonly function: { readonly name: string; readonly parameters?: unknown };
}

/** What the fake decided to answer. */
export type FakeAnswer =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'tool_calls';
      readonly calls: readonly { id: string; name: string; arguments: string }[];
    };

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String(p.text) : '')).join('');
  }
  return '';
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * Deterministic policy: when tools are offered and no tool result is in the
 * conversation yet, call every offered tool (parallel tool calls) with the last user
 * message as `query`; otherwise answer with a sentence that quotes a digest of the
 * conversation, so different inputs give different outputs and equal inputs equal ones.
 */
export function decideAnswer(
  messages: readonly FakeChatMessage[],
  tools: readonly FakeTool[] | undefined,
): FakeAnswer {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const question = textOf(lastUser?.content).slice(0, 200);
  const hasToolResult = messages.some((m) => m.role === 'tool');
  if (tools && tools.length > 0 && !hasToolResult) {
    const calls = tools.map((t, i) => ({
      id: `call_${digest(`${question}|${t.function.name}|${i}`)}`,
      name: t.function.name,
      arguments: JSON.stringify({ query: question }),
    }));
    return { kind: 'tool_calls', calls };
  }
  const context = messages.map((m) => `${m.role}:${textOf(m.content)}`).join('\n');
  const toolNote = hasToolResult ? ' using the tool results' : '';
  return { kind: 'text', text: `Answer to "${question}"${toolNote} [ctx ${digest(context)}].` };
}

/** Deterministic unit-length embedding of a text (dimension 16 by default). */
export function embed(text: string, dimensions = 16): Float32Array {
  const out = new Float32Array(dimensions);
  let seed = createHash('sha256').update(text).digest();
  for (let i = 0; i < dimensions; i += 1) {
    if (i % 32 === 0 && i > 0) seed = createHash('sha256').update(seed).digest();
    out[i] = (seed[i % 32]! - 127.5) / 127.5;
  }
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i += 1) out[i] = out[i]! / norm;
  return out;
}

/** Float32 little-endian base64, as the OpenAI API answers `encoding_format: base64`. */
export function float32ToBase64(vector: Float32Array): string {
  const buf = Buffer.alloc(vector.length * 4);
  for (const [i, v] of vector.entries()) buf.writeFloatLE(v, i * 4);
  return buf.toString('base64');
}

/** Rough token count (4 characters a token), deterministic. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Resolves the exact version the fake reports for a requested model name. */
export function resolveModelVersion(model: string): string {
  return FAKE_MODEL_VERSIONS[model] ?? model;
}

export { textOf as messageText };
