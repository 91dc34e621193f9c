/**
 * Runs test/python/check_prov.py (rdflib + python prov) over bundle files. Fails loudly,
 * never skips, when the Debian interpreter or its packages are missing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Debian interpreter: `python3` on PATH is a pyenv build that cannot see apt modules. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Path of the checker script. */
export const CHECK_PROV_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/python/check_prov.py',
);

const MISSING =
  'PROV validity tests need /usr/bin/python3 with the Debian packages python3-rdflib and python3-prov: ' +
  'apt-get update && apt-get install -y --no-install-recommends python3-prov python3-rdflib';

/** What check_prov.py prints. */
export interface CheckProvResult {
  readonly bundles: readonly {
    readonly file: string;
    readonly iri: string;
    readonly runId: string;
    readonly sequence: number | null;
    readonly supplements: string | null;
    readonly triples: number;
  }[];
  /** PROV record counts per bundle IRI, as the prov package decoded them. */
  readonly prov: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Per FinalOutput node id: its hash, run and the DataSources the SPARQL query reached. */
  readonly lineage: Readonly<
    Record<
      string,
      {
        readonly sha256: string | null;
        readonly runId: string | null;
        readonly sources: readonly { readonly id: string; readonly sha256: string | null }[];
      }
    >
  >;
  readonly errors: readonly string[];
}

/**
 * Runs the checker over files; resolves with its report (check `errors`), rejects when it
 * cannot run. `interpreterArgs` only serves the test that proves the missing-module
 * message (`-S` hides the Debian dist-packages).
 */
export function checkProv(
  files: readonly string[],
  interpreterArgs: readonly string[] = [],
): Promise<CheckProvResult> {
  if (!existsSync(SYSTEM_PYTHON)) return Promise.reject(new Error(`${MISSING} (no ${SYSTEM_PYTHON})`));
  return new Promise((resolve, reject) => {
    execFile(
      SYSTEM_PYTHON,
      [...interpreterArgs, CHECK_PROV_SCRIPT, ...files],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
        if (code === 3) return reject(new Error(`${MISSING}\n${stderr}`));
        if (code !== 0 && code !== 1) return reject(new Error(`check_prov.py failed (${code}): ${stderr}`));
        try {
          resolve(JSON.parse(stdout) as CheckProvResult);
        } catch (parseError) {
          reject(new Error(`check_prov.py printed no JSON (${String(parseError)}): ${stderr}`));
        }
      },
    );
  });
}
