/**
 * `deberta`: Microsoft DeBERTa (v1, v2, v3) in pure TypeScript.
 * @packageDocumentation
 */
export { DebertaError, ConfigError, WeightsError, InputError, TokenizerError } from './errors.js';
export { Tensor, Int8Tensor, type TensorMap, type Int8TensorMap } from './tensor/tensor.js';
export type {
  Backend,
  Activation,
  PackedMatrix,
  AttentionArgs,
  RelativeTerms,
  PackArgs,
  GemmArgs,
  AddArgs,
  ScaleRowsArgs,
  LayerNormArgs,
  MaskedSoftmaxArgs,
  ActivateArgs,
  EmbeddingGatherArgs,
  GatheredScoresArgs,
  Conv1dArgs,
  LstmArgs,
  PackedQ8Matrix,
  PackQ8Args,
  GemmQ8Args,
  DotQ8Args,
} from './tensor/backend.js';
export { activationLimit, quantizeRows, WEIGHT_QMAX, ACTIVATION_QMAX, type Int8Rows } from './tensor/quant.js';
export { jsBackend } from './tensor/js/backend.js';
export { defaultBackend, setDefaultBackend, defaultNumThreads, kernels, setBackend, withBackend } from './tensor/default-backend.js';
export {
  createWasmBackend,
  wasmSimdSupported,
  relaxedSimdSupported,
  threadsSupported,
  type WasmBackend,
  type WasmBackendOptions,
  type WasmMemoryStats,
  type KernelTimer,
} from './tensor/wasm/backend.js';
export { usePrebuiltKernels, type PrebuiltKernels, type KernelModules } from './tensor/wasm/host/prebuilt.js';
export type { ComputeOptions } from './model/backend-options.js';
export { DTYPES, Q8_QUANT_METHOD, type ModelDtype } from './model/dtype.js';
export { quantize, quantizeCheckpoint, type QuantizedCheckpoint } from './model/quantize.js';
export { toSafetensors } from './io/safetensors-writer.js';
export { parseConfig, type DebertaConfig, type PosAttType } from './model/config.js';
export { DebertaModel, type ForwardOptions, type ModelOutput, type PaddingMode, type WeightsInput } from './model/deberta-model.js';
export { MAX_ATTENTION_MAP_BYTES, type AttentionTerms } from './model/attention-maps.js';
export type { ModelInputs } from './model/inputs.js';
export { buildRelativePosition, logBucket } from './model/relative-position.js';
export { readSafetensors, readSafetensorsQuantized } from './io/safetensors.js';
export { readTorchBin } from './io/torch-bin.js';
export { readJsonWeights, saveJson, toJson, type JsonCheckpoint } from './io/json-weights.js';
export { loadCheckpoint, type Checkpoint, type CheckpointFormat } from './io/checkpoint.js';
export { resolveSource, DEFAULT_HUB_URL } from './io/resolve.js';
export type { FileSource, RangeReader } from './io/file-source.js';
export type { LoadOptions, LoadProgress, FetchLike } from './io/load-options.js';
export { DebertaTaskModel, type BackboneOutputs, type HeadForwardOptions, type LogitsOutput } from './model/heads/base.js';
export { DebertaForMaskedLM, type MaskedLMForwardOptions } from './model/heads/masked-lm.js';
export { DebertaForReplacedTokenDetection } from './model/heads/replaced-token-detection.js';
export {
  DebertaForSequenceClassification,
  DebertaForTokenClassification,
  DebertaForQuestionAnswering,
  type QuestionAnsweringOutput,
} from './model/heads/classification.js';
export { DebertaForMultipleChoice, type MultipleChoiceInputs } from './model/heads/multiple-choice.js';
export {
  pipeline,
  TASKS,
  type Task,
  type PipelineOptions,
  type PipelineByTask,
  type FillMaskPipeline,
  type TextClassificationPipeline,
  type ZeroShotClassificationPipeline,
  type TokenClassificationPipeline,
  type QuestionAnsweringPipeline,
  type FeatureExtractionPipeline,
} from './pipelines/pipeline.js';
export type { FillMaskOptions, FillMaskOutput, FillMaskResult } from './pipelines/fill-mask.js';
export type { TextClassificationInput, TextClassificationOptions, TextClassificationResult, LabelScore } from './pipelines/text-classification.js';
export type { ZeroShotOptions, ZeroShotResult } from './pipelines/zero-shot-classification.js';
export type { TokenClassificationOptions, TokenEntity, AggregationStrategy } from './pipelines/token-classification.js';
export type { QuestionAnsweringInput, QuestionAnsweringOptions, Answer } from './pipelines/question-answering.js';
export type { FeatureExtractionOptions } from './pipelines/feature-extraction.js';
export {
  AutoTokenizer,
  type TokenizerLoadOptions,
  type BatchEncoding,
  type DebertaTokenizer,
  type DecodeOptions,
  type PaddingOption,
  type TokenizerCallOptions,
  type TruncationOption,
  type TruncationStrategy,
  type Semantics,
  type EncodeOptions,
  MAX_SEQUENCE_LENGTH,
  MAX_PADDING_TOKENS,
} from './tokenizers/index.js';
export { GlinerModel, type GlinerEntity, type GlinerOutput } from './gliner/gliner-model.js';
export type { GlinerConfig, GlinerSpanMode } from './gliner/config.js';
export type { GlinerLoadOptions, PredictEntitiesOptions } from './gliner/options.js';
export { splitWords as glinerSplitWords, type Word as GlinerWord } from './gliner/words.js';
