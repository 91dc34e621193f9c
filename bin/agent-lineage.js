#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` via `prepare`).
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
const has = (flag) => given.some((a) => a.startsWith(flag));
// V8 flags for `serve`, each unless the user set it:
// - a 64 MB semi-space: OTLP decoding is young-generation bound (2-3x faster, measured);
// - a 256 MB old-space cap: keeps RSS within the 300 MB budget (V8 otherwise grows the heap
//   lazily). The receiver bounds what it decodes at once (24 MiB of bodies, ~7x in heap), so
//   the cap is not reached; raise both together if you raise the receiver limits.
const serveFlags = [
  ...(has('--max-semi-space-size') ? [] : ['--max-semi-space-size=64']),
  ...(has('--max-old-space-size') ? [] : ['--max-old-space-size=256']),
];

if (args[0] === 'serve' && serveFlags.length > 0) {
  // V8 takes these flags only at start-up: re-run this launcher with them, forwarding signals.
  const child = spawn(process.execPath, [...serveFlags, ...process.execArgv, process.argv[1], ...args], {
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
