import { INVALID_SPAN_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { RecordedHandle } from './handles.js';
import { explicitLinks, inferConsumedLinks, MIN_MATCH_CHARS } from './inference.js';
import { scanMessages } from './message-scan.js';

const ctx = (spanId: string) => ({ ...INVALID_SPAN_CONTEXT, traceId: 'a'.repeat(32), spanId });
const tracked = (spanId: string, sha: string, text?: string, toolCallIds: string[] = []) => ({
  handle: new RecordedHandle('datasource', ctx(spanId), sha),
  text,
  toolCallIds,
});

describe('scanMessages', () => {
  it('collects text and tool-call ids from OpenAI and Anthropic message shapes', () => {
    const scan = scanMessages(
      [
        { role: 'user', content: 'plain' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1' }, { id: 7 }, null] },
        { role: 'tool', tool_call_id: 'call_1', content: 'openai result' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'x', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [{ type: 'text', text: 'anthropic result' }],
            },
            { type: 'text', text: 'part' },
          ],
        },
        null,
        'junk',
      ],
      'system prompt',
    );
    expect(scan.text).toBe('system prompt\nplain\nopenai result\nanthropic result\npart');
    expect([...scan.toolCallIds].sort()).toEqual(['call_1', 'toolu_1']);
  });

  it('returns an empty scan for anything that is not a message array', () => {
    for (const bad of [undefined, null, 'text', 42, { role: 'user' }]) {
      expect(scanMessages(bad)).toEqual({ text: '', toolCallIds: new Set() });
    }
  });
});

describe('inferConsumedLinks', () => {
  // Artifact hashes as recorded: lowercase hex SHA-256 (anything else is not put on a link).
  const [H1, H2, H3, H4] = ['1', '2', '3', '4'].map((d) => d.repeat(64)) as [string, string, string, string];
  it('matches by tool-call id or by verbatim text of at least MIN_MATCH_CHARS, once per artifact', () => {
    const long = 'x'.repeat(MIN_MATCH_CHARS);
    const scan = scanMessages([{ role: 'tool', tool_call_id: 'c9', content: `before ${long} after 42` }]);
    const links = inferConsumedLinks(
      [
        tracked('0000000000000001', H1, long),
        tracked('0000000000000002', H2, '42'), // too short to match by text
        tracked('0000000000000003', H3, undefined, ['c9']),
        tracked('0000000000000001', H1, long), // duplicate
        tracked('0000000000000004', H4, 'not in the prompt at all'),
      ],
      scan,
    );
    expect(links.map((l) => [l.context.spanId, l.attributes])).toEqual([
      [
        '0000000000000001',
        {
          'lineage.link.type': 'consumed',
          'lineage.link.entity.sha256': H1,
          'lineage.link.inferred': true,
        },
      ],
      [
        '0000000000000003',
        {
          'lineage.link.type': 'consumed',
          'lineage.link.entity.sha256': H3,
          'lineage.link.inferred': true,
        },
      ],
    ]);
  });
});

describe('explicitLinks', () => {
  it('keeps handles, drops anything else, and caps the count', () => {
    const handle = new RecordedHandle('retrieval', ctx('0000000000000001'));
    expect(explicitLinks([handle, null, {}, 'x'], 'consumed')).toEqual([
      { context: handle.spanContext, attributes: { 'lineage.link.type': 'consumed' } },
    ]);
    expect(explicitLinks('nope', 'consumed')).toEqual([]);
    expect(explicitLinks(new Array(500).fill(handle), 'contributed_to')).toHaveLength(128);
  });
});
