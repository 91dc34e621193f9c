#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` via `prepare`).
import('../dist/service/cli/main.js').then(
  (cli) => cli.main(process.argv.slice(2)),
  (error) => {
    console.error(`agent-lineage: cannot load the compiled CLI (${error.message}). Run \`npm run build\` first.`);
    process.exitCode = 1;
  },
);
