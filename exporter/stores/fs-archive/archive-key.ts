import { createHash } from 'node:crypto';
import type { ArchivePutRequest } from '../../ports/archive-store.js';

/** Longest key component written (bytes); longer values are truncated with a hash suffix. */
export const MAX_COMPONENT_LENGTH = 120;

const SAFE = /^[A-Za-z0-9._-]$/;
const utf8 = new TextEncoder();

function escapeChar(ch: string): string {
  let out = '';
  for (const byte of utf8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * Makes one untrusted id (agent id, run id) safe as a single path component on any
 * POSIX or Windows filesystem.
 *
 * - Characters outside `[A-Za-z0-9._-]` become `%XX` per UTF-8 byte, `%` included, so
 *   slashes, backslashes, NUL, controls, `:` and every non-ASCII (homoglyphs, RTL marks,
 *   NFC/NFD variants) are neutralised and the mapping stays injective.
 * - A leading `.` is escaped, so no component is `.`, `..` or a hidden name (temp files
 *   of the store start with `.`); `escapeAllDots` escapes every dot (run ids, so
 *   `run.1` cannot collide with the supplementary bundle 1 of `run`).
 * - The empty string becomes `~empty` and values longer than {@link MAX_COMPONENT_LENGTH}
 *   are cut and suffixed `~{sha256 prefix}` of the original; `~` never occurs otherwise.
 */
export function sanitiseKeyComponent(value: string, escapeAllDots = false): string {
  if (value === '') return '~empty';
  let out = '';
  let first = true;
  for (const ch of value) {
    const dot = ch === '.' && (first || escapeAllDots);
    out += SAFE.test(ch) && !dot ? ch : escapeChar(ch);
    first = false;
  }
  if (out.length <= MAX_COMPONENT_LENGTH) return out;
  const digest = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32);
  let cut = MAX_COMPONENT_LENGTH - digest.length - 1;
  // Never split a %XX escape: back up to the escape's start.
  const pct = out.lastIndexOf('%', cut);
  if (pct > cut - 3) cut = pct;
  return `${out.slice(0, cut)}~${digest}`;
}

/**
 * The archive key of a bundle: `{yyyy}/{mm}/{dd}/{agent-id}/{run-id}.jsonld`, or
 * `{run-id}.{n}.jsonld` for supplementary bundle n, with the UTC date of the run start
 * and every id component sanitised.
 */
export function archiveKey(
  request: Pick<ArchivePutRequest, 'runId' | 'agentId' | 'runStartMs' | 'sequence'>,
): string {
  const { runStartMs, sequence } = request;
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new RangeError(`archive sequence must be a non-negative integer, got ${sequence}`);
  }
  const date = new Date(runStartMs);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(runStartMs) || Number.isNaN(date.getTime()) || year < 1970 || year > 9999) {
    throw new RangeError(`runStartMs ${runStartMs} is not a usable run start time`);
  }
  const yyyy = String(year).padStart(4, '0');
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(date.getUTCDate()).padStart(2, '0');
  const agent = sanitiseKeyComponent(request.agentId);
  const run = sanitiseKeyComponent(request.runId, true);
  const file = sequence === 0 ? `${run}.jsonld` : `${run}.${sequence}.jsonld`;
  return `${yyyy}/${mm}/${dd}/${agent}/${file}`;
}

/**
 * Splits a store-relative key or prefix into validated segments, refusing anything that
 * a sanitised key cannot contain (absolute paths, `..`, `.`, empty segments, hidden
 * names, NUL, backslashes, characters outside the key alphabet).
 */
export function parseKeyPath(key: string, allowEmpty: boolean): string[] {
  if (key === '' && allowEmpty) return [];
  const segments = key.split('/');
  for (const s of segments) {
    if (s === '' || s.startsWith('.') || !/^[A-Za-z0-9._%~-]+$/.test(s)) {
      throw new RangeError(`invalid archive key ${JSON.stringify(key)}`);
    }
  }
  return segments;
}
