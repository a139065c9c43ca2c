// ONNX Runtime sessions on the bench kit's graphs, natively (onnxruntime-node) or in WebAssembly
// (onnxruntime-web, what transformers.js runs in browsers), behind one small interface.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { importPeer } from './peer-packages.js';

/** The part of ONNX Runtime's JavaScript API (the same in onnxruntime-node and -web) the benchmarks use. */
export interface OrtTensor {
  data: unknown;
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtModule {
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(model: string | Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  env: { wasm: { numThreads: number } };
}

/** Which ONNX Runtime runs the graph. */
export type OrtRuntime = 'ort-node' | 'ort-web';

/** A loaded graph: token ids [batch][seq] (attention mask all ones) -> last hidden state [batch, seq, 768]. */
export interface OrtRunner {
  run(ids: number[][]): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Loads `graph` (a .onnx whose weights are in `<graph>.data` beside it) on `threads` intra-op threads.
 * onnxruntime-web reads its thread count once per process, so use one thread count per process.
 */
export async function openOrt(runtime: OrtRuntime, graph: string, threads: number): Promise<OrtRunner> {
  const ort = await importPeer<OrtModule>(runtime === 'ort-node' ? 'onnxruntime-node' : 'onnxruntime-web');
  let session: OrtSession;
  if (runtime === 'ort-node') {
    session = await ort.InferenceSession.create(graph, {
      intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
  } else {
    ort.env.wasm.numThreads = threads;
    session = await ort.InferenceSession.create(new Uint8Array(readFileSync(graph)), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      externalData: [{ path: `${basename(graph)}.data`, data: new Uint8Array(readFileSync(`${graph}.data`)) }],
    });
  }
  return {
    async run(ids) {
      const b = ids.length;
      const s = ids[0].length;
      const out = await session.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [b, s]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(b * s).fill(1n), [b, s]),
      });
      return out.last_hidden_state.data as Float32Array;
    },
    release: () => session.release(),
  };
}
