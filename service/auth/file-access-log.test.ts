import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessLogEntry } from './access-log.js';
import { FileAccessLog } from './file-access-log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-access-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const entry = (n: number): AccessLogEntry => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  keyId: 'aud',
  method: 'GET',
  path: `/lineage/runs/${n}`,
  status: n % 2 === 0 ? 200 : 403,
  decision: n % 2 === 0 ? 'allowed' : 'denied',
});

describe('FileAccessLog', () => {
  it('appends JSON lines (concurrent appends never interleave) and pages them back in order', async () => {
    const path = join(dir, 'a', 'access.jsonl');
    const log = await FileAccessLog.open(path);
    await Promise.all(Array.from({ length: 25 }, (_, i) => log.append(entry(i))));
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(25);
    const read: AccessLogEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await log.read({ limit: 4, ...(cursor ? { cursor } : {}) });
      read.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(read).toEqual(Array.from({ length: 25 }, (_, i) => entry(i)));
    await log.close();
    await expect(log.append(entry(99))).rejects.toThrow(/closed/);
  });

  it('survives a torn last line: seals it on open and reports it as corrupt', async () => {
    const path = join(dir, 'torn.jsonl');
    const log = await FileAccessLog.open(path);
    await log.append(entry(0));
    await log.close();
    await appendFile(path, '{"time":"2026-01-01T00:0');
    const reopened = await FileAccessLog.open(path);
    await reopened.append(entry(2));
    const page = await reopened.read({ limit: 10 });
    expect(page.items).toEqual([entry(0), entry(2)]);
    expect(page.corruptLines).toBe(1);
    await reopened.close();
  });

  it('rejects cursors it did not issue', async () => {
    const log = await FileAccessLog.open(join(dir, 'c.jsonl'));
    await expect(log.read({ limit: 1, cursor: 'bogus' })).rejects.toThrow(/invalid cursor/);
    await expect(
      log.read({ limit: 1, cursor: Buffer.from('o:999999').toString('base64url') }),
    ).rejects.toThrow(/invalid cursor/);
    await log.close();
  });
});
