import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWorkspace,
  freePorts,
  killAllServerProcesses,
  type ReliabilityWorkspace,
  runCli,
} from './server-process.js';

describe('serve refuses a bad configuration at start-up', () => {
  let ws: ReliabilityWorkspace;
  let busy: Server;
  let busyPort: number;
  let ports: number[];

  beforeAll(async () => {
    ws = await createWorkspace('start-up');
    await writeFile(join(ws.root, 'not-json.json'), '{"keys": [');
    await writeFile(
      join(ws.root, 'bad-role.json'),
      JSON.stringify({ keys: [{ id: 'k', sha256: 'a'.repeat(64), role: 'admin' }] }),
    );
    await writeFile(join(ws.root, 'a-file'), 'not a directory');
    ports = await freePorts(3);
    // A port held by someone else for the whole suite.
    busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const address = busy.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    busyPort = address.port;
  });

  afterAll(async () => {
    await killAllServerProcesses();
    await new Promise<void>((done) => (busy ? busy.close(() => done()) : done()));
    await ws?.remove();
  });

  /** `serve` with a working base configuration, then `extra` flags (later flags win). */
  function serveArgs(extra: readonly string[], withAuth = true): string[] {
    const [api, http, grpc] = ports as [number, number, number];
    return [
      'serve',
      '--data-dir',
      ws.dataDir,
      ...(withAuth ? ['--auth', ws.authFile] : []),
      '--api-port',
      String(api),
      '--otlp-http-port',
      String(http),
      '--otlp-grpc-port',
      String(grpc),
      ...extra,
    ];
  }

  const cases: { name: string; args: () => string[]; message: RegExp[] }[] = [
    {
      name: 'API port out of range',
      args: () => serveArgs(['--api-port', '70000']),
      message: [/--api-port/, /between 0 and 65535/],
    },
    {
      name: 'OTLP/HTTP port not a number',
      args: () => serveArgs(['--otlp-http-port', 'http']),
      message: [/--otlp-http-port/],
    },
    {
      name: 'negative settle time',
      args: () => serveArgs(['--settle-seconds=-1']),
      message: [/--settle-seconds/],
    },
    {
      name: 'missing --auth',
      args: () => serveArgs([], false),
      message: [/--auth/],
    },
    {
      name: 'auth file that is not JSON',
      args: () => serveArgs(['--auth', join(ws.root, 'not-json.json')]),
      message: [/not-json\.json/, /JSON/, /--auth|LINEAGE_AUTH_FILE/],
    },
    {
      name: 'auth file with an unknown role',
      args: () => serveArgs(['--auth', join(ws.root, 'bad-role.json')]),
      message: [/bad-role\.json/, /role/, /--auth|LINEAGE_AUTH_FILE/],
    },
    {
      name: 'auth file that does not exist',
      args: () => serveArgs(['--auth', join(ws.root, 'missing.json')]),
      message: [/missing\.json/, /--auth|LINEAGE_AUTH_FILE/],
    },
    {
      name: 'duplicate ports',
      args: () => serveArgs(['--otlp-http-port', String(ports[0])]),
      message: [/API/, /OTLP HTTP/, /both/],
    },
    {
      name: 'the OTLP/HTTP port already in use',
      args: () => serveArgs(['--otlp-http-port', String(busyPort)]),
      message: [/already in use/, /--otlp-http-port/],
    },
    {
      name: 'the API port already in use',
      args: () => serveArgs(['--api-port', String(busyPort)]),
      message: [/already in use/, /--api-port/],
    },
    {
      name: 'the OTLP/gRPC port already in use',
      args: () => serveArgs(['--otlp-grpc-port', String(busyPort)]),
      message: [/already in use/, /--otlp-grpc-port/],
    },
    {
      name: 'an unknown flag',
      args: () => serveArgs(['--otlp-port', '4317']),
      message: [/--otlp-port/],
    },
    {
      name: 'a data dir that is a file',
      args: () => serveArgs(['--data-dir', join(ws.root, 'a-file')]),
      message: [/a-file/, /--data-dir|LINEAGE_DATA_DIR/],
    },
  ];

  it.each(cases)('exits non-zero naming the problem: $name', async ({ args, message }) => {
    const result = await runCli(args(), {}, 20_000);
    const text = `${result.stderr}\n${result.stdout}`;
    // A number: the process ended by itself (SIGKILL would mean it hung after refusing).
    expect(typeof result.code, text).toBe('number');
    expect(result.code, text).not.toBe(0);
    for (const pattern of message) expect(text).toMatch(pattern);
    expect(text).not.toMatch(/agent-lineage serving/);
  });
});
