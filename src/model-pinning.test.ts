import { describe, expect, it } from 'vitest';
import { isPinnedModelName } from './model-pinning.js';

describe('isPinnedModelName', () => {
  it.each([
    'gpt-4o-2024-08-06',
    'gpt-3.5-turbo-0125',
    'gpt-4-0613',
    'claude-3-5-sonnet-20241022',
    'claude-3-5-sonnet@20240620',
    'anthropic.claude-3-haiku-20240307-v1:0',
    'gemini-1.5-pro-002',
    'mistral-large-2407',
    'command-r-08-2024',
    'ft:gpt-4o-2024-08-06:acme::abc123',
    'amazon.titan-text-express-v1',
    'llama3@sha256:0123456789abcdef0123',
    'text-embedding-3-small', // OpenAI embedding models have no dated variants: the name is the release
    'text-embedding-3-large',
    'text-embedding-ada-002',
  ])('treats %s as pinned', (name) => {
    expect(isPinnedModelName(name)).toBe(true);
  });

  it.each([
    'gpt-4o',
    'gpt-4',
    'claude-3-5-sonnet-latest',
    'mistral-large-latest',
    'llama3:latest',
    'chatgpt-4o-latest',
    'gemini-1.5-pro',
    'llama3:8b',
    'text-embedding-3-medium',
    'gpt-4-turbo-preview',
    '',
  ])('treats %s as an alias', (name) => {
    expect(isPinnedModelName(name)).toBe(false);
  });

  it('is false for non-strings instead of throwing', () => {
    for (const bad of [undefined, null, 42, {}, Symbol('x'), 1n]) expect(isPinnedModelName(bad)).toBe(false);
  });
});
