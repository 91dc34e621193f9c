import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LineageNode, MappedBatch } from '../model/lineage-record.js';
import { type IntegrityLog, openIntegrityLog } from './integrity-log.js';
import { ERASED_CONTENT, revealSubjectContent } from './reveal-subject-content.js';
import { isSubjectContent } from './subject-content-cipher.js';
import { surrogateSubjects } from './surrogate-subjects.js';
import { TEST_ORIGIN } from './test-support/ledger-fixtures.js';

const ALICE = `hmac-sha256:${'a'.repeat(64)}`;
const BOB = `hmac-sha256:${'b'.repeat(64)}`;
const T = 'f'.repeat(32);

function node(id: string, kind: LineageNode['kind'], props: LineageNode['props']): LineageNode {
  return {
    id,
    kind,
    runId: T,
    spanId: '1'.repeat(16),
    startTimeMs: 1,
    inferred: false,
    props,
    sha256: 'e'.repeat(64),
  } as LineageNode;
}

const batch: MappedBatch = {
  spans: [],
  edges: [],
  links: [],
  rejected: [],
  nodes: [
    node(`run:${T}`, 'ExecutionRun', { actor: ALICE, agentName: 'a' }),
    node(`out:${T}:1`, 'FinalOutput', { recipient: BOB, content: 'Dear Bob, your loan is approved.' }),
    node(`ds:${T}:1:0`, 'DataSource', { content: 'policy text' }),
  ],
};

let dir: string;
let log: IntegrityLog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'surrogates-'));
  log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
});
afterEach(async () => {
  log.close();
  await rm(dir, { recursive: true, force: true });
});

describe('surrogateSubjects', () => {
  it('replaces pseudonyms with registry surrogates and encrypts content of subject-bearing nodes only', () => {
    const out = surrogateSubjects(batch, log.subjects);
    const [run, output, source] = out.nodes as [LineageNode, LineageNode, LineageNode];
    expect(run.props.actor).toBe(log.subjects.lookup(ALICE)?.surrogate);
    expect(output.props.recipient).toBe(log.subjects.lookup(BOB)?.surrogate);
    expect(JSON.stringify(out)).not.toContain(ALICE);
    expect(JSON.stringify(out)).not.toContain(BOB);
    expect(isSubjectContent(output.props.content)).toBe(true);
    expect(JSON.stringify(out)).not.toContain('Dear Bob');
    expect(source.props.content).toBe('policy text');
    expect(
      log.subjects.decryptContent(String(output.props.recipient), output.id, String(output.props.content)),
    ).toBe('Dear Bob, your loan is approved.');
  });

  it('is deterministic for re-delivered batches (idempotent store upserts)', () => {
    expect(surrogateSubjects(batch, log.subjects)).toEqual(surrogateSubjects(batch, log.subjects));
  });

  it('after erasure the content cannot be decrypted and the pseudonym gets a fresh, unrelated surrogate', () => {
    const first = surrogateSubjects(batch, log.subjects).nodes[1] as LineageNode;
    expect(log.eraseSubject(BOB)).toBeDefined();
    expect(
      log.subjects.decryptContent(String(first.props.recipient), first.id, String(first.props.content)),
    ).toBeUndefined();
    const again = surrogateSubjects(batch, log.subjects).nodes[1] as LineageNode;
    expect(again.props.recipient).not.toBe(first.props.recipient);
  });

  it('rejects content moved to another node (the node id is authenticated)', () => {
    const out = surrogateSubjects(batch, log.subjects).nodes[1] as LineageNode;
    expect(
      log.subjects.decryptContent(String(out.props.recipient), 'out:other', String(out.props.content)),
    ).toBeUndefined();
  });

  it('reveals subject content to engineering readers until the subject is erased', () => {
    const stored = surrogateSubjects(batch, log.subjects).nodes;
    expect((revealSubjectContent(stored, log.subjects)[1] as LineageNode).props.content).toBe(
      'Dear Bob, your loan is approved.',
    );
    log.eraseSubject(BOB);
    expect((revealSubjectContent(stored, log.subjects)[1] as LineageNode).props.content).toBe(ERASED_CONTENT);
    expect(revealSubjectContent(stored, log.subjects)[2]).toBe(stored[2]);
  });
});
