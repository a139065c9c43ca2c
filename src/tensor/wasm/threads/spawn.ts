/**
 * Starts a worker thread from source text on whatever the platform offers: Node's worker_threads (reached
 * through `process.getBuiltinModule`, Node >= 20.16, so nothing here imports a Node module and browser
 * bundles stay clean), or a Web Worker from a Blob URL.
 */

/** What the pool needs of a worker. */
export interface WorkerHandle {
  post(message: unknown): void;
  terminate(): void;
}

interface NodeWorker {
  postMessage(message: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
  on(event: 'error' | 'exit', listener: (arg: unknown) => void): void;
}

interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true }) => NodeWorker;
}

function nodeWorkerThreads(): NodeWorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const wt = proc?.getBuiltinModule?.('worker_threads') as NodeWorkerThreads | undefined;
  return wt && typeof wt.Worker === 'function' ? wt : null;
}

/** Whether this platform can start worker threads that share a WebAssembly memory. */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  if (nodeWorkerThreads() !== null) return true;
  // Browsers share memory with workers only in cross-origin isolated pages.
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; Blob?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof g.Blob === 'function';
}

/**
 * Starts a worker running `source`; `onExit` runs if it dies or stops. A running worker is a GC root, and
 * `onExit` with it: whatever `onExit` reaches stays alive until the worker exits (the pool does; the
 * backend owning the pool must not, or it could never be reclaimed, see `createWasmBackend`).
 */
export function spawnWorker(source: string, onExit: () => void): WorkerHandle {
  const wt = nodeWorkerThreads();
  if (wt !== null) {
    const w = new wt.Worker(source, { eval: true });
    w.unref(); // an idle pool must not keep the process alive
    w.on('error', onExit);
    w.on('exit', onExit);
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.addEventListener('error', onExit);
  return {
    post: (m) => w.postMessage(m),
    terminate: () => {
      w.terminate();
      URL.revokeObjectURL(url); // only now: the worker may still be fetching it until it has started
    },
  };
}
