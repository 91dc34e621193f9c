import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addKeyToFile } from '../../../service/cli/create-key.js';
import { serveConfigSchema } from '../../../service/cli/serve-config.js';
import { type RunningServer, startServer } from '../../../service/server/start-server.js';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../fake-openai/server.js';
import { type ExampleTracing, startExampleTracing } from '../example-tracing.js';

/** Everything an example's end-to-end test needs, started on ephemeral ports. */
export interface LineageTestStack {
  readonly fakeOpenAi: FakeOpenAiServer;
  readonly server: RunningServer;
  /** Tracing exporting OTLP/proto to the server's OTLP/HTTP receiver. */
  readonly tracing: ExampleTracing;
  /** GET a Lineage API path with the engineering key; fails the caller on a non-2xx status. */
  getJson<T>(path: string): Promise<T>;
  /** GET a Lineage API path with the engineering key and return the raw response. */
  get(path: string): Promise<Response>;
  /** Flushes the spans to the receiver and archives every run that has ended. */
  settle(): Promise<void>;
  /** Stops tracing, the server and the fake model, and removes the data dir. */
  close(): Promise<void>;
}

/**
 * Starts the fake OpenAI-compatible model, `agent-lineage serve` in-process (temp data dir,
 * ports 0, settle window 0, one engineering key) and example tracing pointed at its OTLP/HTTP
 * receiver. One stack per test file: the tracer provider is not shared with other files.
 */
export async function startLineageTestStack(): Promise<LineageTestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agent-lineage-example-'));
  const authFile = join(dataDir, 'auth.json');
  const token = addKeyToFile(authFile, { id: 'example-test', role: 'engineering' });
  const closers: (() => Promise<void>)[] = [() => rm(dataDir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of closers.reverse()) await fn();
  };
  try {
    const fakeOpenAi = await startFakeOpenAi();
    closers.push(() => fakeOpenAi.close());
    const server = await startServer(
      serveConfigSchema.parse({
        dataDir,
        authFile,
        otlpGrpcPort: 0,
        otlpHttpPort: 0,
        apiPort: 0,
        settleSeconds: 0,
      }),
    );
    closers.push(() => server.close());
    const tracing = startExampleTracing({ otlpUrl: `${server.otlpHttpUrl}/v1/traces` });
    closers.push(() => tracing.shutdown());
    const get = (path: string) =>
      fetch(`${server.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return {
      fakeOpenAi,
      server,
      tracing,
      get,
      async getJson<T>(path: string): Promise<T> {
        const res = await get(path);
        const body = await res.text();
        if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${body}`);
        return JSON.parse(body) as T;
      },
      async settle() {
        await tracing.flush();
        await server.finaliseNow(0);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
