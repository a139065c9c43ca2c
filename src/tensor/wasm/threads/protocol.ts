/**
 * The control block threads share in wasm memory (i32 slots). The main thread publishes a task (an
 * exported `fn(item, thread, ...args)` and an item count), offers it to each ready worker, and claims items
 * itself; every participant claims items with an atomic increment of NEXT until none are left. The main
 * thread waits only for workers that took the offer, and withdraws offers not yet taken, so a worker the
 * OS has descheduled never stalls a call.
 */

/** Next item to claim. */
export const NEXT = 0;
/** Number of items. */
export const COUNT = 1;
/** Index of the task function. */
export const TASK = 2;
/** Number of i32 arguments after the item. */
export const NARGS = 3;
/** First argument. */
export const ARGS = 4;
export const MAX_ARGS = 24;
/** First worker slot; each slot is one cache line (16 i32) so workers never share a line. */
export const SLOTS = 32;
export const SLOT_SIZE = 16;
/** Within a slot: the state, and 1 once the worker has instantiated the modules. */
export const STATE = 0;
export const READY = 1;

/** Worker states. */
export const IDLE = 0;
export const OFFERED = 1;
export const TAKEN = 2;
export const DONE = 3;
export const STOP = 4;
export const FAILED = 5;

/** Bytes of the control block for `workers` workers. */
export function controlBytes(workers: number): number {
  return (SLOTS + workers * SLOT_SIZE) * 4;
}

/** Task functions a worker may run, by index (every module export named here must exist). */
export const TASKS = ['gemmTask', 'attentionTask', 'gemmQ8Task', 'quantizeQ8Task'] as const;
export type TaskName = (typeof TASKS)[number];
