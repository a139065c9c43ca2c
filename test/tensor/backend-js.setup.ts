// Setup of the `js` test project: the whole suite on the reference TypeScript kernels.
import { jsBackend, setBackend } from '../../src/tensor/kernels.js';

setBackend(jsBackend);
