/**
 * The one place that picks a backend: the shared default (created on first use: WebAssembly SIMD on
 * {@link defaultNumThreads} threads where the engine has it, else the TypeScript kernels), and the backend a
 * model asks for with its `numThreads` / `backend` options. A model takes the backend it is given when it is
 * built and keeps it; changing the default afterwards changes only models built afterwards.
 */
import { InputError } from '../errors.js';
import { describe } from '../options.js';
import type { Backend, GemmQ8Args, PackedQ8Matrix, PackQ8Args } from './backend.js';
import { jsBackend } from './js/backend.js';
import { createWasmBackend, threadsSupported, wasmSimdSupported } from './wasm/backend.js';
import { prebuiltKernels } from './wasm/host/prebuilt.js';

/** The shared default, or null until something asks for it (creating it compiles modules, starts workers). */
let shared: Backend | null = null;

/** The backend models get when their options name none. Created on the first call. */
export function defaultBackend(): Backend {
  shared ??= createDefault();
  return shared;
}

/**
 * Makes `backend` the default: models built afterwards compute on it (models already built keep theirs).
 * For tests, benchmarks, and applications that want one backend everywhere (e.g. `jsBackend`).
 *
 * @throws {InputError} when `backend` lacks one of the ops of {@link Backend}
 */
export function setDefaultBackend(backend: Backend): void {
  checkBackend(backend);
  shared = backend;
}

/** Most threads the default backend starts on its own: more rarely pays off on DeBERTa-sized matrices. */
const DEFAULT_MAX_THREADS = 4;

/**
 * Threads of the default backend: the machine's cores (capped at 4) where workers can share memory (Node,
 * cross-origin isolated pages), else 1.
 */
export function defaultNumThreads(): number {
  // Prebuilt kernels mean an edge runtime (the `workerd` / `edge-light` entry): one thread, no workers.
  if (prebuiltKernels() !== null || !threadsSupported()) return 1;
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined };
  };
  const cores = g.navigator?.hardwareConcurrency ?? g.process?.getBuiltinModule?.('os')?.availableParallelism?.() ?? 1;
  return Math.max(1, Math.min(DEFAULT_MAX_THREADS, Math.floor(cores)));
}

function createDefault(): Backend {
  let reason: string;
  if (!wasmSimdSupported()) {
    reason = typeof WebAssembly === 'object' ? 'this engine has no WebAssembly SIMD' : 'this runtime has no WebAssembly';
  } else {
    try {
      return createWasmBackend({ numThreads: defaultNumThreads() });
    } catch (e) {
      // e.g. a Content-Security-Policy without 'wasm-unsafe-eval', or an edge runtime, forbids compiling modules
      reason = e instanceof Error ? e.message : String(e);
    }
  }
  fallbackNotice(reason);
  return jsBackend;
}

/**
 * Says once, on the console, that the default backend fell back to the TypeScript kernels, and why: they
 * compute the same values, several times slower.
 */
function fallbackNotice(reason: string): void {
  const g = globalThis as { console?: { warn?: (message: string) => void } };
  g.console?.warn?.(
    `deberta: using the TypeScript kernels (same results, several times slower): the WebAssembly kernels are unavailable (${reason}). ` +
      "In Cloudflare Workers, Vercel Edge or Next.js middleware, bundle deberta's prebuilt .wasm kernels: import 'deberta' with the " +
      "'workerd' or 'edge-light' export condition (wrangler and Next.js do); in a page with a Content-Security-Policy, allow 'wasm-unsafe-eval'.",
  );
}

/** What a model asks for (its `numThreads` and `backend` options; see `ComputeOptions`). */
export interface BackendRequest {
  readonly numThreads?: number;
  readonly backend?: Backend;
}

/** The backend picked for a model, and whether the model owns it (made for it, so stopped with it). */
export interface PickedBackend {
  readonly backend: Backend;
  readonly owned: boolean;
}

/** Upper bound of numThreads: beyond it, a typo rather than a machine. */
const MAX_THREADS = 256;

/**
 * Checks a request without creating anything, so that a wrong value fails before a download starts.
 *
 * @throws {InputError} naming `numThreads` or `backend`
 */
export function checkBackendRequest(request: BackendRequest): void {
  const n = request.numThreads;
  if (request.backend !== undefined) {
    if (n !== undefined) throw new InputError('give numThreads and backend separately: numThreads makes a backend of its own');
    checkBackend(request.backend);
    return;
  }
  if (n === undefined) return;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new InputError(`numThreads must be an integer from 1 to ${MAX_THREADS}, got ${describe(n)}`);
  }
  if (!wasmSimdSupported()) {
    if (n === 1) return;
    throw new InputError(`numThreads ${n} needs WebAssembly SIMD, which this JavaScript engine lacks`);
  }
  if (n > 1 && !threadsSupported()) {
    throw new InputError(`numThreads ${n} needs worker threads sharing memory: Node >= 20.16, or a cross-origin isolated page`);
  }
}

/**
 * The backend a request names: the given `backend` (the caller owns it), a WebAssembly backend of its own
 * on `numThreads` threads (owned by the model: its `dispose()` stops it), or the shared default.
 *
 * @throws {InputError} as {@link checkBackendRequest}
 */
export function pickBackend(request: BackendRequest): PickedBackend {
  checkBackendRequest(request);
  if (request.backend !== undefined) return { backend: request.backend, owned: false };
  const n = request.numThreads;
  if (n === undefined) return { backend: defaultBackend(), owned: false };
  if (!wasmSimdSupported()) return { backend: jsBackend, owned: false }; // n is 1 here
  return { backend: createWasmBackend({ numThreads: n }), owned: true };
}

/** The optional ops of `dtype: 'q8'`: a backend has all of them or none. */
const INTEGER_OPS: readonly string[] = ['packQ8', 'gemmQ8', 'dotQ8'];

/** The integer ops of a `dtype: 'q8'` model: the backend's own, or the TypeScript reference where it has none. */
export interface IntegerOps {
  packQ8(args: PackQ8Args): PackedQ8Matrix;
  gemmQ8(args: GemmQ8Args): void;
  /** Whether gemmQ8 honours `activation` (see {@link Backend.appliesActivation}). */
  appliesActivation: boolean;
}

/**
 * `backend`'s integer kernels, or the TypeScript reference's for a backend without them (a custom backend,
 * say): q8 models run on any backend, only slower there.
 */
export function integerOps(backend: Backend): IntegerOps {
  if (backend.packQ8 !== undefined && backend.gemmQ8 !== undefined) {
    return { packQ8: backend.packQ8.bind(backend), gemmQ8: backend.gemmQ8.bind(backend), appliesActivation: backend.appliesActivation === true };
  }
  return { packQ8: jsBackend.packQ8!, gemmQ8: jsBackend.gemmQ8!, appliesActivation: true };
}

/** A backend must have every op the reference backend has, so a wrong value fails here and not mid-forward. */
function checkBackend(backend: unknown): void {
  if (backend === null || typeof backend !== 'object') {
    throw new InputError(`backend must be a Backend (e.g. jsBackend, or one from createWasmBackend), got ${describe(backend)}`);
  }
  const ops = backend as Record<string, unknown>;
  const missing = Object.keys(jsBackend).filter((op) => typeof (jsBackend as unknown as Record<string, unknown>)[op] === 'function' && !INTEGER_OPS.includes(op) && typeof ops[op] !== 'function');
  const integer = INTEGER_OPS.filter((op) => typeof ops[op] === 'function');
  if (integer.length > 0 && integer.length < INTEGER_OPS.length) {
    throw new InputError(`backend has ${integer.join(', ')} but not ${INTEGER_OPS.filter((op) => !integer.includes(op)).join(', ')}: the integer kernels come as a set`);
  }
  if (missing.length > 0) throw new InputError(`backend lacks the kernel${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: not a Backend`);
}

/**
 * The default backend.
 * @deprecated Models hold the backend they were built with (`model.backend`); use {@link defaultBackend}.
 */
export function kernels(): Backend {
  return defaultBackend();
}

/**
 * Makes `backend` the default for models built afterwards (models already built keep theirs).
 * @deprecated Use {@link setDefaultBackend}, or give a model its backend: `fromPretrained(source, { backend })`.
 */
export function setBackend(backend: Backend): void {
  setDefaultBackend(backend);
}

/**
 * Runs `fn` with `backend` as the default, then restores the previous default; `null` keeps the current one.
 * It affects only models built inside `fn` (and `kernels()` calls there): a model keeps the backend it was
 * built with, whatever the default is when it computes.
 * @deprecated Give a model its backend when building it: `fromPretrained(source, { backend })`.
 */
export function withBackend<T>(backend: Backend | null, fn: () => T): T {
  if (backend === null) return fn();
  const previous = shared;
  shared = backend;
  try {
    return fn();
  } finally {
    shared = previous;
  }
}
