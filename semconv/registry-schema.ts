import { z } from 'zod';

const requirementLevel = z.enum(['required', 'conditionally_required', 'recommended', 'opt_in']);
const attributeType = z.enum(['string', 'int', 'double', 'boolean', 'string[]', 'enum']);
const spanTypeId = z.string().regex(/^[a-z_]+$/);
const name = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'dotted lower-case name');

/** One attribute of the registry (ours or gen_ai.*). */
export const attributeSchema = z
  .object({
    name,
    brief: z.string().min(1),
    type: attributeType,
    members: z.array(z.string().regex(/^[a-z_]+$/)).optional(),
    examples: z.array(z.unknown()).min(1),
    requirement_level: requirementLevel,
    condition: z.string().optional(),
    span_types: z.array(spanTypeId).min(1),
  })
  .strict()
  .refine((a) => (a.type === 'enum') === (a.members !== undefined), {
    message: 'enum attributes need members, and only enum attributes may have them',
  })
  .refine((a) => (a.requirement_level === 'conditionally_required') === (a.condition !== undefined), {
    message: 'conditionally_required attributes need a condition, and only they may have one',
  });

/** The whole registry file. */
export const registrySchema = z
  .object({
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    schema_url: z.string().url(),
    span_types: z
      .array(
        z
          .object({
            id: spanTypeId,
            brief: z.string(),
            span_name: z.string(),
            gen_ai_operation: z.string().nullable(),
            lineage_node: z.enum([
              'ExecutionRun',
              'ModelInvocation',
              'DataSource',
              'IntermediateArtifact',
              'FinalOutput',
            ]),
          })
          .strict(),
      )
      .min(1),
    attributes: z.array(attributeSchema).min(1),
    events: z.array(
      z
        .object({ name, brief: z.string(), span_types: z.array(spanTypeId), attributes: z.array(name) })
        .strict(),
    ),
    link_types: z.array(
      z
        .object({
          id: spanTypeId,
          brief: z.string(),
          from: z.array(z.string()),
          to: z.array(z.string()),
          lineage_edge: z.string().regex(/^[A-Z_]+$/),
        })
        .strict(),
    ),
    baggage: z.array(z.object({ key: name, brief: z.string() }).strict()),
    gen_ai_attributes: z.array(attributeSchema),
  })
  .strict()
  .superRefine((reg, ctx) => {
    const spanTypes = new Set(reg.span_types.map((s) => s.id));
    const all = [...reg.attributes, ...reg.gen_ai_attributes];
    const seen = new Set<string>();
    for (const a of all) {
      if (seen.has(a.name)) ctx.addIssue({ code: 'custom', message: `duplicate attribute ${a.name}` });
      seen.add(a.name);
      for (const s of a.span_types) {
        if (!spanTypes.has(s)) ctx.addIssue({ code: 'custom', message: `${a.name}: unknown span type ${s}` });
      }
    }
    for (const a of reg.attributes) {
      if (!a.name.startsWith('lineage.'))
        ctx.addIssue({ code: 'custom', message: `${a.name} must start with lineage.` });
    }
    for (const a of reg.gen_ai_attributes) {
      if (!a.name.startsWith('gen_ai.'))
        ctx.addIssue({ code: 'custom', message: `${a.name} must start with gen_ai.` });
    }
    for (const e of reg.events) {
      for (const n of e.attributes) {
        if (!seen.has(n))
          ctx.addIssue({ code: 'custom', message: `event ${e.name}: unknown attribute ${n}` });
      }
    }
  });

/** A parsed, validated registry. */
export type Registry = z.infer<typeof registrySchema>;
/** One attribute entry of the registry. */
export type RegistryAttribute = z.infer<typeof attributeSchema>;
