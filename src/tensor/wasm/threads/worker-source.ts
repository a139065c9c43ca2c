/**
 * The source of a worker thread, as a string: workers are started from it (a Blob URL in browsers,
 * `eval` in Node), so the package needs no separate worker file. It instantiates the kernel modules on the
 * shared memory it is sent, then serves tasks by the protocol of `protocol.ts` until told to stop.
 */
import * as P from './protocol.js';

/** Spin iterations before sleeping: waking a sleeping thread costs ~50 µs, a spinning one ~1 µs. */
const SPIN = 20000;

export function workerSource(): string {
  return `'use strict';
(() => {
  const port = typeof require === 'function' ? require('worker_threads').parentPort : null;
  const receive = (handler) => {
    if (port) port.once('message', handler);
    else self.onmessage = (event) => { self.onmessage = null; handler(event.data); };
  };
  receive(({ memory, modules, ctl, index, tasks }) => {
    const exports = {};
    // In order: a module may import an earlier one's exports (the attention task calls the gemm).
    for (const m of modules) Object.assign(exports, new WebAssembly.Instance(m, { env: { memory, ...exports } }).exports);
    const fns = tasks.map((name) => exports[name]);
    const i32 = new Int32Array(memory.buffer);
    const base = ctl >> 2;
    const slot = base + ${P.SLOTS} + index * ${P.SLOT_SIZE};
    const st = slot + ${P.STATE};
    const args = [];
    const run = () => {
      const fn = fns[i32[base + ${P.TASK}]];
      const count = i32[base + ${P.COUNT}];
      const n = i32[base + ${P.NARGS}];
      args.length = 0;
      for (let k = 0; k < n; k++) args.push(i32[base + ${P.ARGS} + k]);
      for (;;) {
        const item = Atomics.add(i32, base + ${P.NEXT}, 1);
        if (item >= count) return;
        fn(item, index + 1, ...args);
      }
    };
    Atomics.store(i32, slot + ${P.READY}, 1);
    let spins = 0;
    for (;;) {
      const s = Atomics.load(i32, st);
      if (s === ${P.OFFERED}) {
        if (Atomics.compareExchange(i32, st, ${P.OFFERED}, ${P.TAKEN}) !== ${P.OFFERED}) continue;
        let ok = false;
        try { run(); ok = true; } finally { Atomics.store(i32, st, ok ? ${P.DONE} : ${P.FAILED}); }
        spins = 0;
      } else if (s === ${P.STOP}) {
        return;
      } else if (spins < ${SPIN}) {
        spins++;
      } else {
        Atomics.wait(i32, st, s);
        spins = 0;
      }
    }
  });
})();
`;
}
