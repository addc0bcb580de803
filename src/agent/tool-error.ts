/** A refusal the model can act on: sent back as a tool_result with is_error and this message. */
export class ToolInputError extends Error {}
