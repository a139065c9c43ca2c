// Setup of the `wasm` test project: the whole suite on the WebAssembly SIMD kernels, with relaxed-SIMD FMA
// where the engine has it (vitest.config.ts turns it on for Node versions that need a flag).
import { setDefaultBackend } from '../../src/tensor/default-backend.js';
import { createWasmBackend } from '../../src/tensor/wasm/backend.js';

setDefaultBackend(createWasmBackend());
