import { parse } from 'yaml';
import { type Registry, type RegistryAttribute, registrySchema } from './registry-schema.js';

const HEADER = 'DO NOT EDIT. Generated from semconv/registry.yaml by `npm run semconv:generate`.';

/** Parses and validates registry YAML text; throws with every problem listed. */
export function parseRegistry(yamlText: string): Registry {
  const result = registrySchema.safeParse(parse(yamlText));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`semconv/registry.yaml is invalid:\n${problems.join('\n')}`);
  }
  return result.data;
}

/** `lineage.output.sha256` → `LINEAGE_OUTPUT_SHA256`. */
export function constantName(dotted: string): string {
  return dotted.replace(/[.[\]]/g, '_').toUpperCase();
}

function tsType(a: RegistryAttribute): string {
  switch (a.type) {
    case 'enum':
      return (a.members ?? []).map((m) => `'${m}'`).join(' | ');
    case 'int':
    case 'double':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string[]':
      return 'string[]';
    default:
      return 'string';
  }
}

function jsdoc(lines: string[], indent = ''): string {
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`.trimEnd()), `${indent} */`].join('\n');
}

function renderAttribute(a: RegistryAttribute): string {
  const doc = [
    a.brief,
    '',
    `Type: \`${a.type === 'enum' ? tsType(a) : a.type}\`. Requirement: ${a.requirement_level}${a.condition ? ` (${a.condition})` : ''}.`,
    `Span types: ${a.span_types.join(', ')}.`,
  ];
  const out = [jsdoc(doc), `export const ATTR_${constantName(a.name)} = '${a.name}' as const;`];
  if (a.type === 'enum') {
    for (const m of a.members ?? []) {
      out.push(`/** \`${a.name}\` = \`${m}\`. */`);
      out.push(`export const ${constantName(a.name)}_VALUE_${constantName(m)} = '${m}' as const;`);
    }
  }
  return out.join('\n');
}

/** Renders the TypeScript constants module for a registry. Pure. */
export function renderTypeScript(reg: Registry): string {
  const parts: string[] = [`// ${HEADER}`, '', `/** Version of the agent-lineage semantic conventions. */`];
  parts.push(`export const LINEAGE_SEMCONV_VERSION = '${reg.version}' as const;`);
  parts.push(`/** Schema URL of this version. */`);
  parts.push(`export const LINEAGE_SCHEMA_URL = '${reg.schema_url}' as const;`, '');
  parts.push('// --- lineage.* attributes', '');
  for (const a of reg.attributes) parts.push(renderAttribute(a), '');
  parts.push('// --- gen_ai.* attributes emitted by the SDK', '');
  for (const a of reg.gen_ai_attributes) parts.push(renderAttribute(a), '');
  parts.push('// --- span types', '');
  parts.push(`/** Every lineage span type. */`);
  parts.push(`export const SPAN_TYPES = [${reg.span_types.map((s) => `'${s.id}'`).join(', ')}] as const;`);
  parts.push(`/** A lineage span type. */`, `export type SpanType = (typeof SPAN_TYPES)[number];`, '');
  parts.push('// --- events', '');
  for (const e of reg.events) {
    parts.push(jsdoc([e.brief]), `export const EVENT_${constantName(e.name)} = '${e.name}' as const;`, '');
  }
  parts.push('// --- link types', '');
  for (const l of reg.link_types) {
    parts.push(jsdoc([l.brief, `Lineage edge: ${l.lineage_edge}.`]));
    parts.push(`export const LINK_TYPE_${constantName(l.id)} = '${l.id}' as const;`, '');
  }
  parts.push(`/** Every lineage link type. */`);
  parts.push(`export const LINK_TYPES = [${reg.link_types.map((l) => `'${l.id}'`).join(', ')}] as const;`);
  parts.push(`/** A lineage link type. */`, `export type LinkType = (typeof LINK_TYPES)[number];`, '');
  parts.push('// --- baggage', '');
  for (const b of reg.baggage) {
    parts.push(jsdoc([b.brief]), `export const BAGGAGE_${constantName(b.key)} = '${b.key}' as const;`, '');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function exampleText(examples: unknown[]): string {
  return examples.map((e) => `\`${JSON.stringify(e)}\``).join(', ');
}

function attributeTable(attrs: RegistryAttribute[]): string[] {
  const rows = [
    '| Attribute | Type | Brief | Examples | Requirement | Span types |',
    '|---|---|---|---|---|---|',
  ];
  for (const a of attrs) {
    const type =
      a.type === 'enum' ? `enum: ${(a.members ?? []).map((m) => `\`${m}\``).join(', ')}` : `\`${a.type}\``;
    const req = a.condition ? `${a.requirement_level}: ${a.condition}` : a.requirement_level;
    rows.push(
      `| \`${a.name}\` | ${type} | ${cell(a.brief)} | ${cell(exampleText(a.examples))} | ${cell(req)} | ${a.span_types.join(', ')} |`,
    );
  }
  return rows;
}

/** Renders the Markdown reference for a registry. Pure. */
export function renderMarkdown(reg: Registry): string {
  const out: string[] = [`<!-- ${HEADER} -->`, '', `# agent-lineage semantic conventions ${reg.version}`, ''];
  out.push(
    `Schema URL: \`${reg.schema_url}\`. Hashes are lowercase hex SHA-256 of UTF-8 text or of RFC 8785 canonical JSON.`,
  );
  out.push(
    '',
    '## Span types',
    '',
    '| Span type | Lineage node | Span name | `gen_ai.operation.name` | Brief |',
    '|---|---|---|---|---|',
  );
  for (const s of reg.span_types) {
    out.push(
      `| \`${s.id}\` | ${s.lineage_node} | \`${s.span_name}\` | ${s.gen_ai_operation ? `\`${s.gen_ai_operation}\`` : '—'} | ${cell(s.brief)} |`,
    );
  }
  out.push('', '## `lineage.*` attributes', '', ...attributeTable(reg.attributes));
  out.push('', '## Events', '');
  for (const e of reg.events) {
    out.push(`### \`${e.name}\``, '', e.brief, '', `On: ${e.span_types.join(', ')}.`);
    if (e.attributes.length > 0) out.push(`Attributes: ${e.attributes.map((a) => `\`${a}\``).join(', ')}.`);
    out.push('');
  }
  out.push('## Link types', '', 'Edges are span links carrying `lineage.link.type`.', '');
  out.push('| Link type | From | To | Lineage edge | Brief |', '|---|---|---|---|---|');
  for (const l of reg.link_types) {
    out.push(
      `| \`${l.id}\` | ${l.from.join(', ')} | ${l.to.join(', ')} | ${l.lineage_edge} | ${cell(l.brief)} |`,
    );
  }
  out.push('', '## Baggage', '', '| Key | Brief |', '|---|---|');
  for (const b of reg.baggage) out.push(`| \`${b.key}\` | ${cell(b.brief)} |`);
  out.push('', '## `gen_ai.*` attributes the SDK emits', '', ...attributeTable(reg.gen_ai_attributes), '');
  return out.join('\n');
}
