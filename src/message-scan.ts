import { describeError, reportDrop } from './report.js';

/**
 * Reads what consumption inference needs from untrusted request messages (OpenAI chat
 * and Anthropic messages shapes): the text they carry and the tool-call ids they mention.
 * Anything unexpected is skipped, never thrown on.
 */
export interface MessageScan {
  /** All text content of the messages, joined by newlines. */
  readonly text: string;
  /** Tool-call ids: `tool_call_id` of tool messages, `tool_calls[].id` of assistant messages, Anthropic `tool_use_id`/`tool_use.id`. */
  readonly toolCallIds: ReadonlySet<string>;
}

/** Upper bound on messages and parts looked at, so a hostile request cannot make the scan slow. */
const MAX_ITEMS = 10_000;

/**
 * Scans request messages (and an optional separate system prompt). Never throws: messages
 * whose reading throws (a getter, a Proxy) yield nothing to infer from, which is reported.
 */
export function scanMessages(messages: unknown, system?: unknown): MessageScan {
  try {
    return scan(messages, system);
  } catch (error) {
    reportDrop('consumption inference', `messages unreadable: ${describeError(error)}`);
    return { text: '', toolCallIds: new Set() };
  }
}

function scan(messages: unknown, system: unknown): MessageScan {
  const texts: string[] = [];
  const ids = new Set<string>();
  let budget = MAX_ITEMS;
  collectText(system, texts);
  if (Array.isArray(messages)) {
    // By index, as JSON.stringify reads what is sent: an own Symbol.iterator is not consulted.
    for (let i = 0; i < messages.length; i++) {
      const message: unknown = messages[i];
      if (--budget < 0) break;
      if (typeof message !== 'object' || message === null) continue;
      const m = message as Record<string, unknown>;
      if (typeof m.tool_call_id === 'string') ids.add(m.tool_call_id);
      const calls = m.tool_calls;
      if (Array.isArray(calls)) {
        for (let j = 0; j < calls.length; j++) addId(ids, (calls[j] as { id?: unknown } | null)?.id);
      }
      budget -= collectParts(m.content, texts, ids);
    }
  }
  return { text: texts.join('\n'), toolCallIds: ids };
}

function collectParts(content: unknown, texts: string[], ids: Set<string>): number {
  if (!Array.isArray(content)) {
    collectText(content, texts);
    return 0;
  }
  let seen = 0;
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    if (++seen > MAX_ITEMS) break;
    if (typeof part !== 'object' || part === null) continue;
    const p = part as Record<string, unknown>;
    collectText(p.text, texts);
    if (p.type === 'tool_result') {
      addId(ids, p.tool_use_id);
      collectParts(p.content, texts, ids);
    } else if (p.type === 'tool_use') {
      addId(ids, p.id);
    }
  }
  return seen;
}

function collectText(value: unknown, texts: string[]): void {
  if (typeof value === 'string' && value.length > 0) texts.push(value);
}

function addId(ids: Set<string>, id: unknown): void {
  if (typeof id === 'string' && id.length > 0) ids.add(id);
}
