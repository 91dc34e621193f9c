import { describe, expect, it } from 'vitest';
import type { LogView } from './log-view.js';
import { otlpLogsRequestToViews, readableLogRecordsToViews } from './log-view.js';
import { readContentEvents } from './read-content-events.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

function view(eventName: string | undefined, body: LogView['body'], extra: Partial<LogView> = {}): LogView {
  return {
    traceId: TRACE,
    spanId: SPAN,
    sampled: true,
    timeNs: 1_700_000_000_000_000_000n,
    ...(eventName !== undefined ? { eventName } : {}),
    attributes: {},
    body,
    ...extra,
  };
}

describe('readContentEvents', () => {
  it('reads each per-message GenAI event as one message of its span, with its role', () => {
    const { events, rejected, ignored } = readContentEvents([
      view('gen_ai.system.message', { content: 'Be brief.' }),
      view('gen_ai.user.message', { content: 'Hi' }),
      view('gen_ai.assistant.message', {
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      }),
      view('gen_ai.tool.message', { id: 'call_1', content: '42' }),
      view('gen_ai.choice', { index: 0, finish_reason: 'stop', message: { content: 'Done' } }),
    ]);
    expect(rejected).toEqual([]);
    expect(ignored).toBe(0);
    expect(events.map((e) => [e.input, e.output])).toEqual([
      [[{ role: 'system', content: 'Be brief.' }], []],
      [[{ role: 'user', content: 'Hi' }], []],
      [[{ role: 'assistant', toolCalls: [{ id: 'call_1', name: 'f', arguments: '{"a":1}' }] }], []],
      [[{ role: 'tool', content: '42', toolCallId: 'call_1' }], []],
      [[], [{ role: 'assistant', content: 'Done' }]],
    ]);
    expect(events.every((e) => e.runId === TRACE && e.spanId === SPAN)).toBe(true);
  });

  it('structured content and arguments are canonical JSON, as span content is', () => {
    const { events } = readContentEvents([
      view('gen_ai.user.message', { content: { b: 1, a: [true] } }),
      view('gen_ai.choice', {
        message: { tool_calls: [{ id: 'c', function: { name: 'f', arguments: { z: 1, y: 2 } } }] },
      }),
    ]);
    expect(events[0]?.input[0]?.content).toBe('{"a":[true],"b":1}');
    expect(events[1]?.output[0]?.toolCalls?.[0]?.arguments).toBe('{"y":2,"z":1}');
  });

  it('reads the semconv ≥ 1.37 inference details event (messages as attributes)', () => {
    const { events } = readContentEvents([
      view('gen_ai.client.inference.operation.details', null, {
        attributes: {
          'gen_ai.input.messages': JSON.stringify([
            { role: 'user', parts: [{ type: 'text', content: 'Hi' }] },
          ]),
          'gen_ai.output.messages': JSON.stringify([
            { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }] },
          ]),
        },
      }),
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      input: [{ role: 'user', content: 'Hi' }],
      output: [{ role: 'assistant', content: 'Hello' }],
    });
  });

  it('marks messages whose content the instrumentation withheld (capture off)', () => {
    const { events } = readContentEvents([
      view('gen_ai.user.message', {}),
      view('gen_ai.tool.message', { id: 'call_1' }),
      view('gen_ai.choice', { message: { tool_calls: [{ id: 'call_2', function: { name: 'f' } }] } }),
      view('gen_ai.user.message', { content: '' }),
    ]);
    expect(events.map((e) => [e.inputWithheld ?? false, e.outputWithheld ?? false])).toEqual([
      [true, false],
      [true, false],
      [false, true],
      // An empty string is content the caller sent, not withheld content.
      [false, false],
    ]);
    expect(events[1]?.input[0]?.toolCallId).toBe('call_1');
  });

  it('counts ordinary log records, and content of unsampled spans, as ignored, not rejected', () => {
    const { events, rejected, ignored } = readContentEvents([
      view(undefined, 'GET /health 200'),
      view('http.request', { status: 200 }),
      // Head sampling dropped the span: its run will never arrive, so its content must not wait.
      view('gen_ai.user.message', { content: 'Hi' }, { sampled: false }),
    ]);
    expect(events).toEqual([]);
    expect(rejected).toEqual([]);
    expect(ignored).toBe(3);
  });

  it('rejects content events it cannot join or read, each alone, with a reason', () => {
    const { events, rejected } = readContentEvents([
      view('gen_ai.user.message', { content: 'no span' }, { spanId: undefined }),
      view('gen_ai.choice', 'not an object'),
      view('gen_ai.choice', { message: ['nope'] }),
      view('gen_ai.user.message', { content: 'kept' }),
    ]);
    expect(rejected.map((r) => r.reason)).toEqual([
      'content_event_without_span',
      'invalid_content_event',
      'invalid_content_event',
    ]);
    expect(rejected[0]?.message).toMatch(/span's context/);
    expect(events).toHaveLength(1);
  });

  it('keys are stable across deliveries and distinguish identical messages within a batch', () => {
    const batch = [
      view('gen_ai.user.message', { content: 'yes' }),
      view('gen_ai.assistant.message', { content: 'Sure?' }),
      view('gen_ai.user.message', { content: 'yes' }),
    ];
    const first = readContentEvents(batch).events.map((e) => e.key);
    const again = readContentEvents(batch).events.map((e) => e.key);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(3);
    expect(first[0]?.startsWith('01700000000000000000.')).toBe(true);
  });
});

describe('readContentEvents: what the official instrumentation really sends', () => {
  const details = (input: unknown, output: unknown) =>
    view('gen_ai.client.inference.operation.details', null, {
      attributes: {
        'gen_ai.input.messages': JSON.stringify(input),
        'gen_ai.output.messages': JSON.stringify(output),
      },
    });

  it('Responses with content capture off: emptied parts are withheld, not hashed as role-only messages', () => {
    const [event] = readContentEvents([
      details(
        [
          { role: 'system', parts: [{ type: 'text' }] },
          { role: 'user', parts: [{ type: 'text' }] },
        ],
        [{ role: 'assistant', parts: [{ type: 'text' }] }],
      ),
    ]).events;
    expect(event).toMatchObject({ inputWithheld: true, outputWithheld: true });
  });

  it('Responses with a reasoning item: the empty reasoning message is not part of the answer', () => {
    const [event] = readContentEvents([
      details(
        [{ role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] }],
        [
          { role: 'assistant', parts: [{ type: 'reasoning', text: '' }] },
          { role: 'assistant', parts: [{ type: 'text', content: 'Paris' }] },
        ],
      ),
    ]).events;
    expect(event?.output).toEqual([{ role: 'assistant', content: 'Paris' }]);
    expect(event?.outputWithheld).toBeUndefined();
  });

  it('empty tool arguments and custom tools (no function) are content, not withheld', () => {
    const events = readContentEvents([
      view('gen_ai.choice', {
        message: { tool_calls: [{ id: 'c1', type: 'function', function: { name: 'now', arguments: '' } }] },
      }),
      view('gen_ai.assistant.message', { tool_calls: [{ id: 'c2', type: 'custom' }] }),
    ]).events;
    expect(events.map((e) => e.outputWithheld ?? e.inputWithheld ?? false)).toEqual([false, false]);
    expect(events[0]?.output[0]?.toolCalls).toEqual([{ id: 'c1', name: 'now' }]);
  });

  it('a repeated identical message in a later batch is a new event, a re-delivered batch is not', () => {
    const yes = view('gen_ai.user.message', { content: 'yes' });
    const first = readContentEvents([yes, view('gen_ai.assistant.message', { content: 'Sure?' })]).events;
    const second = readContentEvents([yes]).events;
    expect(second[0]?.key).not.toBe(first[0]?.key);
    expect(readContentEvents([yes, view('gen_ai.assistant.message', { content: 'Sure?' })]).events).toEqual(
      first,
    );
  });

  it('a malformed record of an unsampled span is ignored like the rest of it, not rejected', () => {
    const { rejected, ignored } = readContentEvents([view('gen_ai.choice', 'garbage', { sampled: false })]);
    expect(rejected).toEqual([]);
    expect(ignored).toBe(1);
  });
});

describe('log record normalisers', () => {
  it('OTLP: ids from bytes or hex, time from timeUnixNano else observed, event name from the field or attribute, kvlist body', () => {
    const { views, rejected } = otlpLogsRequestToViews({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  traceId: Buffer.from(TRACE, 'hex'),
                  spanId: Buffer.from(SPAN, 'hex'),
                  timeUnixNano: '1700000000000000123',
                  flags: 0x101,
                  eventName: 'gen_ai.choice',
                  body: {
                    kvlistValue: {
                      values: [
                        { key: 'index', value: { intValue: 0 } },
                        {
                          key: 'message',
                          value: {
                            kvlistValue: { values: [{ key: 'content', value: { stringValue: 'Hi' } }] },
                          },
                        },
                      ],
                    },
                  },
                },
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  observedTimeUnixNano: 5,
                  flags: 0,
                  attributes: [{ key: 'event.name', value: { stringValue: 'gen_ai.user.message' } }],
                },
                { traceId: new Uint8Array(0), spanId: new Uint8Array(0) },
              ],
            },
          ],
        },
      ],
    });
    expect(rejected).toEqual([]);
    expect(views[0]).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
      timeNs: 1_700_000_000_000_000_123n,
      eventName: 'gen_ai.choice',
      body: { index: 0, message: { content: 'Hi' } },
    });
    expect(views[1]).toMatchObject({
      sampled: false,
      timeNs: 5n,
      eventName: 'gen_ai.user.message',
      body: null,
    });
    expect(views[2]?.traceId).toBeUndefined();
    expect(views[2]?.spanId).toBeUndefined();
  });

  it('OTLP: a record over the limits is rejected alone', () => {
    let deep: Record<string, unknown> = { stringValue: 'x' };
    for (let i = 0; i < 40; i++) deep = { arrayValue: { values: [deep] } };
    const { views, rejected } = otlpLogsRequestToViews({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { traceId: TRACE, spanId: SPAN, body: deep as never },
                { traceId: TRACE, spanId: SPAN, body: { stringValue: 'ok' } },
              ],
            },
          ],
        },
      ],
    });
    expect(views).toHaveLength(1);
    expect(rejected).toEqual([
      expect.objectContaining({ traceId: TRACE, spanId: SPAN, reason: 'attribute_limit' }),
    ]);
  });

  it('SDK: reads ReadableLogRecord-shaped records; a hostile one is rejected alone', () => {
    const hostile = {
      get attributes(): Record<string, unknown> {
        throw new Error('boom');
      },
    };
    const { views, rejected } = readableLogRecordsToViews([
      {
        hrTime: [1_700_000_000, 5],
        spanContext: { traceId: TRACE, spanId: SPAN, traceFlags: 1 },
        attributes: { 'event.name': 'gen_ai.user.message', 'gen_ai.system': 'openai' },
        body: { content: 'Hi' },
      },
      hostile,
    ]);
    expect(views).toEqual([
      {
        traceId: TRACE,
        spanId: SPAN,
        sampled: true,
        timeNs: 1_700_000_000_000_000_005n,
        eventName: 'gen_ai.user.message',
        attributes: { 'event.name': 'gen_ai.user.message', 'gen_ai.system': 'openai' },
        body: { content: 'Hi' },
      },
    ]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.message).toBe('boom');
  });
});
