/**
 * Every error the library throws on bad input or bad files is a {@link DebertaError}; the subclass says
 * which side is at fault and the message names the field, tensor, file or index.
 */
export class DebertaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A config.json field is missing, malformed or has a value this library does not support. */
export class ConfigError extends DebertaError {}

/** A weights file is malformed, or a tensor is missing or has the wrong shape or dtype. */
export class WeightsError extends DebertaError {}

/** The inputs of a forward call are malformed (ragged batch, ids out of range, shape mismatch, ...). */
export class InputError extends DebertaError {}

/** A tokenizer file is malformed or a tokenizer call got an input it cannot handle. */
export class TokenizerError extends DebertaError {}
