/** Version of the agent-lineage SDK, reported as the instrumentation scope version. */
export const SDK_VERSION = '0.1.0';

/** Instrumentation scope name of every span the SDK creates. */
export const SDK_SCOPE_NAME = 'agent-lineage';
