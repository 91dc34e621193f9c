import type { Attrs, AttrValue } from '../model/span-view.js';

/** A string attribute (numbers and booleans are stringified; arrays are not). */
export function readStr(attrs: Attrs, key: string): string | undefined {
  const v = attrs[key];
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A numeric attribute (numeric strings accepted, as int64 beyond 2^53 arrives as a string). */
export function readNum(attrs: Attrs, key: string): number | undefined {
  const v = attrs[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A boolean attribute (`"true"`/`"false"` accepted). */
export function readBool(attrs: Attrs, key: string): boolean | undefined {
  const v = attrs[key];
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** A string-array attribute; a single string becomes a one-element list. */
export function readStrList(attrs: Attrs, key: string): string[] | undefined {
  const v = attrs[key];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return [v];
  return undefined;
}

/** Parses a JSON attribute; undefined when absent or not JSON. */
export function readJson(attrs: Attrs, key: string): unknown {
  const v = attrs[key];
  if (typeof v !== 'string') return undefined;
  try {
    return JSON.parse(v);
  } catch {
    // Foreign instrumentations sometimes put plain text where JSON is documented.
    return undefined;
  }
}

/**
 * Groups flattened list attributes: for prefix `llm.input_messages.`, the keys
 * `llm.input_messages.0.message.role` and `llm.input_messages.0.message.content` become
 * `[ [0, { 'message.role': …, 'message.content': … }] ]`, ordered by index.
 */
export function readIndexed(attrs: Attrs, prefix: string): [number, Record<string, AttrValue>][] {
  const groups = new Map<number, Record<string, AttrValue>>();
  for (const key of Object.keys(attrs)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    const indexText = dot < 0 ? rest : rest.slice(0, dot);
    if (!/^\d{1,6}$/.test(indexText)) continue;
    const index = Number(indexText);
    let group = groups.get(index);
    if (group === undefined) {
      group = {};
      groups.set(index, group);
    }
    const value = attrs[key];
    if (value !== undefined) group[dot < 0 ? '' : rest.slice(dot + 1)] = value;
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]);
}

/** A plain object's string field. */
export function fieldStr(obj: unknown, key: string): string | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const v = (obj as Record<string, unknown>)[key];
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** A plain object's numeric field. */
export function fieldNum(obj: unknown, key: string): number | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const v = (obj as Record<string, unknown>)[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}
