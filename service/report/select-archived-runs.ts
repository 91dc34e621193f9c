import type { ArchiveStore } from '../../exporter/ports/archive-store.js';

const DAY_MS = 86_400_000;

/** What the archive listing found for a date range. */
export interface ArchivedRunSelection {
  /** Distinct run ids, in key order. */
  readonly runIds: string[];
  /** Keys whose run id cannot be recovered (the archive shortened an over-long id). */
  readonly unresolvedKeys: string[];
}

/**
 * Run ids archived on the UTC days from `fromMs` to `toMs`. Archive keys are
 * `{yyyy}/{mm}/{dd}/{agent}/{run}.jsonld` (supplementary bundles `{run}.{n}.jsonld`), dated
 * by the run start, with the run id percent-escaped (dots included) and ids longer than the
 * component limit cut and suffixed `~{hash}`. Listing each day's prefix therefore finds
 * every finalised run that started in the window. Stops after `max + 1` distinct ids so
 * callers can tell "too many" without listing everything.
 */
export async function selectArchivedRuns(
  archive: Pick<ArchiveStore, 'list'>,
  fromMs: number,
  toMs: number,
  max: number,
): Promise<ArchivedRunSelection> {
  const ids = new Set<string>();
  const unresolved: string[] = [];
  for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day <= toMs; day += DAY_MS) {
    const prefix = new Date(day).toISOString().slice(0, 10).replaceAll('-', '/');
    for await (const key of archive.list(prefix)) {
      const name = key.slice(key.lastIndexOf('/') + 1);
      const m = /^([^.]+)(?:\.\d+)?\.jsonld$/.exec(name);
      const component = m?.[1];
      if (!component) continue;
      const runId = component.includes('~') ? undefined : decode(component);
      if (runId === undefined) unresolved.push(key);
      else ids.add(runId);
      if (ids.size > max) return { runIds: [...ids], unresolvedKeys: unresolved };
    }
  }
  return { runIds: [...ids], unresolvedKeys: unresolved };
}

function decode(component: string): string | undefined {
  try {
    return decodeURIComponent(component);
  } catch {
    // Not an escape the archive writes: the key is reported as unresolved, not dropped.
    return undefined;
  }
}
