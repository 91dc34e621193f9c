import type { LineageNode, MappedBatch, PropValue } from '../model/lineage-record.js';
import type { GraphStore } from '../ports/graph-store.js';
import type { SubjectEntry, SubjectRegistry } from './subject-registry.js';

/** Node props that name a data subject (pseudonyms from lineage.run.actor / lineage.output.recipient). */
export const SUBJECT_PROPS = ['actor', 'recipient'] as const;

/** Props holding captured content that is encrypted with the subject's key. */
const CONTENT_PROP = 'content';

function subjectOf(node: LineageNode): string | undefined {
  for (const prop of SUBJECT_PROPS) {
    const v = node.props[prop];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/**
 * Replaces every subject pseudonym in a mapped batch with the subject's random surrogate
 * (registering new subjects first, durably), and encrypts the captured content of each
 * node that names a subject with that subject's AES-256-GCM key. Run it between
 * `mapSpans` and `writeBatch`, so only surrogates reach the graph, the archive and the
 * log. Deterministic for a given registry state (re-delivered spans give identical records).
 *
 * Scope of the content encryption: the `content` prop of the node carrying the subject —
 * the FinalOutput delivered to a recipient (our SDK sends it as `lineage.content` when
 * capture is on), or an actor's ExecutionRun. That is all the subject-tied content our SDK
 * captures: it never captures prompts, and retrieved sources are not subject data. Content
 * that foreign instrumentations capture (OpenInference `input.value`, …) carries no subject
 * (foreign user ids are never read), so it cannot be tied to one and is not encrypted.
 */
export function surrogateSubjects(batch: MappedBatch, registry: SubjectRegistry): MappedBatch {
  const pseudonyms = new Set<string>();
  for (const node of batch.nodes) {
    for (const prop of SUBJECT_PROPS) {
      const v = node.props[prop];
      if (typeof v === 'string' && v !== '') pseudonyms.add(v);
    }
  }
  if (pseudonyms.size === 0) return batch;
  const entries = registry.resolve(pseudonyms);
  const nodes = batch.nodes.map((node): LineageNode => {
    const subject = subjectOf(node);
    if (subject === undefined) return node;
    const props: Record<string, PropValue> = { ...node.props };
    for (const prop of SUBJECT_PROPS) {
      const v = props[prop];
      if (typeof v === 'string' && v !== '') props[prop] = (entries.get(v) as SubjectEntry).surrogate;
    }
    const content = props[CONTENT_PROP];
    if (typeof content === 'string') {
      props[CONTENT_PROP] = registry.encryptContent(entries.get(subject) as SubjectEntry, node.id, content);
    }
    return { ...node, props } as LineageNode;
  });
  return { ...batch, nodes };
}

/**
 * Wraps a store's `writeBatch` so every batch is surrogated first: pass the result as the
 * IngestPipeline's `store` (it only needs `writeBatch`), no change to the pipeline needed.
 */
export function surrogatingWriter(
  store: Pick<GraphStore, 'writeBatch' | 'writeContentEvents'>,
  registry: SubjectRegistry,
): Pick<GraphStore, 'writeBatch' | 'writeContentEvents'> {
  return {
    writeBatch: (batch, nowMs) => store.writeBatch(surrogateSubjects(batch, registry), nowMs),
    // Content events carry chat messages, never subject pseudonyms (those are span attributes).
    writeContentEvents: (events, nowMs) => store.writeContentEvents(events, nowMs),
  };
}
