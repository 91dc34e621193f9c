/**
 * LangChain messages in the OpenAI chat shape, so the SDK's hashing (RFC 8785 over
 * `[{role, content, tool_call_id?, tool_calls?}]`) and consumption inference (which scans
 * that shape for text and tool-call ids) work unchanged. This is LangChain's view of the
 * request; provider packages may serialise it to slightly different wire bytes.
 */
export interface OpenAiChatMessage {
  readonly role: string;
  readonly content: unknown;
  readonly name?: string;
  readonly tool_call_id?: string;
  readonly tool_calls?: readonly {
    readonly id: string;
    readonly type: 'function';
    readonly function: { readonly name: string; readonly arguments: string };
  }[];
}

type Dict = Record<string, unknown>;

const ROLES: Readonly<Record<string, string>> = {
  human: 'user',
  ai: 'assistant',
  system: 'system',
  developer: 'developer',
  tool: 'tool',
  function: 'function',
};

function dict(value: unknown): Dict | undefined {
  return typeof value === 'object' && value !== null ? (value as Dict) : undefined;
}

/** The LangChain message type (`human`, `ai`, …) of a BaseMessage or its serialised form. */
export function messageType(message: unknown): string | undefined {
  const m = dict(message);
  if (m === undefined) return undefined;
  // BaseMessage exposes getType() (1.x) / _getType() (0.x); plain objects carry `type` or `role`.
  for (const method of ['getType', '_getType'] as const) {
    const fn = m[method];
    if (typeof fn === 'function') {
      const type: unknown = fn.call(message);
      if (typeof type === 'string') return type;
    }
  }
  return typeof m.type === 'string' ? m.type : undefined;
}

/** One LangChain message in the OpenAI chat shape; `undefined` for something that is not a message. */
export function toOpenAiMessage(message: unknown): OpenAiChatMessage | undefined {
  const m = dict(message);
  if (m === undefined) return undefined;
  const type = messageType(message);
  const openAiRole = dict(m.additional_kwargs)?.__openai_role__;
  const role =
    typeof openAiRole === 'string'
      ? openAiRole
      : type === 'generic' && typeof m.role === 'string'
        ? m.role
        : ROLES[type ?? ''];
  if (role === undefined) return undefined;
  const out: {
    role: string;
    content: unknown;
    name?: string;
    tool_call_id?: string;
    tool_calls?: OpenAiChatMessage['tool_calls'];
  } = { role, content: m.content ?? null };
  if (typeof m.name === 'string' && m.name.length > 0) out.name = m.name;
  if (typeof m.tool_call_id === 'string') out.tool_call_id = m.tool_call_id;
  const calls = toolCalls(m.tool_calls);
  if (calls.length > 0) out.tool_calls = calls;
  return out;
}

/** Messages of one LangChain prompt (`BaseMessage[]`) in the OpenAI chat shape. */
export function toOpenAiMessages(messages: unknown): OpenAiChatMessage[] {
  if (!Array.isArray(messages)) return [];
  const out: OpenAiChatMessage[] = [];
  for (const message of messages) {
    const converted = toOpenAiMessage(message);
    if (converted !== undefined) out.push(converted);
  }
  return out;
}

function toolCalls(value: unknown): NonNullable<OpenAiChatMessage['tool_calls']>[number][] {
  if (!Array.isArray(value)) return [];
  const calls: NonNullable<OpenAiChatMessage['tool_calls']>[number][] = [];
  for (const call of value) {
    const c = dict(call);
    if (c === undefined || typeof c.id !== 'string' || typeof c.name !== 'string') continue;
    calls.push({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: JSON.stringify(c.args ?? {}) },
    });
  }
  return calls;
}
