import { INVALID_SPAN_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { RecordedHandle } from './handles.js';
import { RunState } from './run-state.js';

const artifact = (n: number) => ({
  handle: new RecordedHandle('datasource', INVALID_SPAN_CONTEXT, `${n}`),
  text: `t${n}`,
  toolCallIds: [],
});

describe('RunState', () => {
  it('keeps at most maxArtifacts, forgetting the oldest first', () => {
    const state = new RunState('r', INVALID_SPAN_CONTEXT, 3, undefined);
    for (let i = 0; i < 10; i++) state.track(artifact(i));
    expect(state.tracked().map((a) => a.handle.sha256)).toEqual(['7', '8', '9']);
  });

  it('releases everything when the run ends and ignores later tracking', () => {
    const state = new RunState('r', INVALID_SPAN_CONTEXT, 3, undefined);
    state.track(artifact(1));
    state.lastInvocation = new RecordedHandle('model_invocation', INVALID_SPAN_CONTEXT);
    state.end();
    state.track(artifact(2));
    expect(state.tracked()).toEqual([]);
    expect(state.lastInvocation).toBeUndefined();
  });

  it('tracks nothing when the limit is 0', () => {
    const state = new RunState('r', INVALID_SPAN_CONTEXT, 0, undefined);
    state.track(artifact(1));
    expect(state.tracked()).toEqual([]);
  });
});
