import { TokenizerError } from '../../errors.js';
import { ProtoReader, WireType } from './protobuf.js';

/** sentencepiece `SentencePiece.Type` values. */
export const PieceType = {
  Normal: 1,
  Unknown: 2,
  Control: 3,
  UserDefined: 4,
  Unused: 5,
  Byte: 6,
} as const;

/** The parts of `TrainerSpec` that change how text is encoded. */
export interface SpmTrainerSpec {
  /** 1 = Unigram, 2 = BPE, 3 = word, 4 = char. */
  modelType: number;
  vocabSize: number;
  byteFallback: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkPiece: string;
  treatWhitespaceAsSuffix: boolean;
  splitByWhitespace: boolean;
  splitByUnicodeScript: boolean;
  splitByNumber: boolean;
  splitDigits: boolean;
  maxSentencepieceLength: number;
}

/** `NormalizerSpec`: the charsmap and the whitespace rules. */
export interface SpmNormalizerSpec {
  name: string;
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/** A parsed sentencepiece `ModelProto`. */
export interface SpmModel {
  pieces: string[];
  /** Scores are float32 in the proto; kept as float32 because the Viterbi tie rule depends on it. */
  scores: Float32Array;
  types: Uint8Array;
  trainer: SpmTrainerSpec;
  normalizer: SpmNormalizerSpec;
}

function defaultTrainer(): SpmTrainerSpec {
  // proto2 defaults from sentencepiece_model.proto.
  return {
    modelType: 1,
    vocabSize: 8000,
    byteFallback: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkPiece: '<unk>',
    treatWhitespaceAsSuffix: false,
    splitByWhitespace: true,
    splitByUnicodeScript: true,
    splitByNumber: true,
    splitDigits: false,
    maxSentencepieceLength: 16,
  };
}

function defaultNormalizer(): SpmNormalizerSpec {
  return {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
}

function readPiece(r: ProtoReader): [string, number, number] {
  let piece: string | null = null;
  let score = 0;
  let type: number = PieceType.Normal;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1) {
      r.expect(field, wire, WireType.Bytes);
      piece = r.string();
    } else if (field === 2) {
      r.expect(field, wire, WireType.Fixed32);
      score = r.float32();
    } else if (field === 3) {
      r.expect(field, wire, WireType.Varint);
      type = r.int32();
    } else r.skip(wire);
  }
  if (piece === null) throw new TokenizerError('a SentencePiece entry has no piece string');
  if (type < 1 || type > 6) throw new TokenizerError(`piece ${JSON.stringify(piece)} has unknown type ${type}`);
  return [piece, score, type];
}

function readTrainer(r: ProtoReader): SpmTrainerSpec {
  const t = defaultTrainer();
  while (!r.done) {
    const [field, wire] = r.tag();
    const varint = wire === WireType.Varint;
    if (varint && field === 3) t.modelType = r.int32();
    else if (varint && field === 4) t.vocabSize = r.int32();
    else if (varint && field === 35) t.byteFallback = r.bool();
    else if (varint && field === 40) t.unkId = r.int32();
    else if (varint && field === 41) t.bosId = r.int32();
    else if (varint && field === 42) t.eosId = r.int32();
    else if (varint && field === 43) t.padId = r.int32();
    else if (varint && field === 24) t.treatWhitespaceAsSuffix = r.bool();
    else if (varint && field === 22) t.splitByWhitespace = r.bool();
    else if (varint && field === 21) t.splitByUnicodeScript = r.bool();
    else if (varint && field === 23) t.splitByNumber = r.bool();
    else if (varint && field === 25) t.splitDigits = r.bool();
    else if (varint && field === 20) t.maxSentencepieceLength = r.int32();
    else if (wire === WireType.Bytes && field === 45) t.unkPiece = r.string();
    else r.skip(wire);
  }
  return t;
}

function readNormalizer(r: ProtoReader): SpmNormalizerSpec {
  const n = defaultNormalizer();
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Bytes) n.name = r.string();
    else if (field === 2 && wire === WireType.Bytes) n.precompiledCharsmap = r.bytesField();
    else if (field === 3 && wire === WireType.Varint) n.addDummyPrefix = r.bool();
    else if (field === 4 && wire === WireType.Varint) n.removeExtraWhitespaces = r.bool();
    else if (field === 5 && wire === WireType.Varint) n.escapeWhitespaces = r.bool();
    else r.skip(wire);
  }
  return n;
}

/**
 * Parses a sentencepiece `spm.model` (a serialized `ModelProto`). Only Unigram models are accepted: that is
 * what every DeBERTa v2/v3 checkpoint ships. Throws {@link TokenizerError} on any malformed input.
 */
export function parseSpmModel(bytes: Uint8Array): SpmModel {
  const pieces: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  let trainer = defaultTrainer();
  let normalizer = defaultNormalizer();
  let sawTrainer = false;
  const r = new ProtoReader(bytes);
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1) {
      r.expect(field, wire, WireType.Bytes);
      const [p, s, t] = readPiece(r.message());
      pieces.push(p);
      scores.push(s);
      types.push(t);
    } else if (field === 2) {
      r.expect(field, wire, WireType.Bytes);
      trainer = readTrainer(r.message());
      sawTrainer = true;
    } else if (field === 3) {
      r.expect(field, wire, WireType.Bytes);
      normalizer = readNormalizer(r.message());
    } else r.skip(wire);
  }
  if (pieces.length === 0) throw new TokenizerError('the model has no pieces (not a sentencepiece model?)');
  if (!sawTrainer) throw new TokenizerError('the model has no trainer_spec (not a sentencepiece model?)');
  if (trainer.modelType !== 1) {
    throw new TokenizerError(`model_type ${trainer.modelType} is not supported; only Unigram (1) is`);
  }
  const out: SpmModel = {
    pieces,
    scores: Float32Array.from(scores),
    types: Uint8Array.from(types),
    trainer,
    normalizer,
  };
  if (!out.types.includes(PieceType.Unknown)) throw new TokenizerError('the model has no unknown piece');
  return out;
}
