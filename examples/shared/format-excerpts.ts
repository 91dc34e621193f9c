import type { RetrievedChunk } from './retrieve-chunks.js';

/**
 * The retrieved chunks quoted verbatim with their ids, for a context message. Verbatim
 * matters twice: the model can cite ids, and the SDK links the model call `consumed` to
 * every chunk whose text appears in its messages.
 */
export function formatExcerpts(heading: string, chunks: readonly RetrievedChunk[]): string {
  return [heading, ...chunks.map((c) => `[${c.document.id}] ${c.document.text}`)].join('\n');
}
