// Setup of the `wasm-simd` test project: the WebAssembly kernels without relaxed SIMD, as engines
// without it (Node 20 by default, older browsers) run them.
import { setBackend } from '../../src/tensor/kernels.js';
import { createWasmBackend } from '../../src/tensor/wasm/backend.js';

setBackend(createWasmBackend({ relaxedSimd: false }));
