/**
 * A pool of worker threads that run the kernel modules on the backend's shared memory. `run` is
 * synchronous: the calling thread publishes a task, works on it too, and returns when every item is
 * done, so kernels keep their synchronous contract and calls can never interleave.
 */
import type { WasmHeap } from '../host/heap.js';
import * as P from './protocol.js';
import { spawnWorker, type WorkerHandle } from './spawn.js';
import { workerSource } from './worker-source.js';

/**
 * Work items per thread a parallel kernel call is cut into. Threads claim items as they come, so a worker
 * that wakes late, or a core the machine slows for a moment, leaves the others at most one small item to
 * wait for at the end. Measured on v3-base q8, 2 threads, interleaved in one process: 4 → 16 items per
 * thread took batch 8 × 128 tokens from 2255 to 2010 ms and batch 1 from 212 to 198 ms (best of 12).
 */
export const ITEMS_PER_THREAD = 16;

/** A worker that took a task but has not finished it after this long is taken for dead. */
const STALL_MS = 10_000;

export class ThreadPool {
  private readonly workers: Array<WorkerHandle | null> = [];
  private readonly ctl: number;
  private readonly base: number;
  private stopped = false;

  /**
   * Starts `workers` threads. They become usable once they have compiled the modules; until then the
   * calling thread does their share, so this never waits for them (a browser main thread cannot).
   */
  constructor(
    private readonly heap: WasmHeap,
    modules: readonly WebAssembly.Module[],
    private readonly fns: Readonly<Record<P.TaskName, (...args: number[]) => void>>,
    workers: number,
  ) {
    this.ctl = heap.alloc(P.controlBytes(workers));
    this.base = this.ctl >> 2;
    heap.i32().fill(0, this.base, this.base + P.controlBytes(workers) / 4);
    const source = workerSource();
    for (let index = 0; index < workers; index++) {
      const handle = spawnWorker(source, () => this.lost(index));
      this.workers.push(handle);
      handle.post({ memory: heap.memory, modules, ctl: this.ctl, index, tasks: P.TASKS });
    }
  }

  /** Whether {@link dispose} ran (calls then run on the calling thread alone). */
  get disposed(): boolean {
    return this.stopped;
  }

  /** Threads including the caller's (per-thread scratch is sized by it, so it stays fixed after dispose). */
  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Units per work item when `count` units (a matmul's columns, rows to quantize) are split across the
   * threads: a multiple of `multiple` (whole panels, whole row tiles), about {@link ITEMS_PER_THREAD} items
   * per thread.
   */
  itemSize(count: number, multiple: number): number {
    return Math.max(multiple, Math.ceil(count / (this.size * ITEMS_PER_THREAD) / multiple) * multiple);
  }

  /** Workers that have started and not died. */
  get ready(): number {
    const i32 = this.heap.i32();
    return this.workers.filter((w, i) => w !== null && Atomics.load(i32, this.slot(i) + P.READY) === 1).length;
  }

  /**
   * Runs fn(item, thread, ...args) for item in [0, count) across the threads (thread 0 is the caller, so a
   * task can index per-thread scratch); returns when all are done. After {@link dispose} everything runs
   * on the calling thread, so code still holding a disposed pool (or a backend reclaimed by the garbage
   * collector) computes on, single-threaded.
   */
  run(task: P.TaskName, count: number, args: readonly number[]): void {
    if (args.length > P.MAX_ARGS) throw new RangeError(`at most ${P.MAX_ARGS} task arguments`);
    if (this.stopped) {
      const fn = this.fns[task];
      for (let item = 0; item < count; item++) fn(item, 0, ...args);
      return;
    }
    const i32 = this.heap.i32();
    const b = this.base;
    i32[b + P.TASK] = P.TASKS.indexOf(task);
    i32[b + P.COUNT] = count;
    i32[b + P.NARGS] = args.length;
    for (let k = 0; k < args.length; k++) i32[b + P.ARGS + k] = args[k];
    Atomics.store(i32, b + P.NEXT, 0);
    const offered: number[] = [];
    for (let w = 0; w < this.workers.length; w++) {
      if (this.workers[w] === null || Atomics.load(i32, this.slot(w) + P.READY) !== 1) continue;
      Atomics.store(i32, this.slot(w) + P.STATE, P.OFFERED);
      Atomics.notify(i32, this.slot(w) + P.STATE, 1);
      offered.push(w);
    }
    const fn = this.fns[task];
    let failure: unknown = null;
    try {
      for (;;) {
        const item = Atomics.add(i32, b + P.NEXT, 1);
        if (item >= count) break;
        fn(item, 0, ...args);
      }
    } catch (e) {
      failure = e;
      Atomics.store(i32, b + P.NEXT, count); // stop the others claiming more
    }
    for (const w of offered) {
      const st = this.slot(w) + P.STATE;
      // Withdraw an offer not yet taken; otherwise wait for the worker to finish its items.
      if (Atomics.compareExchange(i32, st, P.OFFERED, P.IDLE) === P.OFFERED) continue;
      const deadline = performance.now() + STALL_MS;
      let s = Atomics.load(i32, st);
      for (let spins = 0; s === P.TAKEN; spins++) {
        if ((spins & 1023) === 0 && performance.now() > deadline) break;
        s = Atomics.load(i32, st);
      }
      if (s === P.DONE) {
        Atomics.store(i32, st, P.IDLE);
        continue;
      }
      this.lost(w);
      failure ??= new Error(s === P.FAILED ? 'a wasm worker thread failed during a kernel' : 'a wasm worker thread stopped responding');
    }
    if (failure !== null) throw failure;
  }

  /**
   * Stops and terminates every worker; idempotent. Their threads, and with the last of them the shared
   * memory, are released once they have exited.
   */
  dispose(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (let w = 0; w < this.workers.length; w++) this.lost(w);
    this.heap.free(this.ctl);
  }

  /** Takes a worker out of service (it died, failed or the pool is disposed). */
  private lost(w: number): void {
    const handle = this.workers[w];
    if (handle === null || handle === undefined) return;
    this.workers[w] = null;
    const i32 = this.heap.i32();
    Atomics.store(i32, this.slot(w) + P.STATE, P.STOP);
    Atomics.notify(i32, this.slot(w) + P.STATE, 1);
    handle.terminate();
  }

  private slot(w: number): number {
    return this.base + P.SLOTS + w * P.SLOT_SIZE;
  }
}
