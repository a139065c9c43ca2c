// A module Web Worker that keeps DeBERTa off the page's main thread.
// Page side:
//   const worker = new Worker(new URL('./deberta-worker.js', import.meta.url), { type: 'module' });
//   worker.postMessage({ id: 1, type: 'load', libraryUrl, modelUrl });
//   worker.postMessage({ id: 2, type: 'forward', inputs: { inputIds: [[1, 5, 2]] } });
//   worker.onmessage = ({ data }) => { /* { id, result } or { id, error } */ };
// Results come back as plain objects ({ shape, data: Float32Array }); the Float32Array buffer is transferred.
let lib;
let model;

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'load') {
      lib = await import(msg.libraryUrl);
      model = await lib.DebertaModel.fromPretrained(msg.modelUrl);
      self.postMessage({ id: msg.id, result: { modelType: model.config.modelType } });
    } else if (msg.type === 'forward') {
      const { lastHiddenState } = await model.forward(msg.inputs);
      const data = lastHiddenState.data.slice();
      self.postMessage({ id: msg.id, result: { shape: lastHiddenState.shape, data } }, [data.buffer]);
    } else {
      throw new Error(`unknown message type ${msg.type}`);
    }
  } catch (e) {
    self.postMessage({ id: msg.id, error: `${e.name}: ${e.message}` });
  }
};
