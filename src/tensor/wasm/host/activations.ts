/**
 * `Backend.allocate` of the wasm backend: activation buffers inside its shared memory, which the kernels read
 * and write in place (a model's arena takes them, so its matmuls skip copying operands in and out). Only a
 * shared memory hands them out (the backend's is, on any thread count, wherever the engine allows it; not
 * the edge runtimes' prebuilt kernels'): growing it never detaches a view, whereas growing a non-shared one
 * would detach every buffer a model holds.
 */
import { WasmHeapExhaustedError } from './heap.js';
import type { WasmRuntime } from './runtime.js';

/** Frees the block of a buffer dropped without `release` (a model reclaimed without `dispose`). */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<{ rt: WasmRuntime; ptr: number }>(({ rt, ptr }) => rt.heap.free(ptr))
  : null;

/** `length` floats in the runtime's shared memory, or undefined (memory not shared, or full). */
export function allocateActivations(rt: WasmRuntime, length: number): Float32Array | undefined {
  if (!rt.heap.shared) return undefined;
  let ptr: number;
  try {
    ptr = rt.heap.alloc(length * 4);
  } catch (e) {
    if (e instanceof WasmHeapExhaustedError) return undefined;
    throw e;
  }
  const view = new Float32Array(rt.heap.f32().buffer, ptr, length);
  finalizer?.register(view, { rt, ptr }, view);
  return view;
}

/** Frees a buffer of {@link allocateActivations}; anything else is ignored. */
export function releaseActivations(rt: WasmRuntime, view: Float32Array): void {
  const ptr = rt.heap.addressOf(view);
  if (ptr < 0 || finalizer?.unregister(view) === false) return;
  rt.heap.free(ptr);
}
