/**
 * Writes semconv/attributes.ts and semconv/attributes.md from semconv/registry.yaml.
 * Run with `npm run semconv:generate`; `--check` exits 1 when the files are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRegistry, renderMarkdown, renderTypeScript } from './render.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const registry = parseRegistry(readFileSync(`${dir}registry.yaml`, 'utf8'));
const outputs = { 'attributes.ts': renderTypeScript(registry), 'attributes.md': renderMarkdown(registry) };
const check = process.argv.includes('--check');
let stale = false;
for (const [file, text] of Object.entries(outputs)) {
  const path = `${dir}${file}`;
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // Missing file: treated as stale below.
  }
  if (current === text) continue;
  stale = true;
  if (check) console.error(`semconv/${file} is out of date; run npm run semconv:generate`);
  else {
    writeFileSync(path, text);
    console.log(`wrote semconv/${file}`);
  }
}
if (check && stale) process.exit(1);
