// Setup of the `wasm-threads` test project: the WebAssembly kernels on two threads (the caller and one
// worker), waiting for the worker so that every test really runs threaded.
import { beforeAll } from 'vitest';
import { setDefaultBackend } from '../../src/tensor/default-backend.js';
import { createWasmBackend } from '../../src/tensor/wasm/backend.js';

const backend = createWasmBackend({ numThreads: 2 });
setDefaultBackend(backend);
beforeAll(() => backend.ready());
