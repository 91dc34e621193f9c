import {
  ATTR_LINEAGE_CONTENT,
  ATTR_LINEAGE_OUTPUT_CHANNEL,
  ATTR_LINEAGE_OUTPUT_RECIPIENT,
  ATTR_LINEAGE_OUTPUT_SHA256,
} from '../../semconv/index.js';
import type { SpanView } from '../model/span-view.js';
import { readStr } from './attr-read.js';
import { sha256Text } from './content-hash.js';
import { classifySpan, detectDialect } from './detect-dialect.js';
import { isFrameworkModelSpan } from './framework-model-span.js';
import { hashContent } from './hashed-content.js';
import { readDataSources, readToolCallId } from './read-data-sources.js';
import { type ChatMessage, readChatMessages } from './read-messages.js';
import { fedBackAnswerHashes, readModelFact } from './read-model.js';
import { readRunFact } from './read-run.js';
import type { OutputFact, SpanFacts } from './span-facts.js';

function readOutputFact(view: SpanView): OutputFact | undefined {
  const a = view.attributes;
  const hash = hashContent(
    a[ATTR_LINEAGE_OUTPUT_SHA256],
    readStr(a, ATTR_LINEAGE_CONTENT) ?? readStr(a, 'output.value'),
  );
  if (hash === undefined) return undefined;
  const channel = readStr(a, ATTR_LINEAGE_OUTPUT_CHANNEL);
  const recipient = readStr(a, ATTR_LINEAGE_OUTPUT_RECIPIENT);
  return {
    hash,
    ...(channel !== undefined ? { channel } : {}),
    ...(recipient !== undefined ? { recipient } : {}),
  };
}

function unique(values: readonly string[]): string[] {
  // Most spans have no inputs: skip the Set and sort for those (this runs for every span).
  if (values.length === 0) return [];
  return [...new Set(values)].sort();
}

/**
 * Everything the mapping needs from one span, whatever its dialect: its lineage type,
 * and the run / model / data-source / output facts that type implies, plus the
 * tool-call ids and content hashes a model invocation consumed (for later inference).
 */
export function readSpanFacts(view: SpanView): SpanFacts {
  const dialect = detectDialect(view);
  const spanType = classifySpan(view, dialect);
  const isRoot = view.parentSpanId === undefined;
  // The root of any trace stands for its run (run id = trace id), even when it is, say, a lone chat span.
  const isRun = spanType === 'run' || isRoot;
  const messages =
    spanType === 'model_invocation' ? readChatMessages(view.attributes, view.events) : undefined;
  const model = messages !== undefined ? readModelFact(view, messages) : undefined;
  const output = spanType === 'output' ? readOutputFact(view) : undefined;
  const toolCallId = spanType === 'tool_call' ? readToolCallId(view.attributes) : undefined;
  const inputs = messages?.input ?? [];
  // Only model spans pay for the scope check; our own spans record their links and are never held.
  const frameworkLevel = model !== undefined && dialect !== 'lineage' && isFrameworkModelSpan(view);
  return {
    dialect,
    spanType,
    isRoot,
    frameworkLevel,
    ...(isRun ? { run: readRunFact(view, dialect) } : {}),
    ...(model !== undefined ? { model } : {}),
    dataSources: readDataSources(view, spanType),
    ...(output !== undefined ? { output } : {}),
    ...(toolCallId !== undefined ? { toolCallId } : {}),
    ...consumedFacts(inputs),
  };
}

/**
 * What a model invocation's request messages let inference join: the tool calls they
 * answer, and the hash of each message's text and of each fed-back tool-calling answer.
 * Sorted and unique. Shared with the log-content merge (logs/amend-with-content.ts).
 */
export function consumedFacts(inputs: readonly ChatMessage[]): {
  consumedToolCallIds: string[];
  consumedContentSha256: string[];
} {
  return {
    consumedToolCallIds: unique(inputs.flatMap((m) => (m.toolCallId !== undefined ? [m.toolCallId] : []))),
    // Each request message's text, hashed alone, so a tool result or an earlier answer fed back verbatim can be joined.
    consumedContentSha256: unique([
      ...inputs.flatMap((m) => (m.content !== undefined && m.content !== '' ? [sha256Text(m.content)] : [])),
      // An earlier answer that issued tool calls, fed back as an assistant message.
      ...fedBackAnswerHashes(inputs),
    ]),
  };
}
