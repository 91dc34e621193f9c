import { createHmac } from 'node:crypto';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { configureLineage } from './config.js';
import { recordOutput } from './output.js';
import { PSEUDONYM_PREFIX, pseudonymize } from './pseudonym.js';
import { startRun } from './run.js';
import { installTracing } from './test-support/tracing.js';

const tracing = installTracing();
afterAll(() => tracing.shutdown());

describe('pseudonymize', () => {
  it('is a keyed HMAC-SHA-256 with an algorithm prefix', () => {
    const key = 'k'.repeat(32);
    expect(pseudonymize('alice', key)).toBe(
      PSEUDONYM_PREFIX + createHmac('sha256', key).update('alice').digest('hex'),
    );
    expect(pseudonymize('alice', new TextEncoder().encode(key))).toBe(pseudonymize('alice', key));
    expect(pseudonymize('alice', 'j'.repeat(32))).not.toBe(pseudonymize('alice', key));
  });

  it('supports per-subject keys, so erasing one key shreds one subject', () => {
    const keys = new Map([['alice', 'a'.repeat(32)]]);
    const resolver = (id: string) => keys.get(id);
    const before = pseudonymize('alice', resolver);
    expect(before).toBe(pseudonymize('alice', 'a'.repeat(32)));
    keys.delete('alice');
    expect(pseudonymize('alice', resolver)).toBeUndefined();
  });

  it('drops actor and recipient with one warning when no key is configured, never sending them raw', () => {
    const warnings: string[] = [];
    const logger: DiagLogger = {
      error: () => undefined,
      warn: (m) => warnings.push(m),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    };
    diag.setLogger(logger, DiagLogLevel.WARN);
    configureLineage({ tracerProvider: tracing.provider });
    startRun({ agentName: 'nokey', actor: 'alice@example.com' }, () => {
      recordOutput({ content: 'hi', channel: 'email', recipient: 'bob@example.com' });
    });
    diag.disable();
    const spans = tracing.spans();
    const raw = JSON.stringify(spans.map((s) => s.attributes));
    expect(raw).not.toContain('alice');
    expect(raw).not.toContain('bob');
    expect(spans.every((s) => s.attributes['lineage.run.actor'] === undefined)).toBe(true);
    expect(spans.every((s) => s.attributes['lineage.output.recipient'] === undefined)).toBe(true);
    expect(warnings.filter((w) => w.includes('no pseudonymKey configured'))).toHaveLength(1);
  });
});
