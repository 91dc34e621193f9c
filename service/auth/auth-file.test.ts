import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthFileError, loadAuthFile, parseAuthFile } from './auth-file.js';
import { createKeyVerifier, tokenSha256 } from './key-verifier.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-auth-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const H = tokenSha256('secret-1');

describe('loadAuthFile', () => {
  it('loads keys and converts auditor windows to epoch ms', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(
      path,
      JSON.stringify({
        keys: [
          { id: 'eng', sha256: H.toUpperCase(), role: 'engineering' },
          {
            id: 'aud',
            sha256: tokenSha256('secret-2'),
            role: 'auditor',
            scope: { runs: ['r1'], from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00+01:00' },
          },
        ],
      }),
    );
    const keys = await loadAuthFile(path);
    expect(keys[0]).toEqual({ id: 'eng', sha256: H, role: 'engineering' });
    expect(keys[1]?.scope).toEqual({
      runs: ['r1'],
      fromMs: Date.parse('2026-01-01T00:00:00Z'),
      toMs: Date.parse('2026-01-31T23:00:00Z'),
    });
  });

  it('fails with the file name for a missing file and for bad JSON', async () => {
    await expect(loadAuthFile(join(dir, 'missing.json'))).rejects.toThrow(
      /missing\.json: cannot be read \(ENOENT\)/,
    );
    const path = join(dir, 'bad.json');
    await writeFile(path, '{"keys": [');
    await expect(loadAuthFile(path)).rejects.toThrow(AuthFileError);
    await expect(loadAuthFile(path)).rejects.toThrow(/is not valid JSON/);
  });

  it.each([
    [{}, /keys/],
    [{ keys: [] }, /keys/],
    [
      { keys: [{ id: 'a', sha256: 'xyz', role: 'engineering' }] },
      /keys\.0\.sha256: must be the 64-hex-digit SHA-256/,
    ],
    [{ keys: [{ id: 'a', sha256: H, role: 'admin' }] }, /keys\.0\.role/],
    [{ keys: [{ id: 'a', sha256: H, role: 'auditor' }] }, /auditor keys need a scope/],
    [{ keys: [{ id: 'a', sha256: H, role: 'auditor', scope: {} }] }, /must name runs and\/or a time window/],
    [
      { keys: [{ id: 'a', sha256: H, role: 'compliance', scope: { runs: ['x'] } }] },
      /only allowed on auditor keys/,
    ],
    [
      { keys: [{ id: 'a', sha256: H, role: 'auditor', scope: { from: 'last week' } }] },
      /scope\.from: must be an ISO 8601/,
    ],
    [
      {
        keys: [
          {
            id: 'a',
            sha256: H,
            role: 'auditor',
            scope: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
          },
        ],
      },
      /from must not be after/,
    ],
    [
      {
        keys: [
          { id: 'a', sha256: H, role: 'engineering' },
          { id: 'a', sha256: tokenSha256('other'), role: 'compliance' },
        ],
      },
      /duplicate key id a/,
    ],
    [
      {
        keys: [
          { id: 'a', sha256: H, role: 'engineering' },
          { id: 'b', sha256: H, role: 'compliance' },
        ],
      },
      /duplicate token hash/,
    ],
    [{ keys: [{ id: 'a', sha256: H, role: 'engineering', token: 'plain' }] }, /token/],
  ])('rejects %j with a clear message', (value, message) => {
    expect(() => parseAuthFile(value, 'keys.json')).toThrow(message);
  });
});

describe('createKeyVerifier', () => {
  const verify = createKeyVerifier(parseAuthFile({ keys: [{ id: 'eng', sha256: H, role: 'engineering' }] }));

  it('accepts the token whose SHA-256 is listed and nothing else', () => {
    expect(verify('secret-1')).toEqual({ keyId: 'eng', role: 'engineering' });
    expect(verify('secret-2')).toBeUndefined();
    expect(verify('')).toBeUndefined();
    expect(verify(H)).toBeUndefined();
    expect(verify('x'.repeat(5000))).toBeUndefined();
  });
});
