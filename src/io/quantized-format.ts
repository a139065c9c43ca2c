// A leaf of io/: how a checkpoint written by `deberta quantize` marks itself and names its scales.

/**
 * What a quantized checkpoint's config.json says under `quantization_config.quant_method`; its int8
 * tensors keep their float names (`...dense.weight`, dtype I8) and have float32 scales beside them
 * (`...dense.weight_scale`, one per row).
 */
export const Q8_QUANT_METHOD = 'deberta-q8';

/** Suffix of a quantized tensor's scale key. */
export const SCALE_SUFFIX = '_scale';

/** Whether a raw config.json describes a checkpoint written by `deberta quantize`. */
export function isQuantizedConfig(config: unknown): boolean {
  const q = (config as { quantization_config?: { quant_method?: unknown } } | null)?.quantization_config;
  return typeof q === 'object' && q !== null && q.quant_method === Q8_QUANT_METHOD;
}
