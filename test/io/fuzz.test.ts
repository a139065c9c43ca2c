// Seeded mutation fuzzing: a damaged file either still loads or throws a DebertaError, never anything else.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebertaError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { readJsonWeights, toJson } from '../../src/io/json-weights.js';
import { unpickle } from '../../src/io/pickle.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { readTorchBin } from '../../src/io/torch-bin.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { IO_FIXTURES, memorySource, modelDir, readBytes, rng } from './helpers.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 1500);

/** Flips bytes (biased towards the structural start and end of the file) or truncates. */
function mutate(src: Uint8Array, random: () => number): Uint8Array {
  const kind = random();
  if (kind < 0.2) return src.slice(0, Math.floor(random() * src.length));
  const out = src.slice();
  const flips = 1 + Math.floor(random() * 8);
  for (let i = 0; i < flips; i++) {
    const where = random();
    const span = Math.min(out.length, 4096);
    const at = where < 0.4 ? Math.floor(random() * span)
      : where < 0.7 ? out.length - 1 - Math.floor(random() * span)
      : Math.floor(random() * out.length);
    out[at] = random() < 0.5 ? Math.floor(random() * 256) : out[at] ^ (1 << Math.floor(random() * 8));
  }
  return out;
}

type Outcome = 'loaded' | 'rejected';

function attempt(load: () => unknown): Outcome {
  try {
    const result = load();
    // A successful load must still be a coherent tensor map.
    if (result instanceof Map) for (const t of result.values()) expect((t as Tensor).data.length).toBe((t as Tensor).shape.reduce((a, b) => a * b, 1));
    return 'loaded';
  } catch (e) {
    if (!(e instanceof DebertaError)) throw new Error(`non-DebertaError escaped: ${String(e)}`, { cause: e });
    return 'rejected';
  }
}

const tiny = toJson({ hidden_size: 2 }, new Map([
  ['a', new Tensor(new Float32Array([1.5, -2, 3e-8, 4]), [2, 2])],
  ['b', new Tensor(new Float32Array([7]), [])],
]));

const targets: Array<[string, Uint8Array, (b: Uint8Array) => unknown]> = [
  ['safetensors F32', readBytes(join(modelDir('v1_base'), 'model.safetensors')), (b) => readSafetensors(b, 'f')],
  ['safetensors F16', readBytes(join(modelDir('v3_base_like'), 'fp16', 'model.safetensors')), (b) => readSafetensors(b, 'f')],
  ['pytorch_model.bin', readBytes(join(modelDir('v1_base'), 'pytorch_model.bin')), (b) => readTorchBin(b, 'f')],
  ['shared-storage .bin', readBytes(join(IO_FIXTURES, 'shared.bin')), (b) => readTorchBin(b, 'f')],
  ['legacy .bin', readBytes(join(IO_FIXTURES, 'legacy.bin')), (b) => readTorchBin(b, 'f')],
  ['model.json', new TextEncoder().encode(tiny), (b) => readJsonWeights(b, 'f').tensors],
];

describe('fuzz', () => {
  it.each(targets)('%s', (_name, original, load) => {
    expect(attempt(() => load(original))).toBe('loaded');
    const random = rng(0x5eed + original.length);
    const seen: Record<Outcome, number> = { loaded: 0, rejected: 0 };
    for (let i = 0; i < ITERATIONS; i++) seen[attempt(() => load(mutate(original, random)))]++;
    expect(seen.rejected).toBeGreaterThan(0);
  });

  it('random opcode streams through the unpickler', () => {
    // Opcodes a state dict uses, plus their operands as random bytes, so that deep stack states are reached.
    const alphabet = [0x28, 0x29, 0x2e, 0x4a, 0x4b, 0x4d, 0x4e, 0x51, 0x52, 0x58, 0x5d, 0x61, 0x62, 0x63, 0x65, 0x68, 0x71, 0x73, 0x74, 0x75, 0x7d, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x93, 0x94, 0x95];
    const globals = ['collections\nOrderedDict\n', 'torch._utils\n_rebuild_tensor_v2\n', 'torch\nFloatStorage\n', 'torch._utils\n_rebuild_parameter\n'];
    const random = rng(4242);
    for (let i = 0; i < ITERATIONS * 2; i++) {
      const parts: number[] = [0x80, 2];
      const n = 1 + Math.floor(random() * 60);
      for (let j = 0; j < n; j++) {
        const op = alphabet[Math.floor(random() * alphabet.length)];
        parts.push(op);
        if (op === 0x63) parts.push(...new TextEncoder().encode(globals[Math.floor(random() * globals.length)]));
        else if (op === 0x58) parts.push(1, 0, 0, 0, 0x30 + Math.floor(random() * 3));
        else for (let k = Math.floor(random() * 3); k > 0; k--) parts.push(Math.floor(random() * 4));
      }
      parts.push(0x2e);
      attempt(() => unpickle(new Uint8Array(parts), { file: 'f' }).value);
    }
  });

  it('sharded index files through loadCheckpoint', async () => {
    const dir = join(IO_FIXTURES, 'sharded_bin');
    const files: Record<string, Uint8Array> = {};
    for (const f of ['config.json', 'pytorch_model.bin.index.json', 'pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin']) {
      files[f] = readBytes(join(dir, f));
    }
    const random = rng(99);
    const names = Object.keys(files).slice(1);
    for (let i = 0; i < 300; i++) {
      const victim = names[Math.floor(random() * names.length)];
      const source = memorySource({ ...files, [victim]: mutate(files[victim], random) });
      const error = await loadCheckpoint(source).then(() => null, (e: unknown) => e);
      if (error !== null) expect(error).toBeInstanceOf(DebertaError);
    }
  });
});
