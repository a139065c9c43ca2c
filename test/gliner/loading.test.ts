// Loading GLiNER checkpoints: a folder, model.safetensors vs pytorch_model.bin, the backbone's tokenizer when
// the repository has none, slow vs fast tokenizer semantics, and the configs and checkpoints it refuses.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, GlinerModel, InputError, WeightsError, type FileSource } from '../../src/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../io/helpers.js';
import { CASES, caseDir, caseSource, expected, flat, maxAbsDiff, SPM } from './helpers.js';

const exp = expected('span_markerV0');

/** A FileSource over a case folder with gliner_config.json replaced. */
function withConfig(edit: (cfg: Record<string, unknown>) => void, without: readonly string[] = []): FileSource {
  const base = caseSource('span_markerV0', without);
  const cfg = JSON.parse(readFileSync(join(caseDir('span_markerV0'), 'gliner_config.json'), 'utf8')) as Record<string, unknown>;
  edit(cfg);
  return { name: base.name, read: async (f) => (f === 'gliner_config.json' ? new TextEncoder().encode(JSON.stringify(cfg)) : base.read(f)) };
}

describe('GlinerModel.fromPretrained', () => {
  it('loads a folder path (model.safetensors) and pytorch_model.bin to the same logits as GLiNER', async () => {
    const fromFolder = await GlinerModel.fromPretrained(caseDir('span_markerV0'));
    const fromBin = await GlinerModel.fromPretrained(caseSource('span_markerV0', ['model.safetensors']));
    for (const input of exp.inputs) {
      const a = (await fromFolder.forward(input.text, input.labels)).logits.data;
      const b = (await fromBin.forward(input.text, input.labels)).logits.data;
      expect(maxAbsDiff(a, b)).toBe(0);
      expect(maxAbsDiff(a, flat(input.logits))).toBeLessThan(1e-4);
    }
    const input = exp.inputs[0];
    const mode = 'flat_ner=false,multi_label=true';
    const got = await fromBin.predictEntities(input.text, input.labels, { threshold: input.threshold, flatNer: false, multiLabel: true });
    expect(got.map((e) => [e.start, e.end, e.text, e.label])).toEqual(input.predictions[mode].map((e) => [e.start, e.end, e.text, e.label]));
    fromFolder.dispose();
    fromBin.dispose();
  });

  it('dtype q8 from a folder reads model.safetensors tensor by tensor, with the bits of the whole-file load', async () => {
    for (const c of CASES) {
      // A folder with the shared spm.model beside the case's files (only span_markerV0 has its own copy).
      const dir = mkdtempSync(join(tmpdir(), `deberta-gliner-${c}-`));
      for (const f of readdirSync(caseDir(c))) copyFileSync(join(caseDir(c), f), join(dir, f));
      if (!existsSync(join(dir, 'spm.model'))) copyFileSync(SPM, join(dir, 'spm.model'));
      const events: number[] = [];
      const streamed = await GlinerModel.fromPretrained(dir, { dtype: 'q8', onProgress: (e) => e.file === 'model.safetensors' && events.push(e.loaded) });
      const whole = await GlinerModel.fromPretrained(caseSource(c), { dtype: 'q8' });
      const fp32 = await GlinerModel.fromPretrained(caseSource(c));
      expect(events.length, c).toBeGreaterThan(3); // header, then tensor reads: not one read of the whole file
      expect(events.at(-1), c).toBe(readFileSync(join(caseDir(c), 'model.safetensors')).length);
      const input = exp.inputs[0];
      const a = (await streamed.forward(input.text, input.labels)).logits.data;
      const b = (await whole.forward(input.text, input.labels)).logits.data;
      expect(maxAbsDiff(a, b), c).toBe(0);
      expect(maxAbsDiff(a, (await fp32.forward(input.text, input.labels)).logits.data), c).toBeGreaterThan(0); // really quantized
      for (const m of [streamed, whole, fp32]) m.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("uses the backbone's tokenizer and config (model_name, fetched like any source) when the repository has neither", async () => {
    // The backbone's own config.json has its own vocabulary size; GLiNER's vocab_size (128004) is the resized table.
    const encoder = JSON.parse(readFileSync(join(caseDir('span_markerV0'), 'gliner_config.json'), 'utf8')).encoder_config as Record<string, unknown>;
    const hub = new Map<string, Uint8Array>([
      ['spm.model', new Uint8Array(readFileSync(SPM))],
      ['added_tokens.json', new TextEncoder().encode('{"[MASK]": 128000}')],
      ['config.json', new TextEncoder().encode(JSON.stringify({ ...encoder, vocab_size: 128100 }))],
    ]);
    const requested: string[] = [];
    const fetch = async (url: string): Promise<Response> => {
      requested.push(url);
      const m = /^https:\/\/hub\.test\/microsoft\/deberta-v3-small\/resolve\/main\/(.+)$/.exec(url);
      const body = m === null ? undefined : hub.get(m[1]);
      return body === undefined ? new Response('not found', { status: 404 }) : new Response(new Blob([body.slice()]));
    };
    const files = caseSource('span_markerV0', ['spm.model', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json', 'tokenizer.json']);
    const source = withConfig((c) => delete c.encoder_config);
    const model = await GlinerModel.fromPretrained({ name: files.name, read: (f) => (f === 'gliner_config.json' ? source.read(f) : files.read(f)) }, { hubUrl: 'https://hub.test', fetch });
    expect(requested.some((u) => u.endsWith('/spm.model'))).toBe(true);
    expect(requested.some((u) => u.endsWith('/config.json'))).toBe(true);
    expect(model.config.encoder.vocabSize).toBe(128004);
    expect(model.tokenizer.convertTokensToIds(['[FLERT]', '<<ENT>>', '<<SEP>>'])).toEqual([128001, 128002, 128003]);
    for (const input of exp.inputs) {
      const { logits } = await model.forward(input.text, input.labels);
      expect(maxAbsDiff(logits.data, flat(input.logits))).toBeLessThan(1e-4);
    }
    model.dispose();
  });

  it("gives the same ids with semantics 'slow' (the fixtures' DebertaV2Tokenizer)", async () => {
    const slow = await GlinerModel.fromPretrained(caseSource('span_markerV0'), { semantics: 'slow' });
    for (const input of exp.inputs) {
      const { logits } = await slow.forward(input.text, input.labels);
      expect(maxAbsDiff(logits.data, flat(input.logits))).toBeLessThan(1e-4);
    }
    // sentencepiece gives U+200B (a word for Python's \S) no piece at all; GLiNER's fast tokenizer gives "▁",
    // and so do we, so every word keeps its own first piece.
    const { buildInput } = await import('../../src/gliner/processor.js');
    const { splitWords } = await import('../../src/gliner/words.js');
    const words = splitWords('a \u200b b');
    expect(words.map((w) => w.text)).toEqual(['a', '\u200b', 'b']);
    expect(slow.tokenizer.encode('\u200b', undefined, { addSpecialTokens: false })).toEqual([]);
    const built = buildInput(slow.tokenizer, words, 3, ['person'], '<<ENT>>', '<<SEP>>');
    const ids = (w: string) => slow.tokenizer.encode(w, undefined, { addSpecialTokens: false });
    expect(slow.tokenizer.convertTokensToIds(['▁'])).toEqual([507]);
    expect(built.inputIds).toEqual([1, 128002, ...ids('person'), 128003, ...ids('a'), 507, ...ids('b'), 2]);
    expect(built.inputIds).toEqual([1, 128002, 604, 128003, 266, 507, 2165, 2]);
    expect([...built.wordsMask]).toEqual([0, 0, 0, 0, 1, 2, 3, 0]);
    slow.dispose();
  });

  it.each([
    ['span_mode', (c: Record<string, unknown>) => (c.span_mode = 'markerV1'), /"span_mode" "markerV1"/],
    ['fuse_layers', (c: Record<string, unknown>) => (c.fuse_layers = true), /"fuse_layers" true/],
    ['labels_encoder (bi-encoder)', (c: Record<string, unknown>) => (c.labels_encoder = 'BAAI/bge-small-en-v1.5'), /"labels_encoder"/],
    ['relations_layer', (c: Record<string, unknown>) => (c.relations_layer = 'dot'), /"relations_layer"/],
    ['num_rnn_layers', (c: Record<string, unknown>) => (c.num_rnn_layers = 2), /"num_rnn_layers" 2/],
    ['subtoken_pooling', (c: Record<string, unknown>) => (c.subtoken_pooling = 'mean'), /"subtoken_pooling" "mean"/],
    ['words_splitter_type', (c: Record<string, unknown>) => (c.words_splitter_type = 'spacy'), /"words_splitter_type" "spacy"/],
    ['post_fusion_schema', (c: Record<string, unknown>) => (c.post_fusion_schema = 'l2l-l2t'), /"post_fusion_schema"/],
    ['encoder_config (and no model_name)', (c: Record<string, unknown>) => (delete c.encoder_config, delete c.model_name), /"encoder_config"/],
    ['class_token_index', (c: Record<string, unknown>) => (c.class_token_index = 128001), /"class_token_index" 128001 is not the id of <<ENT>> \(128002\)/],
  ])('refuses gliner_config.json with unsupported %s: ConfigError naming it', async (_name, edit, message) => {
    const p = GlinerModel.fromPretrained(withConfig(edit));
    await expect(p).rejects.toThrow(ConfigError);
    await expect(p).rejects.toThrow(message);
  });

  it.each([
    ['span_markerV0', 'rnn.lstm.weight_hh_l0_reverse'],
    ['span_markerV0', 'span_rep_layer.span_rep_layer.out_project.0.weight'],
    ['span_markerV0', 'prompt_rep_layer.3.bias'],
    ['span_markerV0', 'token_rep_layer.bert_layer.model.encoder.layer.1.output.dense.weight'],
    ['span_projection', 'token_rep_layer.projection.weight'],
    ['token_level', 'rnn.lstm.bias_ih_l0'],
    ['token_level', 'scorer.out_mlp.3.weight'],
  ] as const)('%s without %s: a WeightsError naming it', async (c, key) => {
    const tensors = readSafetensors(new Uint8Array(readFileSync(join(caseDir(c), 'model.safetensors'))));
    expect(tensors.delete(key)).toBe(true);
    const base = caseSource(c, ['pytorch_model.bin']);
    const source: FileSource = { name: base.name, read: async (f) => (f === 'model.safetensors' ? writeSafetensors(tensors) : base.read(f)) };
    const p = GlinerModel.fromPretrained(source);
    await expect(p).rejects.toThrow(WeightsError);
    await expect(p).rejects.toThrow(`missing tensor "${key}"`);
  });

  it('refuses unknown options and a missing gliner_config.json', async () => {
    await expect(GlinerModel.fromPretrained(caseSource('span_markerV0'), { numThread: 2 } as never)).rejects.toThrow(/unknown option "numThread" \(did you mean "numThreads"\?\)/);
    await expect(GlinerModel.fromPretrained(caseSource('span_markerV0', ['gliner_config.json']))).rejects.toThrow(WeightsError);
    await expect(GlinerModel.fromPretrained(caseSource('span_markerV0'), { semantics: 'medium' as never })).rejects.toThrow(InputError);
  });
});
