import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIntegrityLog } from '../../exporter/ledger/integrity-log.js';
import { attestOutput } from '../../exporter/ledger/output-attestation-source.js';
import { checkpointSigner } from '../../exporter/ledger/test-support/checkpoint-signer.js';
import { buildIntegrityWorld } from '../../exporter/ledger/test-support/integrity-world.js';
import { finalisedRun, TEST_ORIGIN } from '../../exporter/ledger/test-support/ledger-fixtures.js';
import { openSqlite } from '../../exporter/stores/sqlite/sqlite-driver.js';
import { listArchiveKeys } from './archive-files.js';
import { runVerifyCommand } from './verify-command.js';

let base: string;
let pristine: string;
let attestation: string;
let outputHash: string;
const scratch: string[] = [];

/** Runs the command; returns exit code, stdout and stderr. */
async function verify(args: string[]) {
  let out = '';
  let err = '';
  const stderr = new Writable({
    write(chunk, _enc, done) {
      err += String(chunk);
      done();
    },
  });
  const code = await runVerifyCommand(args, { stdout: (t) => (out += t), stderr });
  return { code, out, err };
}

/** A fresh copy of the pristine data dir to tamper with. */
async function copy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'verify-tamper-'));
  scratch.push(dir);
  await cp(pristine, dir, { recursive: true });
  return dir;
}

function args(dir: string, ...more: string[]) {
  return [
    '--key',
    join(dir, 'log-verifier.pub'),
    '--log',
    join(dir, 'ledger.db'),
    '--archive',
    join(dir, 'archive'),
    ...more,
  ];
}

function sql(dir: string, fn: (db: ReturnType<typeof openSqlite>) => void) {
  const db = openSqlite(join(dir, 'ledger.db'));
  try {
    fn(db);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  const w = await buildIntegrityWorld();
  base = await mkdtemp(join(tmpdir(), 'verify-cmd-'));
  const g = (await w.store.getRun(w.runs.rag1))!;
  outputHash = g.nodes.find((n) => n.kind === 'FinalOutput')!.sha256!;
  const { envelope } = await attestOutput({ log: w.log, store: w.store }, outputHash, { runId: w.runs.rag1 });
  await w.close();
  pristine = join(base, 'data');
  await cp(w.dir, pristine, { recursive: true });
  await rm(w.dir, { recursive: true, force: true });
  attestation = join(base, 'attestation.json');
  await writeFile(attestation, JSON.stringify(envelope));
});
afterAll(async () => {
  for (const d of [base, ...scratch]) await rm(d, { recursive: true, force: true });
});

describe('agent-lineage verify (offline)', () => {
  it('verifies an untouched archive against the log and the public key', async () => {
    const r = await verify(args(pristine));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^OK: 5 bundle\(s\) and 5 log leaves verified against checkpoint lineage\.test\/log size 5/,
    );
  });

  it('names one changed byte of an archived bundle', async () => {
    const dir = await copy();
    const [key] = await listArchiveKeys(join(dir, 'archive'));
    const file = join(dir, 'archive', ...key!.split('/'));
    await chmod(file, 0o644);
    const bytes = await readFile(file);
    bytes[100] = bytes[100]! ^ 1;
    await writeFile(file, bytes);
    const r = await verify(args(dir));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL bundle-hash ${key}:`);
    expect(r.out.match(/^FAIL /gm)).toHaveLength(1);
  });

  it('names one edited log leaf', async () => {
    const dir = await copy();
    sql(dir, (db) => {
      const row = db.prepare('SELECT data FROM leaves WHERE idx = 2').get();
      const text = Buffer.from(row!.data as Uint8Array).toString('utf8');
      const forged = text.replace(/"bundleSha256":"[0-9a-f]{64}"/, `"bundleSha256":"${'0'.repeat(64)}"`);
      db.prepare('UPDATE leaves SET data = ? WHERE idx = 2').run(Buffer.from(forged));
    });
    const r = await verify(args(dir));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL log-leaf leaf 2: leaf 2 \(run [0-9a-f]{32} bundle 0\) bytes do not match/m);
    // The edited leaf no longer matches its bundle nor proves inclusion; nothing else fails.
    expect(new Set(r.out.match(/^FAIL \S+/gm))).toEqual(
      new Set(['FAIL log-leaf', 'FAIL bundle-hash', 'FAIL inclusion']),
    );
  });

  it('names a truncated log (leaves cut below the log checkpoint)', async () => {
    const dir = await copy();
    sql(dir, (db) =>
      db.exec('DELETE FROM leaves WHERE idx = 4; DELETE FROM tree_nodes WHERE level = 2 AND idx = 1'),
    );
    const r = await verify(args(dir));
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL log-truncated log: the log has 4 leaves but its checkpoint covers 5');
  });

  it('names a truncated log rolled back with its checkpoints, against a trusted checkpoint', async () => {
    const dir = await copy();
    const trusted = join(dir, 'trusted.checkpoint');
    let note = '';
    sql(dir, (db) => {
      note = String(db.prepare('SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1').get()!.note);
    });
    await writeFile(trusted, note);
    sql(dir, (db) => {
      // Back to size 4: the last leaf and every later checkpoint go; size 4 gets a (validly signed) checkpoint.
      db.exec('DELETE FROM leaves WHERE idx = 4; DELETE FROM checkpoints WHERE size > 4');
      db.prepare('INSERT OR IGNORE INTO checkpoints(size, note, issued_at_ms) VALUES (4, ?, 0)').run(
        checkpointSigner(dir).sign(4, db),
      );
    });
    const r = await verify(args(dir, '--trusted', trusted));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL checkpoint-consistency \(truncated\) checkpoint:/m);
  });

  it('names a forked checkpoint (same size, other root)', async () => {
    const dir = await copy();
    const forked = join(dir, 'forked.checkpoint');
    await writeFile(forked, checkpointSigner(dir).signRoot(5, new Uint8Array(32).fill(7)));
    const r = await verify(args(dir, '--trusted', forked));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^FAIL checkpoint-consistency \(fork\) checkpoint: .*fork: two different roots for tree size 5/m,
    );
  });

  it('names a checkpoint signed by an unknown key', async () => {
    const dir = await copy();
    const other = checkpointSigner(dir, { foreignKey: true });
    sql(dir, (db) => db.prepare('UPDATE checkpoints SET note = ? WHERE size = 5').run(other.sign(5, db)));
    const r = await verify(args(dir));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL checkpoint-signature \(unknown-key\) checkpoint:/m);
  });

  it('verifies against a given --checkpoint file and reports as JSON', async () => {
    const dir = await copy();
    const file = join(dir, 'given.checkpoint');
    let note = '';
    sql(dir, (db) => {
      note = String(db.prepare('SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1').get()!.note);
    });
    await writeFile(file, note);
    const ok = await verify(args(dir, '--checkpoint', file, '--json'));
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, bundlesChecked: 5, checkpoint: { size: 5 } });
    await writeFile(file, checkpointSigner(dir, { foreignKey: true }).signRoot(5, new Uint8Array(32)));
    const bad = await verify(args(dir, '--checkpoint', file, '--json'));
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).failures).toEqual([
      expect.objectContaining({ check: 'checkpoint-signature', reason: 'unknown-key' }),
    ]);
  });

  it('verifies a single bundle file, and names it when changed', async () => {
    const dir = await copy();
    const [key] = await listArchiveKeys(join(dir, 'archive'));
    const file = join(dir, 'archive', ...key!.split('/'));
    const base = ['--key', join(dir, 'log-verifier.pub'), '--log', join(dir, 'ledger.db'), '--bundle', file];
    expect((await verify(base)).code).toBe(0);
    await chmod(file, 0o644);
    await writeFile(file, `${await readFile(file, 'utf8')} `);
    const r = await verify(base);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL bundle-hash ${key}`);
  });

  it('verifies an output attestation offline and names a tampered one', async () => {
    const key = join(pristine, 'log-verifier.pub');
    const ok = await verify(['--key', key, '--attestation', attestation, '--output-hash', outputHash]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(
      /OK: attestation for output [0-9a-f]{64} of run [0-9a-f]{32} verified, bundle leaf \d+ included/,
    );
    const env = JSON.parse(await readFile(attestation, 'utf8'));
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'));
    statement.predicate.models[0].version = 'gpt-4o-forged';
    const forged = join(base, 'forged.json');
    await writeFile(
      forged,
      JSON.stringify({ ...env, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }),
    );
    const bad = await verify(['--key', key, '--attestation', forged]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^FAIL attestation-signature:/);
  });

  it('exits 2 with usage on bad arguments', async () => {
    const r = await verify(['--log', 'x.db']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--key is required');
  });

  it('draws a progress bar on stderr for large archives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verify-large-'));
    scratch.push(dir);
    const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
    const runs = Array.from({ length: 250 }, (_, i) => finalisedRun(i));
    await log.onFinalised(runs);
    log.close();
    for (const [i, r] of runs.entries()) {
      const file = join(dir, 'archive', ...r.location.key.split('/'));
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, `bundle-${i}-0`);
    }
    const r = await verify(args(dir));
    expect(r.code).toBe(0);
    expect(r.err).toContain('250/250 bundles');
  });
});
