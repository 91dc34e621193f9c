import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let demo: ChildProcess;
let output = '';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-demo-'));
  const [api, http, grpc] = [await freePort(), await freePort(), await freePort()];
  demo = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'examples/demo.ts',
      '--data-dir',
      join(dir, 'data'),
      '--api-port',
      `${api}`,
      '--otlp-http-port',
      `${http}`,
      '--otlp-grpc-port',
      `${grpc}`,
    ],
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  demo.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  demo.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not get ready:\n${output}`)), 90_000);
    const check = setInterval(() => {
      if (output.includes('keeps serving')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    demo.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`demo exited early (${code}):\n${output}`));
    });
  });
}, 120_000);

afterAll(async () => {
  if (demo && demo.exitCode === null) {
    const exited = new Promise((resolve) => demo.once('exit', resolve));
    demo.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('prints run ids, output hashes and a curl command for every endpoint', () => {
    expect(output).toMatch(/RAG agent {10}run [0-9a-f]{32} {2}output sha256 [0-9a-f]{64}/);
    expect(output).toMatch(/multi-agent system run [0-9a-f]{32}/);
    for (const path of [
      '/lineage/runs/',
      '?format=graph',
      '/sources',
      '/lineage/models/',
      '/lineage/datasources/',
      '/lineage/audit-report',
      '/lineage/log/checkpoint',
      '/verify',
      '/attestation',
      '/healthz',
      '/readyz',
      '/metrics',
    ]) {
      expect(output).toContain(path);
    }
  });

  it('every printed curl command works against the running service (HTTP 2xx)', async () => {
    const token = /export LINEAGE_TOKEN=(\S+)/.exec(output)?.[1];
    expect(token).toBeDefined();
    const commands = output
      .split('\n')
      .map((line, i, lines) =>
        line.trimEnd().endsWith('\\') ? `${line.trimEnd().slice(0, -1)} ${lines[i + 1]!.trim()}` : line,
      )
      .filter((line) => line.trim().startsWith('curl '))
      .flatMap((line) => line.split(';').map((c) => c.trim()));
    expect(commands.length).toBe(12);
    for (const command of commands) {
      // -f fails on HTTP errors; the body goes to a file so binary PDFs do not clutter the output.
      const { stdout } = await run(
        'bash',
        [
          '-c',
          `${command.replace(/^curl -s/, 'curl -sf -w "%{http_code}"').replace(/-o \S+/, '')} -o /dev/null`,
        ],
        {
          cwd: dir,
          env: { ...process.env, LINEAGE_TOKEN: token },
        },
      );
      expect(stdout, command).toMatch(/^2\d\d$/);
    }
  }, 60_000);

  it('the printed offline verify command verifies the archive against the signed log', async () => {
    const line = output.split('\n').find((l) => l.includes('npx agent-lineage verify'));
    expect(line).toBeDefined();
    // Same arguments, run from source: dist/ (what npx runs) is only built by `npm ci`.
    const args = line!
      .replace(/^.*npx agent-lineage verify/, '')
      .trim()
      .split(/\s+/);
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'service/cli/run.ts', 'verify', ...args, '--no-progress'],
      {
        cwd: join(import.meta.dirname, '..'),
      },
    );
    expect(stdout).toMatch(/^OK: \d+ bundle\(s\)/m);
  }, 60_000);
});
