import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type AccessLog,
  type AccessLogEntry,
  type AccessLogPage,
  accessLogEntrySchema,
  InvalidCursorError,
} from './access-log.js';

const CHUNK = 64 * 1024;

/**
 * Access log as an append-only JSON-lines file. Each append is one `write` on a file
 * opened with O_APPEND followed by `fsync`, serialised through a queue so lines never
 * interleave. The read cursor is the byte offset of the next line, encoded base64url.
 * A torn last line (crash mid-write) has no trailing newline and is skipped by readers.
 */
export class FileAccessLog implements AccessLog {
  readonly #path: string;
  #handle: Promise<FileHandle> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(path: string) {
    this.#path = path;
  }

  /** Opens (creating when absent) the log at `path`. */
  static async open(path: string): Promise<FileAccessLog> {
    const log = new FileAccessLog(path);
    await log.#fd();
    return log;
  }

  #fd(): Promise<FileHandle> {
    this.#handle ??= openForAppend(this.#path);
    return this.#handle;
  }

  append(entry: AccessLogEntry): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('access log is closed'));
    const line = Buffer.from(`${JSON.stringify(accessLogEntrySchema.parse(entry))}\n`, 'utf8');
    const next = this.#queue.then(async () => {
      const fd = await this.#fd();
      await fd.write(line);
      await fd.sync();
    });
    // Keep the queue alive after a failure; the caller still sees the rejection.
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async read(options: { cursor?: string; limit: number }): Promise<AccessLogPage> {
    const start = options.cursor === undefined ? 0 : decodeCursor(options.cursor);
    await this.#fd();
    const reader = await open(this.#path, 'r');
    try {
      const { size } = await reader.stat();
      if (start > size) throw new InvalidCursorError(options.cursor ?? '');
      const items: AccessLogEntry[] = [];
      let corruptLines = 0;
      let offset = start;
      let pending = Buffer.alloc(0);
      let pendingStart = start;
      while (items.length < options.limit && offset < size) {
        const buf = Buffer.alloc(Math.min(CHUNK, size - offset));
        const { bytesRead } = await reader.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        pending = Buffer.concat([pending, buf.subarray(0, bytesRead)]);
        let nl = pending.indexOf(0x0a);
        while (nl >= 0 && items.length < options.limit) {
          const line = pending.subarray(0, nl).toString('utf8');
          pendingStart += nl + 1;
          pending = pending.subarray(nl + 1);
          if (line.length > 0) {
            const entry = parseLine(line);
            if (entry) items.push(entry);
            else corruptLines += 1;
          }
          nl = pending.indexOf(0x0a);
        }
      }
      // More complete lines may follow when we stopped on the limit.
      const more = items.length === options.limit && pendingStart < size;
      return {
        items,
        ...(more ? { nextCursor: encodeCursor(pendingStart) } : {}),
        ...(corruptLines > 0 ? { corruptLines } : {}),
      };
    } finally {
      await reader.close();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle).close();
  }
}

/**
 * Opens for append; when a crash left a torn last line, terminates it with a newline first
 * so the next entry starts on its own line (the torn line is then reported as corrupt).
 */
async function openForAppend(path: string): Promise<FileHandle> {
  await mkdir(dirname(path), { recursive: true });
  const fd = await open(path, 'a+', 0o600);
  const { size } = await fd.stat();
  if (size > 0) {
    const last = Buffer.alloc(1);
    await fd.read(last, 0, 1, size - 1);
    if (last[0] !== 0x0a) {
      await fd.write('\n');
      await fd.sync();
    }
  }
  return fd;
}

function parseLine(line: string): AccessLogEntry | undefined {
  try {
    const parsed = accessLogEntrySchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Not JSON: a torn line sealed at open; counted by the caller as corrupt, never hidden.
    return undefined;
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^o:(\d{1,15})$/.exec(text);
  if (!m?.[1]) throw new InvalidCursorError(cursor);
  return Number(m[1]);
}
