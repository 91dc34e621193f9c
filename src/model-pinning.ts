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
