import { createHash, randomBytes } from 'node:crypto';
import { constants, type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import {
  ArchiveConflictError,
  type ArchiveLocation,
  type ArchivePutRequest,
  type ArchiveStore,
} from '../../ports/archive-store.js';
import { archiveKey, parseKeyPath } from './archive-key.js';

/** Options of {@link FsArchiveStore}. */
export interface FsArchiveStoreOptions {
  /** Root directory of the archive; created on first put. */
  readonly root: string;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/**
 * Filesystem ArchiveStore (the embedded default). Each document is written once:
 * a temp file in the target directory is written and fsynced, then hard-linked to its
 * final name — `link` fails with EEXIST instead of replacing, so concurrent or repeated
 * puts can never overwrite — then the directory is fsynced and the file made read-only.
 * A put of identical bytes to an existing key returns the existing location; different
 * bytes raise ArchiveConflictError.
 *
 * Every path is derived from sanitised components and checked (after resolving
 * symlinks) to stay under the root. Temp files start with `.` and end in `.tmp`; names
 * are random, so one left by a crash never blocks a later put and `list` never shows it.
 */
export class FsArchiveStore implements ArchiveStore {
  readonly #root: string;
  #closed = false;

  constructor(options: FsArchiveStoreOptions) {
    this.#root = path.resolve(options.root);
  }

  /** Writes a bundle under its key, once. */
  async put(request: ArchivePutRequest): Promise<ArchiveLocation> {
    this.#assertOpen();
    const key = archiveKey(request);
    const segments = parseKeyPath(key, false);
    const fileName = segments.pop()!;
    const dir = this.#resolveInside(segments);
    const firstCreated = await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    await this.#assertRealPathInside(dir);
    // New directories are entries in their parents: make them durable too.
    if (firstCreated !== undefined) await fsyncNewDirs(path.dirname(firstCreated), dir);
    const finalPath = path.join(dir, fileName);
    const body = request.body;
    const location: ArchiveLocation = { key, sha256: sha256(body), size: body.byteLength };

    const existing = await this.#readIfExists(finalPath);
    if (existing !== undefined) return this.#existing(finalPath, existing, body, location);

    const tempPath = path.join(dir, `.${fileName}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
    let linked = false;
    try {
      const handle = await fs.open(
        tempPath,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
        0o600,
      );
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.link(tempPath, finalPath);
        linked = true;
      } catch (error) {
        // Another put won the race (or a crash left the key): compare with what it wrote.
        if (!isErrno(error, 'EEXIST')) throw error;
      }
    } finally {
      await fs.rm(tempPath, { force: true });
    }
    if (!linked) return this.#existing(finalPath, await fs.readFile(finalPath), body, location);
    await fs.chmod(finalPath, 0o444);
    await fsyncDir(dir);
    return location;
  }

  /** Reads a document by key; the filesystem keeps no versions, so `version` must be absent. */
  async get(key: string, version?: string): Promise<Uint8Array> {
    this.#assertOpen();
    if (version !== undefined) throw new RangeError('the filesystem archive has no object versions');
    const file = this.#resolveInside(parseKeyPath(key, false));
    await this.#assertRealPathInside(file);
    return new Uint8Array(await fs.readFile(file));
  }

  /**
   * Keys under a prefix of whole segments (`yyyy`, `yyyy/mm`, `yyyy/mm/dd`,
   * `yyyy/mm/dd/{sanitised agent}`), depth-first with every directory sorted by code unit.
   */
  async *list(prefix = ''): AsyncIterable<string> {
    this.#assertOpen();
    const segments = parseKeyPath(prefix.replace(/\/+$/, ''), true);
    const start = this.#resolveInside(segments);
    try {
      await this.#assertRealPathInside(start);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    yield* walk(start, segments.join('/'));
  }

  /** Marks the store closed; later calls reject. Nothing is held open between calls. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('FsArchiveStore is closed');
  }

  #resolveInside(segments: readonly string[]): string {
    const resolved = path.resolve(this.#root, ...segments);
    const rel = path.relative(this.#root, resolved);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new RangeError(`archive path escapes the root: ${segments.join('/')}`);
    }
    return resolved;
  }

  /** Refuses paths that leave the root through a symlink planted inside it. */
  async #assertRealPathInside(p: string): Promise<void> {
    const [realRoot, realPath] = await Promise.all([fs.realpath(this.#root), fs.realpath(p)]);
    const rel = path.relative(realRoot, realPath);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new RangeError(`archive path resolves outside the root: ${p}`);
    }
  }

  async #readIfExists(file: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(file);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  /**
   * The key already holds a document: same bytes → its location; else a conflict. A
   * writer that crashed between link and chmod left it writable, so re-assert read-only.
   */
  async #existing(
    file: string,
    existing: Uint8Array,
    body: Uint8Array,
    location: ArchiveLocation,
  ): Promise<ArchiveLocation> {
    if (!sameBytes(existing, body)) throw new ArchiveConflictError(location.key);
    if (((await fs.stat(file)).mode & 0o222) !== 0) await fs.chmod(file, 0o444);
    return location;
  }
}

/** Makes a new directory entry durable (POSIX needs the directory itself fsynced). */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs `from` and every directory below it on the way to `to` (inclusive). */
async function fsyncNewDirs(from: string, to: string): Promise<void> {
  const rel = path.relative(from, to);
  let current = from;
  await fsyncDir(current);
  for (const segment of rel === '' ? [] : rel.split(path.sep)) {
    current = path.join(current, segment);
    await fsyncDir(current);
  }
}

async function* walk(dir: string, keyPrefix: string): AsyncIterable<string> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return;
    throw error;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    // Temp files and anything hidden are never archive documents.
    if (entry.name.startsWith('.')) continue;
    const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
    if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), key);
    else if (entry.isFile() && entry.name.endsWith('.jsonld')) yield key;
  }
}
