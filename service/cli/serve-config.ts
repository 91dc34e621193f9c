import { z } from 'zod';

const port = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65535, `${name} must be between 0 and 65535`);

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/** Validated configuration of `agent-lineage serve`. */
export const serveConfigSchema = z
  .object({
    dataDir: z.string().min(1, 'data dir must not be empty'),
    host: z.string().min(1).default('127.0.0.1'),
    otlpGrpcPort: port('OTLP gRPC port').default(4317),
    otlpHttpPort: port('OTLP HTTP port').default(4318),
    apiPort: port('API port').default(8080),
    authFile: z
      .string({
        error:
          'an auth key file is required: pass --auth FILE or set LINEAGE_AUTH_FILE (see README "Access control")',
      })
      .min(1),
    settleSeconds: z.coerce
      .number({ error: 'settle seconds must be a number' })
      .min(0, 'settle seconds must be ≥ 0')
      .max(86_400, 'settle seconds must be at most one day')
      .default(30),
    captureContent: bool.default(false),
    logOrigin: z
      .string()
      .regex(
        /^[\x21-\x7e]+$/,
        'log origin must be printable ASCII without spaces (it is the checkpoint origin line)',
      )
      .default('agent-lineage.local/log'),
    logKey: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    const ports = [
      ['OTLP gRPC', c.otlpGrpcPort],
      ['OTLP HTTP', c.otlpHttpPort],
      ['API', c.apiPort],
    ] as const;
    for (let i = 0; i < ports.length; i += 1) {
      for (let j = i + 1; j < ports.length; j += 1) {
        if (ports[i]![1] !== 0 && ports[i]![1] === ports[j]![1]) {
          ctx.addIssue({
            code: 'custom',
            message: `${ports[i]![0]} and ${ports[j]![0]} ports are both ${ports[i]![1]}; give each its own port`,
          });
        }
      }
    }
  });

/** Parsed serve configuration. */
export type ServeConfig = z.infer<typeof serveConfigSchema>;

/** Each setting's flag and environment variable (flags win over the environment). */
export const SERVE_SETTINGS = [
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'LINEAGE_DATA_DIR',
    help: 'directory for the SQLite store and the archive (default ./.lineage)',
  },
  { key: 'host', flag: 'host', env: 'LINEAGE_HOST', help: 'interface to bind (default 127.0.0.1)' },
  {
    key: 'otlpGrpcPort',
    flag: 'otlp-grpc-port',
    env: 'LINEAGE_OTLP_GRPC_PORT',
    help: 'OTLP/gRPC port (default 4317)',
  },
  {
    key: 'otlpHttpPort',
    flag: 'otlp-http-port',
    env: 'LINEAGE_OTLP_HTTP_PORT',
    help: 'OTLP/HTTP port (default 4318)',
  },
  { key: 'apiPort', flag: 'api-port', env: 'LINEAGE_API_PORT', help: 'Lineage API port (default 8080)' },
  { key: 'authFile', flag: 'auth', env: 'LINEAGE_AUTH_FILE', help: 'JSON file of API keys (required)' },
  {
    key: 'settleSeconds',
    flag: 'settle-seconds',
    env: 'LINEAGE_SETTLE_SECONDS',
    help: 'quiet time before a run is archived (default 30)',
  },
  {
    key: 'captureContent',
    flag: 'capture-content',
    env: 'LINEAGE_CAPTURE_CONTENT',
    help: 'keep captured content in graph and archive (default false)',
  },
  {
    key: 'logOrigin',
    flag: 'log-origin',
    env: 'LINEAGE_LOG_ORIGIN',
    help: 'origin line of signed log checkpoints (default agent-lineage.local/log)',
  },
  {
    key: 'logKey',
    flag: 'log-key',
    env: 'LINEAGE_LOG_KEY',
    help: 'log signing key file (default <data-dir>/log-signing.key, created at first start)',
  },
] as const;

/**
 * Merges flags over environment over defaults and validates. Pure. Throws an Error whose
 * message lists every mistake, one per line, naming the flag and variable to fix.
 */
export function resolveServeConfig(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
): ServeConfig {
  const raw: Record<string, unknown> = { dataDir: './.lineage' };
  for (const s of SERVE_SETTINGS) {
    const value = flags[s.flag] ?? env[s.env];
    if (value !== undefined && value !== '') raw[s.key] = value;
  }
  const parsed = serveConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const setting = SERVE_SETTINGS.find((s) => s.key === issue.path[0]);
    const where = setting ? ` (--${setting.flag} / ${setting.env})` : '';
    return `  - ${issue.message}${where}`;
  });
  throw new Error(`invalid configuration:\n${lines.join('\n')}`);
}
