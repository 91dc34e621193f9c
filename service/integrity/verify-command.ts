import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { decodeVerifierKey, type NoteVerifierKey } from '../../exporter/integrity/note-key.js';
import {
  OutputAttestationError,
  verifyOutputAttestation,
} from '../../exporter/integrity/output-attestation.js';
import { openLedgerFile } from '../../exporter/ledger/log-view.js';
import { type VerifyReport, verifyArchive } from '../../exporter/ledger/verify-archive.js';
import { listArchiveKeys, readArchiveFiles } from './archive-files.js';

/** Usage of `agent-lineage verify`. */
export const VERIFY_USAGE = `agent-lineage verify — offline verification of the lineage archive and integrity log

Usage:
  agent-lineage verify --key KEY --log LEDGER_DB (--archive DIR | --bundle FILE)
                       [--checkpoint FILE] [--trusted FILE] [--json] [--no-progress]
  agent-lineage verify --key KEY --attestation FILE [--output-hash HEX] [--json]

  --key          the log's public verifier key (name+id+base64), or a file holding it
                 (the data dir's log-verifier.pub; also served at GET /lineage/log/key)
  --log          the ledger database (data dir's ledger.db); read only, the server may be down
  --archive      archive directory: every bundle is checked, and every logged bundle must exist
  --bundle       one bundle file (its archive key is found from the log)
  --checkpoint   verify against this signed checkpoint instead of the log's latest
  --trusted      a checkpoint you trusted earlier: the log must extend it (no truncation, no fork)
  --attestation  a DSSE output attestation (GET /lineage/outputs/{hash}/attestation)

Exit status: 0 verified, 1 verification failed (each failure is named), 2 usage error.`;

/** Where the command writes (tests pass buffers). */
export interface VerifyIo {
  readonly stdout: (text: string) => void;
  readonly stderr: NodeJS.WritableStream;
}

const optionsSchema = z
  .strictObject({
    key: z.string({ error: '--key is required' }).min(1, '--key is required'),
    log: z.string().optional(),
    archive: z.string().optional(),
    bundle: z.string().optional(),
    checkpoint: z.string().optional(),
    trusted: z.string().optional(),
    attestation: z.string().optional(),
    'output-hash': z
      .string()
      .regex(/^[0-9a-f]{64}$/, '--output-hash must be 64 lowercase hex digits')
      .optional(),
    json: z.boolean().optional(),
    'no-progress': z.boolean().optional(),
    help: z.boolean().optional(),
  })
  .refine((o) => o.attestation !== undefined || o.log !== undefined, '--log is required')
  .refine(
    (o) => o.attestation !== undefined || (o.archive === undefined) !== (o.bundle === undefined),
    'give exactly one of --archive or --bundle',
  );

/** Archives at least this big get a progress bar. */
const PROGRESS_THRESHOLD = 200;

class UsageError extends Error {}

async function readKey(value: string): Promise<NoteVerifierKey> {
  let text = value;
  if (!/^[^\s+]+\+[0-9a-fA-F]{8}\+/.test(value)) {
    text = await fs.readFile(value, 'utf8').catch(() => {
      throw new UsageError(`--key is neither a verifier key nor a readable file: ${value}`);
    });
  }
  try {
    return decodeVerifierKey(text.trim());
  } catch (error) {
    throw new UsageError(`--key is not a valid verifier key: ${String(error)}`);
  }
}

async function readOptional(file: string | undefined, flag: string): Promise<string | undefined> {
  if (file === undefined) return undefined;
  return fs.readFile(file, 'utf8').catch(() => {
    throw new UsageError(`${flag}: cannot read ${file}`);
  });
}

function printReport(report: VerifyReport, io: VerifyIo, asJson: boolean): void {
  if (asJson) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const cp = report.checkpoint;
  const where = cp ? ` against checkpoint ${cp.origin} size ${cp.size} root ${cp.rootHash}` : '';
  if (report.ok) {
    io.stdout(
      `OK: ${report.bundlesChecked} bundle(s) and ${report.leavesChecked} log leaves verified${where}\n`,
    );
    return;
  }
  io.stdout(`FAILED: ${report.failures.length} check(s) failed${where}\n`);
  for (const f of report.failures) {
    io.stdout(`FAIL ${f.check}${f.reason ? ` (${f.reason})` : ''} ${f.target}: ${f.message}\n`);
  }
}

async function verifyAttestation(
  file: string,
  key: NoteVerifierKey,
  outputHash: string | undefined,
  io: VerifyIo,
  asJson: boolean,
): Promise<number> {
  let envelope: unknown;
  try {
    envelope = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--attestation: cannot read JSON from ${file}: ${String(error)}`);
  }
  try {
    const result = verifyOutputAttestation(envelope, key, outputHash ? { outputSha256: outputHash } : {});
    if (asJson) io.stdout(`${JSON.stringify({ ok: true, ...result }, null, 2)}\n`);
    else {
      io.stdout(
        `OK: attestation for output ${result.outputSha256} of run ${result.predicate.runId} verified` +
          (result.inclusionVerified
            ? `, bundle leaf ${result.predicate.log.leafIndex} included in the signed checkpoint\n`
            : ' (no inclusion evidence)\n'),
      );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof OutputAttestationError)) throw error;
    if (asJson)
      io.stdout(`${JSON.stringify({ ok: false, check: error.check, message: error.message }, null, 2)}\n`);
    else io.stdout(`FAIL attestation-${error.check}: ${error.message}\n`);
    return 1;
  }
}

/**
 * `agent-lineage verify`: checks an archive (or one bundle) against the integrity log and
 * the log's public key with no server running, or verifies a DSSE output attestation.
 * Returns the exit status (0 verified, 1 failed, 2 usage error) instead of exiting.
 */
export async function runVerifyCommand(
  argv: readonly string[],
  io: VerifyIo = { stdout: (t) => process.stdout.write(t), stderr: process.stderr },
): Promise<number> {
  try {
    let values: Record<string, unknown>;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          key: { type: 'string' },
          log: { type: 'string' },
          archive: { type: 'string' },
          bundle: { type: 'string' },
          checkpoint: { type: 'string' },
          trusted: { type: 'string' },
          attestation: { type: 'string' },
          'output-hash': { type: 'string' },
          json: { type: 'boolean' },
          'no-progress': { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (values.help) {
      io.stdout(`${VERIFY_USAGE}\n`);
      return 0;
    }
    const parsed = optionsSchema.safeParse(values);
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
    const o = parsed.data;
    const key = await readKey(o.key);
    const asJson = o.json === true;
    if (o.attestation !== undefined)
      return await verifyAttestation(o.attestation, key, o['output-hash'], io, asJson);

    const checkpoint = await readOptional(o.checkpoint, '--checkpoint');
    const trusted = await readOptional(o.trusted, '--trusted');
    let log: ReturnType<typeof openLedgerFile>;
    try {
      log = openLedgerFile(o.log as string);
    } catch (error) {
      throw new UsageError(`--log: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      let keys: string[];
      let root: string;
      if (o.archive !== undefined) {
        root = path.resolve(o.archive);
        keys = await listArchiveKeys(root).catch(() => {
          throw new UsageError(`--archive: cannot read directory ${o.archive}`);
        });
      } else {
        const file = path.resolve(o.bundle as string);
        const normalised = file.split(path.sep).join('/');
        const match = [...log.bundleKeys()].find(
          (b) => normalised === b.key || normalised.endsWith(`/${b.key}`),
        );
        // A bundle the log does not know is still checked, so the failure is reported by name.
        const keyOf = match?.key ?? path.basename(file);
        root = match ? normalised.slice(0, normalised.length - match.key.length) || '/' : path.dirname(file);
        keys = [keyOf];
      }
      const showProgress = o['no-progress'] !== true && keys.length >= PROGRESS_THRESHOLD;
      const bar = showProgress
        ? new cliProgress.SingleBar(
            {
              stream: io.stderr,
              format: 'verifying {bar} {percentage}% | {value}/{total} bundles | eta {eta}s',
              noTTYOutput: true,
              notTTYSchedule: 2000,
              hideCursor: false,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      bar?.start(keys.length, 0);
      let report: VerifyReport;
      try {
        report = await verifyArchive({
          log,
          key,
          ...(checkpoint !== undefined ? { checkpoint } : {}),
          ...(trusted !== undefined ? { trusted } : {}),
          bundles: readArchiveFiles(root, keys),
          expectEveryBundle: o.archive !== undefined,
          onBundle: (done) => bar?.update(done),
        });
      } finally {
        bar?.stop();
      }
      printReport(report, io, asJson);
      return report.ok ? 0 : 1;
    } finally {
      log.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`agent-lineage verify: ${error.message}\n\n${VERIFY_USAGE}\n`);
      return 2;
    }
    io.stderr.write(`agent-lineage verify: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
