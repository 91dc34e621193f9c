import { describe, expect, it } from 'vitest';
import { isCapturedContentKey } from './redact-content.js';

describe('isCapturedContentKey', () => {
  it.each([
    'content',
    'systemPrompt',
    'prompt',
    'messages',
    'inputMessages',
    'completion',
    'content.text',
    'input',
    'output',
    'query',
  ])('%s is captured content', (key) => expect(isCapturedContentKey(key)).toBe(true));
  it.each([
    'contentSha256',
    'systemPromptSha256',
    'inputSha256',
    'outputSha256',
    'querySha256',
    'promptTemplateId',
    'uri',
    'sourceId',
    'inputTokens',
    'agentName',
  ])('%s is metadata and stays', (key) => expect(isCapturedContentKey(key)).toBe(false));
});
