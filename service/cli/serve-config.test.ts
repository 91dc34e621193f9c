import { describe, expect, it } from 'vitest';
import { resolveServeConfig } from './serve-config.js';

describe('serve configuration', () => {
  it('applies defaults, then environment, then flags', () => {
    const config = resolveServeConfig(
      { 'api-port': '9000', auth: '/keys.json' },
      { LINEAGE_API_PORT: '7000', LINEAGE_SETTLE_SECONDS: '5', LINEAGE_CAPTURE_CONTENT: 'true' },
    );
    expect(config).toEqual({
      dataDir: './.lineage',
      host: '127.0.0.1',
      otlpGrpcPort: 4317,
      otlpHttpPort: 4318,
      apiPort: 9000,
      authFile: '/keys.json',
      settleSeconds: 5,
      captureContent: true,
      logOrigin: 'agent-lineage.local/log',
    });
  });

  it('lists every mistake with the flag and variable to fix', () => {
    expect(() =>
      resolveServeConfig({ 'otlp-grpc-port': '70000', 'api-port': 'abc', 'settle-seconds': '-1' }, {}),
    ).toThrow(
      /OTLP gRPC port must be between 0 and 65535 \(--otlp-grpc-port \/ LINEAGE_OTLP_GRPC_PORT\)[\s\S]*API port must be a (whole )?number[\s\S]*auth key file is required[\s\S]*settle seconds must be ≥ 0/,
    );
  });

  it('refuses two services on one port', () => {
    expect(() => resolveServeConfig({ auth: 'k', 'api-port': '4318' }, {})).toThrow(
      /OTLP HTTP and API ports are both 4318/,
    );
  });
});
