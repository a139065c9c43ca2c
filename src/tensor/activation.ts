/**
 * The activation functions the `activate` op knows, by their Hugging Face `hidden_act` names (`ACT2FN` keys).
 * A leaf of its own: config parsing validates names against it without reaching any kernel.
 */

/** The activation names this library understands. */
export const ACTIVATIONS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'tanh', 'sigmoid', 'silu', 'swish', 'linear'] as const;
/** One of {@link ACTIVATIONS}. */
export type Activation = (typeof ACTIVATIONS)[number];
