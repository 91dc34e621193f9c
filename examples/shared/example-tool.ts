import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';

/** A function tool an example agent offers to the model. */
export interface ExampleTool {
  /** What the model sees (name, description, JSON schema of the arguments). */
  readonly definition: ChatCompletionFunctionTool;
  /** Version of the implementation (`lineage.tool.version`). */
  readonly version: string;
  /**
   * Runs the tool with the arguments the model sent (a JSON string, untrusted) and returns
   * the text handed back to the model as the tool message.
   */
  execute(rawArguments: string): Promise<string>;
}
