/**
 * Kernel modules compiled ahead of time. Edge runtimes (Cloudflare Workers, Vercel Edge, Next.js
 * middleware) forbid compiling WebAssembly from bytes; there the `workerd` / `edge-light` entry imports the
 * modules the build wrote to `dist/edge/*.wasm` (the bundler hands them over compiled) and registers them
 * here, and the runtime instantiates them instead of compiling the emitter's bytes.
 */

/** The shape-generic kernel modules of one variant, in the order `moduleBytes` gives them. */
export interface KernelModules {
  readonly gemm: WebAssembly.Module;
  readonly attention: WebAssembly.Module;
  readonly norm: WebAssembly.Module;
  /** The int8 matmul of `dtype: 'q8'`. */
  readonly gemmQ8: WebAssembly.Module;
}

/** Prebuilt kernels: plain SIMD, and relaxed SIMD (fused multiply-add, int8 dot products) for engines that have it. */
export interface PrebuiltKernels {
  readonly simd: KernelModules;
  readonly relaxedSimd?: KernelModules;
}

/** The module names, in `moduleBytes` order; file `dist/edge/<name>-<variant>.wasm`. */
export const KERNEL_NAMES = ['norm', 'gemm', 'attention', 'gemmQ8'] as const;

let prebuilt: PrebuiltKernels | null = null;

/**
 * Registers precompiled kernel modules (null unregisters): single-threaded runtimes created afterwards
 * instantiate them instead of compiling bytes.
 */
export function usePrebuiltKernels(kernels: PrebuiltKernels | null): void {
  prebuilt = kernels;
}

/** The registered prebuilt kernels, or null. */
export function prebuiltKernels(): PrebuiltKernels | null {
  return prebuilt;
}

/** The prebuilt modules of a variant in `moduleBytes` order, or null when none are registered for it. */
export function prebuiltModules(relaxedSimd: boolean): WebAssembly.Module[] | null {
  const set = relaxedSimd ? prebuilt?.relaxedSimd : prebuilt?.simd;
  return set === undefined ? null : KERNEL_NAMES.map((name) => set[name]);
}
