#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` via `prepare`).
import { spawn } from 'node:child_process';

const SEMI_SPACE = '--max-semi-space-size=64';
const args = process.argv.slice(2);
const hasSemiSpace = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) =>
  a.startsWith('--max-semi-space-size'),
);

if (args[0] === 'serve' && !hasSemiSpace) {
  // OTLP decoding is young-generation bound (measured 2-3x faster with a 64 MB semi-space),
  // and V8 takes the flag only at start-up: re-run this launcher with it, forwarding signals.
  const child = spawn(process.execPath, [SEMI_SPACE, ...process.execArgv, process.argv[1], ...args], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
} else {
  import('../dist/service/cli/main.js').then(
    (cli) => cli.main(args),
    (error) => {
      console.error(
        `agent-lineage: cannot load the compiled CLI (${error.message}). Run \`npm run build\` first.`,
      );
      process.exitCode = 1;
    },
  );
}
