import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utf8 } from '../integrity/bytes.js';
import { openCheckpoint } from '../integrity/checkpoint.js';
import { checkConsistency } from '../integrity/checkpoint-consistency.js';
import { logLeafHash } from '../integrity/log-leaf.js';
import { verifyInclusion } from '../integrity/merkle.js';
import { decodeVerifierKey } from '../integrity/note-key.js';
import { FsArchiveStore } from '../stores/fs-archive/fs-archive-store.js';
import { openSqlite } from '../stores/sqlite/sqlite-driver.js';
import { IntegrityLogCorruptError, openIntegrityLog } from './integrity-log.js';
import { LogKeyFileError } from './log-key-file.js';
import { finalisedRun, runIdOf, TEST_ORIGIN } from './test-support/ledger-fixtures.js';
import { verifyArchive } from './verify-archive.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('integrity log', () => {
  it('generates the signing key at first start with mode 0600 and serves its verifier key', async () => {
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    expect(statSync(join(dir, 'log-signing.key')).mode & 0o777).toBe(0o600);
    const pub = (await readFile(join(dir, 'log-verifier.pub'), 'utf8')).trim();
    expect(pub).toBe(log.verifierKey());
    expect(decodeVerifierKey(pub).name).toBe(TEST_ORIGIN);
    log.close();
    // Same key on the next start.
    const again = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    expect(again.verifierKey()).toBe(pub);
    again.close();
  });

  it('refuses a key of another log and a key file readable by others', async () => {
    (await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN })).close();
    await expect(openIntegrityLog({ dataDir: dir, origin: 'other.test/log' })).rejects.toBeInstanceOf(
      LogKeyFileError,
    );
    const { chmod } = await import('node:fs/promises');
    await chmod(join(dir, 'log-signing.key'), 0o644);
    await expect(openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN })).rejects.toThrow(/chmod 600/);
  });

  it('appends bundle leaves, issues checkpoints, and serves proofs that verify against them', async () => {
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    const key = decodeVerifierKey(log.verifierKey());
    const notes: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      await log.onFinalised(Array.from({ length: 7 }, (_, i) => finalisedRun(batch * 7 + i)));
      notes.push(log.latestCheckpoint() as string);
    }
    expect(log.size).toBe(35);
    const latest = openCheckpoint(notes[4] as string, [key], { origin: TEST_ORIGIN }).checkpoint;
    expect(latest.size).toBe(35);
    for (let n = 0; n < 35; n++) {
      const inc = log.inclusionProofForRun(runIdOf(n));
      expect(inc?.leafIndex).toBe(n);
      verifyInclusion(n, inc!.treeSize, logLeafHash(inc!.leaf), inc!.proof, latest.rootHash);
    }
    for (const note of notes.slice(0, 4)) {
      const old = openCheckpoint(note, [key]).checkpoint;
      checkConsistency(old, latest, log.consistencyProof(old.size, latest.size));
    }
    expect(log.audit()).toEqual([]);
    log.close();
  });

  it('skips a re-delivered bundle, refuses another hash for it, and rewinds on rollback', async () => {
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    log.appendBundles([finalisedRun(1), finalisedRun(2)]);
    const root = log.rootHash;
    expect(log.appendBundles([finalisedRun(1)])[0]?.leafIndex).toBe(0);
    expect(log.size).toBe(2);
    const forged = { ...finalisedRun(2), location: { ...finalisedRun(2).location, sha256: 'f'.repeat(64) } };
    // The first leaf of this batch is new; the second conflicts: the whole batch rolls back.
    expect(() => log.appendBundles([finalisedRun(3), forged])).toThrow(IntegrityLogCorruptError);
    expect(log.size).toBe(2);
    expect(log.rootHash).toEqual(root);
    log.appendBundles([finalisedRun(3)]);
    expect(log.size).toBe(3);
    expect(log.audit()).toEqual([]);
    log.close();
  });

  it('recovers its state after reopening and checkpoints leaves appended without one', async () => {
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    await log.onFinalised([finalisedRun(1), finalisedRun(2), finalisedRun(3)]);
    // Appended, then "crash" before the checkpoint.
    log.appendBundles([finalisedRun(4), finalisedRun(5)]);
    log.appendAccess({
      time: '2026-11-24T12:00:00.000Z',
      keyId: 'aud',
      method: 'GET',
      path: '/x',
      status: 200,
    });
    const root = log.rootHash;
    log.close();
    const reopened = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    expect(reopened.size).toBe(6);
    expect(reopened.rootHash).toEqual(root);
    const cp = openCheckpoint(reopened.latestCheckpoint() as string, [reopened.verifier()]).checkpoint;
    expect(cp.size).toBe(6);
    expect(cp.rootHash).toEqual(root);
    reopened.appendBundles([finalisedRun(6)]);
    expect(reopened.audit()).toEqual([]);
    reopened.close();
  });

  it('refuses to open a log whose stored tree no longer matches its signed checkpoint', async () => {
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    await log.onFinalised(Array.from({ length: 8 }, (_, i) => finalisedRun(i)));
    log.close();
    const db = openSqlite(join(dir, 'ledger.db'));
    db.prepare('UPDATE tree_nodes SET hash = ? WHERE level = 3 AND idx = 0').run(new Uint8Array(32));
    db.close();
    await expect(openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN })).rejects.toThrow(
      /does not match the signed checkpoint/,
    );
  });

  it('refuses to open a truncated log', async () => {
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    await log.onFinalised(Array.from({ length: 8 }, (_, i) => finalisedRun(i)));
    log.close();
    const db = openSqlite(join(dir, 'ledger.db'));
    db.exec(
      'DELETE FROM leaves WHERE idx >= 6; DELETE FROM tree_nodes WHERE level = 3 OR (level = 1 AND idx = 3) OR (level = 2 AND idx = 1)',
    );
    db.close();
    await expect(openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN })).rejects.toThrow(/truncated/);
  });

  it('audit names a leaf whose bytes were edited', async () => {
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    await log.onFinalised(Array.from({ length: 4 }, (_, i) => finalisedRun(i)));
    log.close();
    const db = openSqlite(join(dir, 'ledger.db'));
    const row = db.prepare('SELECT data FROM leaves WHERE idx = 2').get();
    const text = Buffer.from(row?.data as Uint8Array)
      .toString('utf8')
      .replace(/"sequence":0/, '"sequence":1');
    db.prepare('UPDATE leaves SET data = ? WHERE idx = 2').run(Buffer.from(text));
    db.close();
    const reopened = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    expect(reopened.audit()).toEqual(['leaf 2: stored hash differs from the leaf bytes']);
    reopened.close();
  });

  it('catches up on bundles archived but never logged (crash before onFinalised)', async () => {
    const archive = new FsArchiveStore({ root: join(dir, 'archive') });
    const put = (n: number, sequence = 0) =>
      archive.put({
        runId: runIdOf(n),
        agentId: 'agent',
        runStartMs: Date.UTC(2026, 10, 24),
        sequence,
        body: utf8(`b${n}.${sequence}`),
      });
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    const logged = await put(1);
    await log.onFinalised([{ runId: runIdOf(1), sequence: 0, location: logged }]);
    await put(2);
    await put(2, 1);
    await put(3);
    expect(await log.appendMissingFromArchive(archive)).toBe(3);
    expect(await log.appendMissingFromArchive(archive)).toBe(0);
    expect(log.bundlesOfRun(runIdOf(2)).map((b) => b.leaf.sequence)).toEqual([0, 1]);
    const report = await verifyArchive({
      log: log.view(),
      key: log.verifier(),
      bundles: (async function* () {
        for await (const key of archive.list()) yield { key, bytes: await archive.get(key) };
      })(),
      expectEveryBundle: true,
    });
    expect(report).toMatchObject({ ok: true, bundlesChecked: 4, leavesChecked: 4 });
    log.close();
    await archive.close();
  });
});
