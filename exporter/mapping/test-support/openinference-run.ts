import type { SpanView } from '../../model/span-view.js';
import { recordViews } from './record-spans.js';

/** Texts the OpenInference fixture carries. */
export const OI_TEXT = {
  question: 'What is the refund window?',
  system: 'Answer from the context.',
  chunkA: 'Refunds are accepted within 30 days.',
  chunkB: 'Shipping takes 5 days.',
  answer: 'You can get a refund within 30 days.',
} as const;

/**
 * A LangChain-style RAG chain as OpenInference records it: CHAIN (1, root) → RETRIEVER
 * (2) → EMBEDDING (3, inside the retriever) ; CHAIN (1) → LLM (4).
 */
export function openInferenceRun(): SpanView[] {
  const x = OI_TEXT;
  return recordViews((t) => {
    const root = t.start('RetrievalQA', {
      startMs: 0,
      attributes: {
        'openinference.span.kind': 'CHAIN',
        'input.value': x.question,
        'output.value': x.answer,
        'session.id': 'sess-1',
        'user.id': 'alice@example.com',
      },
    });
    const retriever = t.start('VectorStoreRetriever', {
      parent: root,
      startMs: 2,
      attributes: {
        'openinference.span.kind': 'RETRIEVER',
        'input.value': x.question,
        'retrieval.documents.0.document.id': 'a-1',
        'retrieval.documents.0.document.content': x.chunkA,
        'retrieval.documents.0.document.score': 0.92,
        'retrieval.documents.0.document.metadata': JSON.stringify({ source: 's3://docs/refunds.md' }),
        'retrieval.documents.1.document.id': 'b-7',
        'retrieval.documents.1.document.content': x.chunkB,
        'retrieval.documents.1.document.score': 0.31,
      },
    });
    const embedding = t.start('OpenAIEmbeddings', {
      parent: retriever,
      startMs: 3,
      attributes: {
        'openinference.span.kind': 'EMBEDDING',
        'embedding.model_name': 'text-embedding-3-small',
        'embedding.embeddings.0.embedding.text': x.question,
      },
    });
    t.end(embedding, 5);
    t.end(retriever, 8);
    const llm = t.start('ChatOpenAI', {
      parent: root,
      startMs: 10,
      attributes: {
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'gpt-4o-2024-08-06',
        'llm.provider': 'openai',
        'llm.system': 'openai',
        'llm.invocation_parameters': JSON.stringify({ model: 'gpt-4o', temperature: 0.1, max_tokens: 256 }),
        'llm.input_messages.0.message.role': 'system',
        'llm.input_messages.0.message.content': x.system,
        'llm.input_messages.1.message.role': 'user',
        'llm.input_messages.1.message.content': x.question,
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.content': x.answer,
        'llm.token_count.prompt': 120,
        'llm.token_count.completion': 14,
        'llm.token_count.total': 134,
        'llm.tools.0.tool.json_schema': JSON.stringify({ type: 'function', function: { name: 'noop' } }),
      },
    });
    t.end(llm, 30);
    t.end(root, 31);
  });
}
