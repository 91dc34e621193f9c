/**
 * Heuristic: does a model name pin an exact checkpoint, or is it a moving alias?
 *
 * A name counts as pinned when it carries a date or an explicit version suffix:
 * - an ISO date `2024-08-06`, a compact date `20241022` (also `@20240620`),
 * - a month-year `08-2024` (Cohere) or a four-digit snapshot `-0613` / `-2407`,
 * - a three-digit revision suffix `-002` (Gemini), a `-v1:0` / `-v2` suffix (Bedrock),
 * - a content digest `@sha256:...`.
 * It is an alias (not pinned) when it says `latest` anywhere, or carries none of the above
 * (`gpt-4o`, `claude-3-5-sonnet`, `gemini-1.5-pro`, `llama3:8b`). Fine-tuned names
 * (`ft:gpt-4o-2024-08-06:org::id`) are pinned through their base model's date.
 * OpenAI's embedding models (`text-embedding-3-small`, `-3-large`) are immutable
 * releases with no dated variants, so their names count as pinned.
 * Empty and non-string names are not pinned.
 */
export function isPinnedModelName(name: unknown): boolean {
  if (typeof name !== 'string' || name.length === 0) return false;
  // Every model call asks (for the requested and the answering model), and a process talks
  // to few models: remember the answer. Bounded, and cleared when full.
  let pinned = pinnedNames.get(name);
  if (pinned === undefined) {
    pinned = classify(name);
    if (name.length <= MAX_CACHED_NAME_LENGTH) {
      if (pinnedNames.size >= PINNED_CACHE_LIMIT) pinnedNames.clear();
      pinnedNames.set(name, pinned);
    }
  }
  return pinned;
}

const PINNED_CACHE_LIMIT = 256;
const MAX_CACHED_NAME_LENGTH = 256;
const pinnedNames = new Map<string, boolean>();

function classify(name: string): boolean {
  const lower = name.toLowerCase();
  if (/(^|[^a-z])latest($|[^a-z])/.test(lower)) return false;
  return PINNED_PATTERNS.some((pattern) => pattern.test(lower));
}

const SEP_BEFORE = '(?:^|[-_@.:/])';
const SEP_AFTER = '(?=$|[-_@.:/])';

const PINNED_PATTERNS: readonly RegExp[] = [
  new RegExp(`${SEP_BEFORE}\\d{4}-\\d{2}-\\d{2}${SEP_AFTER}`),
  new RegExp(`${SEP_BEFORE}(?:19|20)\\d{6}${SEP_AFTER}`),
  new RegExp(`${SEP_BEFORE}\\d{2}-20\\d{2}${SEP_AFTER}`),
  new RegExp(`-\\d{4}${SEP_AFTER}`),
  /-\d{3}$/,
  /-v\d+(?::\d+)?$/,
  /@sha256:[0-9a-f]{16,}/,
  /^text-embedding-3-(?:small|large)$/,
];
