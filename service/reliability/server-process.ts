import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: the CLI and the tsx loader are resolved from here. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Ports a server process listens on. */
export interface ServerPorts {
  readonly api: number;
  readonly otlpHttp: number;
  readonly otlpGrpc: number;
}

/** A `serve` child process that printed its bound addresses. */
export interface ServerProcess {
  readonly pid: number;
  readonly apiUrl: string;
  /** Base URL; the traces endpoint is `${otlpHttpUrl}/v1/traces`. */
  readonly otlpHttpUrl: string;
  /** `host:port` for gRPC clients. */
  readonly otlpGrpcAddress: string;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** SIGKILL: no shutdown code runs, as after a crash or an OOM kill. */
  kill9(): Promise<number | NodeJS.Signals>;
  /** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`, reported as 'SIGKILL'). */
  stop(timeoutMs?: number): Promise<number | NodeJS.Signals>;
}

/** Result of a CLI run that is expected to end by itself. */
export interface CliResult {
  readonly code: number | NodeJS.Signals;
  readonly stdout: string;
  readonly stderr: string;
}

// Every child this module started, so a failing test still leaves no process behind.
const children = new Set<ChildProcess>();

/** Kills (SIGKILL) every child still running; call from afterAll. */
export async function killAllServerProcesses(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((done) => child.once('exit', () => done()));
        child.kill('SIGKILL');
        await gone;
      }
      children.delete(child);
    }),
  );
}

/**
 * Free TCP ports on 127.0.0.1, found by binding port 0 and closing. Another process could
 * take one in between; the server then fails to start with EADDRINUSE and the test says so.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((done, fail) => {
          const server = createServer();
          server.once('error', fail);
          server.listen(0, '127.0.0.1', () => done(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done()))));
  return ports;
}

/** Three free ports for api, OTLP/HTTP and OTLP/gRPC. */
export async function freeServerPorts(): Promise<ServerPorts> {
  const [api, otlpHttp, otlpGrpc] = await freePorts(3);
  return { api: api!, otlpHttp: otlpHttp!, otlpGrpc: otlpGrpc! };
}

/** A temp directory holding an auth file with one engineering key; `dataDir` is inside it. */
export interface ReliabilityWorkspace {
  readonly root: string;
  readonly dataDir: string;
  readonly authFile: string;
  /** Bearer token of the engineering key. */
  readonly token: string;
  remove(): Promise<void>;
}

/** Creates a workspace: temp dir, auth file (engineering key), data dir path (not created). */
export async function createWorkspace(prefix: string): Promise<ReliabilityWorkspace> {
  const root = await mkdtemp(join(tmpdir(), `lineage-reliability-${prefix}-`));
  const token = `token-reliability-${prefix}`;
  const sha256 = createHash('sha256').update(token).digest('hex');
  const authFile = join(root, 'auth.json');
  await writeFile(
    authFile,
    JSON.stringify({ keys: [{ id: 'reliability-eng', sha256, role: 'engineering' }] }),
  );
  return {
    root,
    dataDir: join(root, 'data'),
    authFile,
    token,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'SIGKILL')));
}

function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  // The V8 flags bin/agent-lineage.js gives `serve`: a large young generation (DESIGN.md §9)
  // and the 256 MB old-space cap; test the service as it runs.
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=64',
      '--max-old-space-size=256',
      '--import',
      'tsx',
      'service/cli/run.ts',
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      // Only what the CLI needs: a LINEAGE_* variable of the developer must not change the test.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Options of `startServerProcess`. */
export interface StartServerOptions {
  readonly dataDir: string;
  readonly authFile: string;
  /** Fixed ports (to restart on the same ones); 0 = any. */
  readonly ports?: ServerPorts;
  readonly settleSeconds?: number;
  /** How long to wait for the "Lineage API" line. */
  readonly startTimeoutMs?: number;
}

/**
 * Spawns `agent-lineage serve` from source as a child process and resolves once it printed
 * its three addresses. Rejects (and kills the child) when it exits or stays silent instead.
 */
export async function startServerProcess(options: StartServerOptions): Promise<ServerProcess> {
  const ports = options.ports ?? { api: 0, otlpHttp: 0, otlpGrpc: 0 };
  const child = spawnCli([
    'serve',
    '--data-dir',
    options.dataDir,
    '--auth',
    options.authFile,
    '--api-port',
    String(ports.api),
    '--otlp-http-port',
    String(ports.otlpHttp),
    '--otlp-grpc-port',
    String(ports.otlpGrpc),
    '--settle-seconds',
    String(options.settleSeconds ?? 3600),
  ]);
  let output = '';
  const exited = exitOf(child);
  const addresses = new Promise<{ api: string; http: string; grpc: string }>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const api = /Lineage API (http:\/\/\S+)/.exec(output)?.[1];
      const http = /OTLP\/HTTP\s+(http:\/\/\S+)\/v1\/traces/.exec(output)?.[1];
      const grpc = /OTLP\/gRPC\s+(\S+)/.exec(output)?.[1];
      if (api && http && grpc) done({ api, http, grpc });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) =>
      fail(new Error(`serve exited (${String(code)}) before listening:\n${output}`)),
    );
  });
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () => fail(new Error(`serve did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
  });
  try {
    const bound = await Promise.race([addresses, timeout]);
    const kill = async (signal: NodeJS.Signals, graceMs: number) => {
      child.kill(signal);
      const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(escalate);
      return code;
    };
    return {
      pid: child.pid!,
      apiUrl: bound.api,
      otlpHttpUrl: bound.http,
      otlpGrpcAddress: bound.grpc,
      output: () => output,
      exited,
      kill9: () => kill('SIGKILL', 0),
      stop: (ms = 20_000) => kill('SIGTERM', ms),
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the CLI with arguments that should make it exit by itself (bounded by `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<CliResult> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  // A CLI that keeps running after a refused configuration is itself a failure: report it as SIGKILL.
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exitOf(child);
  clearTimeout(timer);
  return { code, stdout, stderr };
}
