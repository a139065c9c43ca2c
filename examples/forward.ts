// Hidden states of a tiny random-weight DeBERTa-v3-shaped checkpoint shipped in the repo.
// Run: npx vite-node examples/forward.ts [checkpoint-folder]
import { DebertaModel } from '../src/index.js';

const dir = process.argv[2] ?? new URL('../test/fixtures/models/v3_base_like', import.meta.url).pathname;
const model = await DebertaModel.fromPretrained(dir);
const { lastHiddenState, hiddenStates } = await model.forward(
  { inputIds: [[1, 17, 42, 9, 2], [1, 33, 2, 0, 0]], attentionMask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]] },
  { outputHiddenStates: true },
);
console.log(`model: ${model.config.modelType}, ${model.config.numHiddenLayers} layers, hidden ${model.config.hiddenSize}`);
console.log(`lastHiddenState shape [${lastHiddenState.shape.join(', ')}], ${hiddenStates!.length} hidden states`);
console.log('first token, first 6 values:', Array.from(lastHiddenState.data.subarray(0, 6), (v) => v.toFixed(4)).join(' '));
