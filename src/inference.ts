import type { Attributes, Link } from '@opentelemetry/api';
import {
  ATTR_LINEAGE_LINK_ENTITY_SHA256,
  ATTR_LINEAGE_LINK_INFERRED,
  ATTR_LINEAGE_LINK_TYPE,
} from '../semconv/index.js';
import { isLineageHandle } from './handles.js';
import { isSha256Hex } from './hashing/sha256.js';
import type { MessageScan } from './message-scan.js';
import { reportDrop } from './report.js';
import type { TrackedArtifact } from './run-state.js';

/**
 * Shortest artifact text matched by content: shorter texts ("42", "ok") would appear in
 * unrelated prompts by chance, so they are linked only through tool-call ids.
 */
export const MIN_MATCH_CHARS = 16;

/** The OpenTelemetry SDK's default link limit per span; explicit inputs beyond it are dropped. */
export const MAX_LINKS = 128;

/**
 * Links for artifacts the run tracked whose tool-call id is mentioned in the messages or
 * whose text appears in them: `consumed`, naming the artifact, `inferred=true`. Pure.
 */
export function inferConsumedLinks(artifacts: readonly TrackedArtifact[], scan: MessageScan): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const artifact of artifacts) {
    if (links.length >= MAX_LINKS) break;
    if (!matches(artifact, scan)) continue;
    const { spanContext, sha256 } = artifact.handle;
    const key = `${spanContext.spanId}:${sha256 ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    links.push(edgeLink(spanContext, 'consumed', sha256, true));
  }
  return links;
}

function matches(artifact: TrackedArtifact, scan: MessageScan): boolean {
  for (const id of artifact.toolCallIds) if (scan.toolCallIds.has(id)) return true;
  const text = artifact.text;
  return text !== undefined && text.length >= MIN_MATCH_CHARS && scan.text.includes(text);
}

/** Links for explicit inputs (handles given by the caller); malformed entries are dropped. */
export function explicitLinks(inputs: unknown, type: 'consumed' | 'contributed_to'): Link[] {
  if (!isIterable(inputs)) {
    reportDrop('inputs', 'inputs must be an array of lineage handles');
    return [];
  }
  const links: Link[] = [];
  let read = 0;
  for (const input of inputs) {
    // Bounded reads, not only bounded links: an endless iterable of non-handles must not hang.
    if (links.length >= MAX_LINKS || ++read > MAX_INPUTS_READ) {
      reportDrop(
        'inputs',
        `more than ${MAX_LINKS} handles, or ${MAX_INPUTS_READ} inputs looked at; the rest are not linked`,
      );
      break;
    }
    if (!isLineageHandle(input)) {
      reportDrop('inputs', 'an input that is not a lineage handle was ignored');
      continue;
    }
    links.push(edgeLink(input.spanContext, type, input.sha256, false));
  }
  return links;
}

/** One lineage edge as a span link. */
export function edgeLink(
  context: Link['context'],
  type: string,
  entitySha256: string | undefined,
  inferred: boolean,
): Link {
  const attributes: Attributes = { [ATTR_LINEAGE_LINK_TYPE]: type };
  // Only a real SHA-256 names the entity: anything else on a forged handle is left out.
  if (isSha256Hex(entitySha256)) {
    attributes[ATTR_LINEAGE_LINK_ENTITY_SHA256] = entitySha256;
  }
  if (inferred) attributes[ATTR_LINEAGE_LINK_INFERRED] = true;
  return { context, attributes };
}

/** Inputs looked at, at most (non-handles are skipped, so this bounds more than MAX_LINKS). */
const MAX_INPUTS_READ = 10_000;

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'
  );
}
