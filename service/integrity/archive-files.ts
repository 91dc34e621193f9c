import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BundleFile } from '../../exporter/ledger/verify-archive.js';

/**
 * Archive keys of every bundle under an archive directory (`yyyy/mm/dd/agent/run[.n].jsonld`),
 * sorted, with `/` separators. Hidden files (the store's `.…tmp` files) are skipped.
 */
export async function listArchiveKeys(root: string): Promise<string[]> {
  const keys: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const key = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(dir, e.name), key);
      else if (e.isFile() && e.name.endsWith('.jsonld')) keys.push(key);
    }
  };
  await walk(path.resolve(root), '');
  return keys.sort();
}

/** Reads the listed bundles lazily, one at a time (an archive may not fit in memory). */
export async function* readArchiveFiles(root: string, keys: readonly string[]): AsyncGenerator<BundleFile> {
  for (const key of keys) {
    yield { key, bytes: new Uint8Array(await fs.readFile(path.join(root, ...key.split('/')))) };
  }
}
