// Setup of the `js` test project: the whole suite on the reference TypeScript kernels (every model a test
// builds without naming a backend gets the default one).
import { setDefaultBackend } from '../../src/tensor/default-backend.js';
import { jsBackend } from '../../src/tensor/js/backend.js';

setDefaultBackend(jsBackend);
