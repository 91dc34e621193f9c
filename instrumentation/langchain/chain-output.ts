import { dict } from './open-run.js';

/**
 * The content a chain delivered: LangChain wraps a non-object result as `{ output }`, and
 * agents return `{ output }` too; a message contributes its text content. Anything else is
 * the whole outputs object (hashed as canonical JSON).
 */
export function chainOutputContent(outputs: unknown): unknown {
  const o = dict(outputs);
  const value = o !== undefined && 'output' in o ? o.output : outputs;
  const message = dict(value);
  if (message !== undefined && typeof message.content === 'string' && typeof message.getType === 'function') {
    return message.content;
  }
  return value;
}
