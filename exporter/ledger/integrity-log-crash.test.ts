import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../integrity/checkpoint.js';
import { checkConsistency } from '../integrity/checkpoint-consistency.js';
import { openSqlite } from '../stores/sqlite/sqlite-driver.js';
import { openIntegrityLog } from './integrity-log.js';
import { openLedgerFile } from './log-view.js';
import { TEST_ORIGIN } from './test-support/ledger-fixtures.js';
import { verifyArchive } from './verify-archive.js';

const CHILD = fileURLToPath(new URL('./test-support/append-until-killed.ts', import.meta.url));

/** Runs the appender, kills it with SIGKILL after `ms` of appending. */
async function appendAndKill(dir: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`appender exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-crash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('integrity log crash recovery', () => {
  it('survives SIGKILL mid-append three times: the tree, its nodes and every checkpoint stay consistent', async () => {
    let previousSize = 0;
    for (let round = 0; round < 3; round++) {
      await appendAndKill(dir, 150 + round * 100);
      const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
      expect(log.size).toBeGreaterThan(previousSize);
      previousSize = log.size;
      // Every leaf hashes to its stored hash, every node to its children, every checkpoint verifies.
      expect(log.audit()).toEqual([]);
      const latest = openCheckpoint(log.latestCheckpoint() as string, [log.verifier()]).checkpoint;
      expect(latest.size).toBe(log.size);
      const db = openSqlite(join(dir, 'ledger.db'));
      const notes = db
        .prepare('SELECT note FROM checkpoints ORDER BY size')
        .all()
        .map((r) => String(r.note));
      db.close();
      for (const note of notes) {
        const cp = openCheckpoint(note, [log.verifier()]).checkpoint;
        checkConsistency(
          cp,
          latest,
          cp.size > 0 && cp.size < latest.size ? log.consistencyProof(cp.size, latest.size) : [],
        );
      }
      log.close();
    }
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    const key = log.verifier();
    log.close();
    // The offline verifier agrees: the recovered file verifies against the log key.
    const view = openLedgerFile(join(dir, 'ledger.db'));
    const report = await verifyArchive({ log: view, key, bundles: [] });
    view.close();
    expect(report.failures).toEqual([]);
  });
});
