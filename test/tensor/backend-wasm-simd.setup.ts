// Setup of the `wasm-simd` test project: the WebAssembly kernels without relaxed SIMD, as engines
// without it (Node 20 by default, older browsers) run them.
import { setDefaultBackend } from '../../src/tensor/default-backend.js';
import { createWasmBackend } from '../../src/tensor/wasm/backend.js';

setDefaultBackend(createWasmBackend({ relaxedSimd: false }));
