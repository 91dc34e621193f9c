import { asSha256, sha256Json, sha256Text } from './content-hash.js';
import type { HashedContent } from './span-facts.js';

/**
 * A recorded hash wins; otherwise the hash of the content (UTF-8 text); undefined when
 * there is neither. The content is kept alongside so capture can store it.
 */
export function hashContent(given: unknown, content: string | undefined): HashedContent | undefined {
  const recorded = asSha256(given);
  if (recorded !== undefined) {
    return { sha256: recorded, basis: 'content', ...(content !== undefined ? { content } : {}) };
  }
  if (content === undefined) return undefined;
  return { sha256: sha256Text(content), content, basis: 'content' };
}

/**
 * A stand-in hash for an entity whose content was not recorded (a retrieved document with
 * only an id): the canonical JSON of its identifying fields, marked `identity` so nobody
 * mistakes it for a content hash. Undefined when there is nothing identifying.
 */
export function hashIdentity(
  identity: Readonly<Record<string, string | undefined>>,
): HashedContent | undefined {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(identity)) if (v !== undefined) fields[k] = v;
  if (Object.keys(fields).length === 0) return undefined;
  const sha256 = sha256Json(fields);
  return sha256 === undefined ? undefined : { sha256, basis: 'identity' };
}
