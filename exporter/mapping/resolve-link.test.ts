import { describe, expect, it } from 'vitest';
import type { LineageNode, LinkIntent } from '../model/lineage-record.js';
import { edgeId, resolveLink } from './resolve-link.js';

const R = 'a'.repeat(32);
const node = (id: string, kind: LineageNode['kind'], extra: Partial<LineageNode> = {}): LineageNode =>
  ({
    id,
    kind,
    runId: R,
    spanId: id.split(':')[2] ?? 's',
    startTimeMs: 1,
    inferred: false,
    props: {},
    ...extra,
  }) as LineageNode;
const intent = (linkType: LinkIntent['linkType'], fromNode: string, entitySha256?: string): LinkIntent => ({
  id: `${linkType}:${fromNode}>t`,
  linkType,
  fromNode,
  runId: R,
  target: { traceId: R, spanId: 't' },
  ...(entitySha256 ? { entitySha256 } : {}),
  inferred: false,
  timeMs: 5,
});
const summary = (i: LinkIntent, nodes: LineageNode[]) =>
  resolveLink(i, nodes).map((e) => `${e.type} ${e.from} ${e.to}`);

const rag = node(`ds:${R}:t:0`, 'DataSource', { sha256: 'c1', props: { sourceKind: 'rag_chunk' } });
const tool = node(`ds:${R}:t:0`, 'DataSource', { sha256: 'c2', props: { sourceKind: 'tool_output' } });
const mi = node(`mi:${R}:t`, 'ModelInvocation', { props: { outputSha256: 'o1' } });
const art = node(`art:${R}:t`, 'IntermediateArtifact', { sha256: 'o1' });

describe('resolveLink', () => {
  it('gives every edge the default id {type}:{from}>{to} (the SQLite store relies on it)', () => {
    const fo = node(`out:${R}:t`, 'FinalOutput', { sha256: 'f1' });
    const kinds: LinkIntent['linkType'][] = [
      'consumed',
      'contributed_to',
      'spawned_by',
      'supersedes',
      'triggered_by',
    ];
    let edges = 0;
    for (const linkType of kinds) {
      for (const from of [`mi:${R}:m`, `out:${R}:o`, `run:${'b'.repeat(32)}`]) {
        for (const e of resolveLink(intent(linkType, from), [rag, tool, mi, art, fo])) {
          expect(e.id).toBe(edgeId(e.type, e.from, e.to));
          edges++;
        }
      }
    }
    expect(edges).toBeGreaterThan(10);
  });

  it('turns consumed links from a model invocation into RETRIEVED_FROM / CONSUMED_BY', () => {
    expect(summary(intent('consumed', `mi:${R}:m`), [rag])).toEqual([`RETRIEVED_FROM mi:${R}:m ${rag.id}`]);
    expect(summary(intent('consumed', `mi:${R}:m`), [tool])).toEqual([`CONSUMED_BY ${tool.id} mi:${R}:m`]);
    expect(summary(intent('consumed', `mi:${R}:m`), [mi, art])).toEqual([`CONSUMED_BY ${art.id} mi:${R}:m`]);
  });

  it('turns consumed / contributed_to links from an output into CONTRIBUTED_TO', () => {
    expect(summary(intent('consumed', `out:${R}:o`), [rag, mi, art])).toEqual([
      `CONTRIBUTED_TO ${rag.id} out:${R}:o`,
      `CONTRIBUTED_TO ${mi.id} out:${R}:o`,
    ]);
    expect(summary(intent('contributed_to', `out:${R}:o`), [mi, art])).toEqual([
      `CONTRIBUTED_TO ${mi.id} out:${R}:o`,
    ]);
  });

  it('narrows to the named entity hash', () => {
    expect(summary(intent('contributed_to', `out:${R}:o`, 'o1'), [mi, art])).toEqual([
      `CONTRIBUTED_TO ${mi.id} out:${R}:o`,
    ]);
    expect(summary(intent('contributed_to', `out:${R}:o`, 'other'), [mi, art])).toEqual([]);
  });

  it('resolves spawned_by, supersedes, and leaves triggered_by to the mapping', () => {
    const parentRun = node(`run:${'b'.repeat(32)}`, 'ExecutionRun');
    expect(summary(intent('spawned_by', `run:${R}`), [parentRun])).toEqual([
      `SPAWNED_BY run:${R} ${parentRun.id}`,
    ]);
    const old = node(`out:${R}:old`, 'FinalOutput', { sha256: 'x' });
    expect(summary(intent('supersedes', `out:${R}:new`), [old])).toEqual([
      `SUPERSEDED_BY ${old.id} out:${R}:new`,
    ]);
    expect(summary(intent('triggered_by', `run:${R}`), [parentRun])).toEqual([]);
  });

  it('builds deterministic edge ids', () => {
    const [edge] = resolveLink(intent('consumed', `mi:${R}:m`), [rag]);
    expect(edge).toEqual({
      id: edgeId('RETRIEVED_FROM', `mi:${R}:m`, rag.id),
      type: 'RETRIEVED_FROM',
      from: `mi:${R}:m`,
      to: rag.id,
      runId: R,
      inferred: false,
      timeMs: 5,
    });
  });
});
