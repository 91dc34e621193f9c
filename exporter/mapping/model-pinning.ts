/**
 * Does a model name pin an exact checkpoint? Foreign spans carry no
 * `lineage.model.pinned`, so the mapping applies the same rule as our SDK: a date
 * (`2024-08-06`, `20241022`), a four-digit snapshot (`-0613`), a three-digit revision
 * (`-002`), a `-vN` suffix or a digest pins it; `latest` anywhere, or none of these, is
 * an alias.
 */
export function looksPinned(model: string): boolean {
  const lower = model.toLowerCase();
  if (/(^|[^a-z])latest($|[^a-z])/.test(lower)) return false;
  return [
    /(?:^|[-_@.:/])\d{4}-\d{2}-\d{2}(?=$|[-_@.:/])/,
    /(?:^|[-_@.:/])(?:19|20)\d{6}(?=$|[-_@.:/])/,
    /(?:^|[-_@.:/])\d{2}-20\d{2}(?=$|[-_@.:/])/,
    /-\d{4}(?=$|[-_@.:/])/,
    /-\d{3}$/,
    /-v\d+(?::\d+)?$/,
    /@sha256:[0-9a-f]{16,}/,
  ].some((p) => p.test(lower));
}
