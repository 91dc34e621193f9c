/**
 * Builds src/hashing/json-escape-wasm.ts (the module's bytes, base64) from
 * src/hashing/json-escape.wat with wabt's wat2wasm. Run `npm run wasm:generate` after editing
 * the .wat; a test fails while the two disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

const dir = fileURLToPath(new URL('../src/hashing/', import.meta.url));
/** The WAT source. */
export const WAT_PATH = `${dir}json-escape.wat`;
/** The generated TypeScript module. */
export const GENERATED_PATH = `${dir}json-escape-wasm.ts`;

/** Assembles the WAT source into WebAssembly bytes (SIMD enabled), validated. */
export async function assembleJsonEscape(): Promise<Uint8Array> {
  const tools = await wabt();
  const module = tools.parseWat('json-escape.wat', readFileSync(WAT_PATH, 'utf8'), { simd: true });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The generated file's text for these bytes. */
export function renderJsonEscapeModule(bytes: Uint8Array): string {
  return `// Generated from json-escape.wat by tools/generate-json-escape-wasm.ts (npm run wasm:generate). Do not edit.

/** json-escape.wat assembled: WebAssembly with SIMD, ${bytes.length} bytes, base64. */
export const JSON_ESCAPE_WASM_BASE64 =
  '${Buffer.from(bytes).toString('base64')}';
`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await assembleJsonEscape();
  writeFileSync(GENERATED_PATH, renderJsonEscapeModule(bytes));
  process.stdout.write(`wrote ${GENERATED_PATH} (${bytes.length} bytes of WebAssembly)\n`);
}
