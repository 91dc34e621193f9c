import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveConflictError, type ArchivePutRequest } from '../../ports/archive-store.js';
import { FsArchiveStore } from './fs-archive-store.js';

const START = Date.UTC(2026, 10, 24, 9, 30);
const utf8 = new TextEncoder();

let base: string;
let root: string;
let store: FsArchiveStore;

function request(overrides: Partial<ArchivePutRequest> = {}): ArchivePutRequest {
  return {
    runId: 'run-1',
    agentId: 'loan-agent',
    runStartMs: START,
    sequence: 0,
    body: utf8.encode('{"a":1}'),
    ...overrides,
  };
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.relative(base, path.join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

async function collect(iter: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of iter) out.push(k);
  return out;
}

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'fs-archive-'));
  root = path.join(base, 'archive');
  store = new FsArchiveStore({ root });
});

afterEach(async () => {
  await store.close();
  // Files are read-only; the directories are not, so rm can still remove them.
  await fs.rm(base, { recursive: true, force: true });
});

describe('FsArchiveStore', () => {
  it('puts under the dated key, reads back the bytes and reports hash and size', async () => {
    const loc = await store.put(request());
    expect(loc).toEqual({
      key: '2026/11/24/loan-agent/run-1.jsonld',
      sha256: '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
      size: 7,
    });
    expect(new TextDecoder().decode(await store.get(loc.key))).toBe('{"a":1}');
  });

  it('writes supplementary bundles beside the main one', async () => {
    await store.put(request());
    const loc = await store.put(request({ sequence: 2, body: utf8.encode('{"late":true}') }));
    expect(loc.key).toBe('2026/11/24/loan-agent/run-1.2.jsonld');
  });

  it('makes documents read-only', async () => {
    const loc = await store.put(request());
    const stat = await fs.stat(path.join(root, loc.key));
    expect(stat.mode & 0o777).toBe(0o444);
  });

  it('returns the existing location for identical bytes and refuses different bytes', async () => {
    const first = await store.put(request());
    await expect(store.put(request())).resolves.toEqual(first);
    await expect(store.put(request({ body: utf8.encode('{"a":2}') }))).rejects.toBeInstanceOf(
      ArchiveConflictError,
    );
    expect(new TextDecoder().decode(await store.get(first.key))).toBe('{"a":1}');
  });

  it('lets exactly one of concurrent different puts of a key win, leaving no temp files', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => utf8.encode(`{"writer":${i}}`));
    const results = await Promise.allSettled(bodies.map((body) => store.put(request({ body }))));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(11);
    for (const r of lost) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ArchiveConflictError);
    const stored = new TextDecoder().decode(await store.get('2026/11/24/loan-agent/run-1.jsonld'));
    const winner = bodies.findIndex((b) => new TextDecoder().decode(b) === stored);
    expect(results[winner]?.status).toBe('fulfilled');
    expect(await allFiles(base)).toEqual(['archive/2026/11/24/loan-agent/run-1.jsonld']);
  });

  it('resolves concurrent identical puts to one document', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(request())));
    expect(new Set(results.map((r) => r.key)).size).toBe(1);
    expect(await allFiles(base)).toEqual(['archive/2026/11/24/loan-agent/run-1.jsonld']);
  });

  it('is not blocked by a stale temp file left by a crash, and never lists it', async () => {
    const dir = path.join(root, '2026/11/24/loan-agent');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, '.run-1.jsonld.999.deadbeefdeadbeef.tmp'), 'partial');
    await fs.writeFile(path.join(dir, '.run-1.jsonld.tmp'), 'partial');
    const loc = await store.put(request());
    expect(new TextDecoder().decode(await store.get(loc.key))).toBe('{"a":1}');
    expect(await collect(store.list())).toEqual([loc.key]);
  });

  it('completes a document a crashed writer linked but left writable', async () => {
    const dir = path.join(root, '2026/11/24/loan-agent');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'run-1.jsonld'), '{"a":1}', { mode: 0o600 });
    await expect(store.put(request())).resolves.toMatchObject({ key: '2026/11/24/loan-agent/run-1.jsonld' });
    expect((await fs.stat(path.join(dir, 'run-1.jsonld'))).mode & 0o777).toBe(0o444);
  });

  it('keeps hostile agent and run ids inside the root', async () => {
    const hostile = [
      '..',
      '../..',
      '../../../../tmp/escape',
      '/etc/passwd',
      '..\\..\\x',
      'a\u0000b',
      '\u202e..',
      '',
      '.',
    ];
    for (const agentId of hostile) {
      for (const runId of hostile) {
        const loc = await store.put(request({ agentId, runId, body: utf8.encode(`${agentId}|${runId}`) }));
        expect(loc.key.split('/')).toHaveLength(5);
        const resolved = path.resolve(root, loc.key);
        expect(resolved.startsWith(`${root}${path.sep}`)).toBe(true);
      }
    }
    const files = await allFiles(base);
    expect(files).toHaveLength(hostile.length * hostile.length);
    for (const f of files)
      expect(f.startsWith(`archive${path.sep}2026${path.sep}11${path.sep}24${path.sep}`)).toBe(true);
    // Distinct ids never collapsed onto one key.
    expect((await collect(store.list('2026/11/24'))).length).toBe(files.length);
  });

  it('refuses get and list paths that would leave the root', async () => {
    await fs.writeFile(path.join(base, 'secret.jsonld'), 'secret');
    for (const key of [
      '../secret.jsonld',
      '2026/../../secret.jsonld',
      '/etc/passwd',
      `${base}/secret.jsonld`,
      'a\\..\\b',
    ]) {
      await expect(store.get(key)).rejects.toThrow(RangeError);
    }
    await expect(collect(store.list('..'))).rejects.toThrow(RangeError);
    await expect(store.get('2026/11/24/a/r.jsonld', 'v1')).rejects.toThrow(RangeError);
  });

  it('refuses to follow a symlink planted inside the root', async () => {
    const outside = path.join(base, 'outside');
    await fs.mkdir(outside);
    await fs.mkdir(path.join(root, '2026/11/24'), { recursive: true });
    await fs.symlink(outside, path.join(root, '2026/11/24/loan-agent'));
    await expect(store.put(request())).rejects.toThrow(/outside the root/);
    expect(await fs.readdir(outside)).toEqual([]);
  });

  it('lists keys under a prefix, sorted', async () => {
    const day = (d: number) => Date.UTC(2026, 10, d, 12);
    await store.put(request({ runId: 'b', runStartMs: day(24) }));
    await store.put(request({ runId: 'a', runStartMs: day(24) }));
    await store.put(request({ runId: 'a', runStartMs: day(24), sequence: 1 }));
    await store.put(request({ runId: 'z', agentId: 'other', runStartMs: day(2) }));
    expect(await collect(store.list())).toEqual([
      '2026/11/02/other/z.jsonld',
      '2026/11/24/loan-agent/a.1.jsonld',
      '2026/11/24/loan-agent/a.jsonld',
      '2026/11/24/loan-agent/b.jsonld',
    ]);
    expect(await collect(store.list('2026/11/02'))).toEqual(['2026/11/02/other/z.jsonld']);
    expect(await collect(store.list('2026/11/24/loan-agent/'))).toHaveLength(3);
    expect(await collect(store.list('2025'))).toEqual([]);
  });

  it('rejects calls after close', async () => {
    await store.close();
    await expect(store.put(request())).rejects.toThrow(/closed/);
  });
});
