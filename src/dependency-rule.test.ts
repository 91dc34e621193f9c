import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test-support' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('dependency direction (DESIGN.md section 1)', () => {
  it('the SDK imports only @opentelemetry/api, node built-ins, itself and semconv/attributes', () => {
    const offending: string[] = [];
    for (const file of sourceFiles(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/g)) {
        if (spec === undefined || spec === '@opentelemetry/api' || spec.startsWith('node:')) continue;
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(join(file, '..'), spec));
          if (
            target.startsWith('src/') ||
            target === 'semconv/attributes.js' ||
            target === 'semconv/index.js'
          )
            continue;
        }
        offending.push(`${relative(root, file)} → ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('importing the exporter entry point loads no database driver until a store is opened', () => {
    const script = `
      const before = new Set(Object.keys(require('node:module')._cache));
      await import('./exporter/index.ts');
      const loaded = Object.keys(require('node:module')._cache).filter((k) => !before.has(k));
      console.log(JSON.stringify(loaded.filter((k) => /better-sqlite3|neo4j|aws-sdk/.test(k))));
    `;
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script.replace(
          /require\('node:module'\)/g,
          "(await import('node:module')).createRequire(import.meta.url)('node:module')",
        ),
      ],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual([]);
  });
});
