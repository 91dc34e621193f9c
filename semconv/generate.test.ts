import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as semconv from './index.js';
import { parseRegistry, renderMarkdown, renderTypeScript } from './render.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const registryText = readFileSync(`${dir}registry.yaml`, 'utf8');

describe('semconv generator', () => {
  it('generated attributes.ts matches the registry (run npm run semconv:generate when this fails)', () => {
    expect(readFileSync(`${dir}attributes.ts`, 'utf8')).toBe(renderTypeScript(parseRegistry(registryText)));
  });

  it('generated attributes.md matches the registry (run npm run semconv:generate when this fails)', () => {
    expect(readFileSync(`${dir}attributes.md`, 'utf8')).toBe(renderMarkdown(parseRegistry(registryText)));
  });

  it('every registry attribute is exported by the public entry point', () => {
    const reg = parseRegistry(registryText);
    const exported = new Set<unknown>(Object.values(semconv));
    const missing = [...reg.attributes, ...reg.gen_ai_attributes]
      .map((a) => a.name)
      .filter((n) => !exported.has(n));
    expect(missing).toEqual([]);
  });

  it('covers every link type and span type of DESIGN.md section 3', () => {
    expect([...semconv.LINK_TYPES].sort()).toEqual([
      'consumed',
      'contributed_to',
      'spawned_by',
      'supersedes',
      'triggered_by',
    ]);
    expect([...semconv.SPAN_TYPES].sort()).toEqual([
      'model_invocation',
      'output',
      'retrieval',
      'run',
      'tool_call',
    ]);
  });

  it('rejects a registry with a duplicate attribute, naming it', () => {
    const dup = registryText.replace('name: lineage.run.environment', 'name: lineage.span.type');
    expect(() => parseRegistry(dup)).toThrow(/duplicate attribute lineage\.span\.type/);
  });

  it('rejects an enum without members', () => {
    const bad = registryText.replace('    members: [user, schedule, api, agent, event]\n', '');
    expect(() => parseRegistry(bad)).toThrow(/enum attributes need members/);
  });

  it('rejects an attribute on an unknown span type', () => {
    const bad = registryText.replace(
      'span_types: [run]\n\n  - name: lineage.run.actor',
      'span_types: [nope]\n\n  - name: lineage.run.actor',
    );
    expect(() => parseRegistry(bad)).toThrow(/unknown span type nope/);
  });

  it('rejects an event that names an attribute the registry lacks', () => {
    const bad = registryText.replace('      - lineage.content.size\n', '      - lineage.content.sizes\n');
    expect(() => parseRegistry(bad)).toThrow(/unknown attribute lineage\.content\.sizes/);
  });
});
