import type { LineageNode } from '../model/lineage-record.js';
import { isSubjectContent } from './subject-content-cipher.js';
import type { SubjectRegistry } from './subject-registry.js';
import { SUBJECT_PROPS } from './surrogate-subjects.js';

/** What an erased subject's content reads as. */
export const ERASED_CONTENT = '[erased]';

/**
 * For engineering readers (the only role that sees captured content): decrypts subject
 * content encrypted by `surrogateSubjects` with the key of the subject the node names.
 * Content of an erased subject reads as {@link ERASED_CONTENT}. Other nodes are returned
 * as they are. Never call it for roles that must not see content: it does not redact.
 */
export function revealSubjectContent(
  nodes: readonly LineageNode[],
  registry: SubjectRegistry,
): LineageNode[] {
  return nodes.map((node) => {
    const value = node.props.content;
    if (!isSubjectContent(value)) return node;
    const surrogate = SUBJECT_PROPS.map((p) => node.props[p]).find((v): v is string => typeof v === 'string');
    const plain = surrogate === undefined ? undefined : registry.decryptContent(surrogate, node.id, value);
    return { ...node, props: { ...node.props, content: plain ?? ERASED_CONTENT } } as LineageNode;
  });
}
