import { Document } from '@langchain/core/documents';
import { describe, expect, it } from 'vitest';
import { documentToSource } from './document-source.js';

describe('documentToSource', () => {
  it('prefers metadata.id, then the document id', () => {
    expect(documentToSource(new Document({ pageContent: 'a', metadata: { id: 7, source: 's' } }))?.id).toBe(
      '7',
    );
    expect(
      documentToSource(new Document({ pageContent: 'a', id: 'doc-1', metadata: { source: 's' } }))?.id,
    ).toBe('doc-1');
  });

  it('names a chunk of a source by its chunk index or loader line range', () => {
    expect(
      documentToSource({ pageContent: 'a', metadata: { source: 'file:///x.md', chunk_index: 2 } })?.id,
    ).toBe('file:///x.md#2');
    expect(
      documentToSource({
        pageContent: 'a',
        metadata: { source: 'file:///x.md', loc: { lines: { from: 3, to: 9 } } },
      })?.id,
    ).toBe('file:///x.md#L3-L9');
  });

  it('falls back to the content hash (SDK default id) rather than a bare source shared by several chunks', () => {
    expect(documentToSource({ pageContent: 'a', metadata: { source: 'file:///x.md' } })).toEqual({
      kind: 'rag_chunk',
      id: undefined,
      uri: 'file:///x.md',
      content: 'a',
      ingestedAt: undefined,
      score: undefined,
      indexVersion: undefined,
    });
  });

  it('ignores values of the wrong type and things that are not documents', () => {
    const source = documentToSource({
      pageContent: 'a',
      metadata: { score: '0.9', ingested_at: 5, index_version: {} },
    });
    expect(source).toMatchObject({ score: undefined, ingestedAt: undefined, indexVersion: undefined });
    expect(documentToSource(null)).toBeUndefined();
    expect(documentToSource({ metadata: {} })).toBeUndefined();
  });
});
