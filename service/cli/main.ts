import { parseArgs } from 'node:util';
import { addKeyToFile, type Role } from './create-key.js';
import { resolveServeConfig, SERVE_SETTINGS } from './serve-config.js';

const USAGE = `agent-lineage — provenance and lineage for AI agent outputs

Usage:
  agent-lineage serve [options]      OTLP receiver + Lineage API + SQLite + archive in one process
  agent-lineage keys add --file F --role engineering|compliance|auditor [--id NAME]
                         [--runs ID,ID] [--from ISO] [--to ISO]
                                     add an API key to an auth file and print its token once
  agent-lineage verify --help         offline check of archived bundles, inclusion proofs,
                                     signed checkpoints and attestations
  agent-lineage log-key --help        print the public key that verifies signed checkpoints
  agent-lineage help

serve options (each also as an environment variable):
${SERVE_SETTINGS.map((s) => `  --${s.flag.padEnd(18)} ${s.env.padEnd(24)} ${s.help}`).join('\n')}
`;

function fail(message: string): never {
  throw Object.assign(new Error(message), { exitCode: 2 });
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: Object.fromEntries(
      SERVE_SETTINGS.map((s) => [
        s.flag,
        s.key === 'captureContent' ? { type: 'boolean' } : { type: 'string' },
      ]),
    ) as Record<string, { type: 'string' | 'boolean' }>,
    strict: true,
  });
  const config = resolveServeConfig(values, process.env);
  const { startServer } = await import('../server/start-server.js');
  const server = await startServer(config, { log: (line) => console.log(line) });
  let stopping = false;
  const stop = (signal: string) => {
    // A terminal's Ctrl-C reaches this process twice (from the TTY and forwarded by the
    // launcher): later signals must not cut the graceful shutdown short.
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: finishing in-flight batches…`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
}

function keys(args: string[]): void {
  const [action, ...rest] = args;
  if (action !== 'add')
    fail(`unknown keys action "${action ?? ''}"; use: agent-lineage keys add --file F --role ROLE`);
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: 'string' },
      role: { type: 'string' },
      id: { type: 'string' },
      runs: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
    strict: true,
  });
  if (!values.file) fail('--file is required (the auth file to create or extend)');
  const role = values.role as Role | undefined;
  if (role !== 'engineering' && role !== 'compliance' && role !== 'auditor') {
    fail('--role must be engineering, compliance or auditor');
  }
  const scoped = values.runs !== undefined || values.from !== undefined || values.to !== undefined;
  if (scoped && role !== 'auditor') fail('--runs/--from/--to apply to auditor keys only');
  for (const t of [values.from, values.to]) {
    if (t !== undefined && Number.isNaN(Date.parse(t))) fail(`"${t}" is not an ISO 8601 time`);
  }
  const scope = scoped
    ? {
        ...(values.runs ? { runs: values.runs.split(',').filter(Boolean) } : {}),
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
      }
    : undefined;
  const id = values.id ?? `${role}-${Date.now().toString(36)}`;
  const token = addKeyToFile(values.file, { id, role, ...(scope ? { scope } : {}) });
  console.log(`added ${role} key "${id}" to ${values.file}`);
  console.log(`token (shown once, store it now): ${token}`);
}

/** CLI entry point; sets process.exitCode instead of exiting so tests can call it. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await serve(rest);
        return;
      case 'keys':
        keys(rest);
        return;
      case 'verify': {
        const { runVerifyCommand } = await import('../integrity/verify-command.js');
        process.exitCode = await runVerifyCommand(rest);
        return;
      }
      case 'log-key': {
        const { runLogKeyCommand } = await import('../integrity/log-key-command.js');
        process.exitCode = await runLogKeyCommand(rest);
        return;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return;
      default:
        fail(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`agent-lineage ${command ?? ''}: ${message}`);
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
  }
}
