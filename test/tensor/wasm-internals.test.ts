// The WebAssembly emitter, the generated modules and the heap allocator, below the Backend interface.
import { describe, expect, it, vi } from 'vitest';
import { ByteWriter } from '../../src/tensor/wasm/emit/encoding.js';
import { FunctionBuilder, I32 } from '../../src/tensor/wasm/emit/function-builder.js';
import { sharedMemorySupported } from '../../src/tensor/wasm/host/detect.js';
import { WasmHeap } from '../../src/tensor/wasm/host/heap.js';
import { ModuleBuilder } from '../../src/tensor/wasm/emit/module-builder.js';
import { moduleBytes } from '../../src/tensor/wasm/host/runtime.js';
import { jsBackend } from '../../src/tensor/js/backend.js';
import { createWasmBackend, relaxedSimdSupported, wasmSimdSupported } from '../../src/tensor/wasm/backend.js';

describe('LEB128 and module encoding', () => {
  it.each([
    [0, [0x00]], [127, [0x7f]], [128, [0x80, 0x01]], [624485, [0xe5, 0x8e, 0x26]], [0xffffffff, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('u32 %i', (v, bytes) => {
    expect(Array.from(new ByteWriter().u32(v).view())).toEqual(bytes);
  });

  it.each([
    [0, [0x00]], [63, [0x3f]], [64, [0xc0, 0x00]], [-1, [0x7f]], [-64, [0x40]], [-65, [0xbf, 0x7f]], [-123456, [0xc0, 0xbb, 0x78]],
    [2147483647, [0xff, 0xff, 0xff, 0xff, 0x07]], [-2147483648, [0x80, 0x80, 0x80, 0x80, 0x78]],
  ])('s32 %i', (v, bytes) => {
    expect(Array.from(new ByteWriter().s32(v).view())).toEqual(bytes);
  });

  it('builds a module that validates and runs (loops, locals, memory)', () => {
    // sum(p, n): the sum of n i32 at p, via forLt
    const f = new FunctionBuilder([I32, I32], [I32]);
    const i = f.local(I32);
    const s = f.local(I32);
    f.forLt(i, () => f.i32(0), 1, 1, () => {
      f.get(s).get(0).get(i).i32(4).mul().add().i32Load().add().set(s);
    });
    f.get(s);
    const mod = new ModuleBuilder();
    mod.add('sum', f);
    const bytes = mod.bytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    new Int32Array(memory.buffer).set([5, -2, 40, 1000], 4);
    const { sum } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as { sum: (p: number, n: number) => number };
    expect(sum(16, 3)).toBe(43);
    expect(sum(16, 0)).toBe(0);
  });
});

describe('generated kernel modules', () => {
  it('this engine runs WebAssembly SIMD', () => {
    expect(wasmSimdSupported()).toBe(true);
  });

  it.each([false, true])('every module validates and stays under the 4 KB Chromium allows to compile synchronously (relaxed %s)', (relaxed) => {
    for (const bytes of moduleBytes(relaxed)) {
      expect(bytes.length).toBeLessThan(4096);
      if (!relaxed || relaxedSimdSupported()) expect(WebAssembly.validate(bytes)).toBe(true);
    }
  });

  it('forcing relaxed SIMD where the engine lacks it is an error, not a silent fallback', () => {
    if (relaxedSimdSupported()) expect(createWasmBackend({ relaxedSimd: true }).relaxedSimd).toBe(true);
    else expect(() => createWasmBackend({ relaxedSimd: true })).toThrow(/relaxed SIMD/);
  });
});

describe('wasm heap', () => {
  it('reuses freed blocks, coalesces neighbours and keeps blocks aligned', () => {
    const heap = new WasmHeap(1);
    const a = heap.alloc(100);
    const b = heap.alloc(1000);
    const c = heap.alloc(10);
    for (const p of [a, b, c]) expect(p % 64).toBe(0);
    expect(new Set([a, b, c]).size).toBe(3);
    heap.free(a);
    heap.free(b);
    const d = heap.alloc(1100); // fits only in the coalesced a + b hole
    expect(d).toBe(a);
    heap.free(c);
    heap.free(d);
    expect(heap.allocatedBytes).toBe(0);
  });

  it('grows the memory on demand and hands out fresh views after growth', () => {
    const heap = new WasmHeap(1);
    const before = heap.f32();
    const p = heap.alloc(10 << 20);
    expect(heap.byteLength).toBeGreaterThanOrEqual(p + (10 << 20));
    expect(before.length).toBe(0); // the old view detached
    heap.f32()[(p >> 2) + 1000] = 3;
    expect(heap.f32()[(p >> 2) + 1000]).toBe(3);
  });

  it('knows the views of its memory by address: a shared memory\'s across growth, a non-shared one\'s never', () => {
    const shared = new WasmHeap(1, undefined, true);
    const p = shared.alloc(4000);
    const view = new Float32Array(shared.f32().buffer, p, 1000);
    expect(shared.addressOf(view)).toBe(p);
    expect(shared.addressOf(view.subarray(10))).toBe(p + 40);
    shared.alloc(10 << 20); // grows: the memory hands out a new SharedArrayBuffer, the old view stays valid
    expect(view.buffer).not.toBe(shared.f32().buffer);
    expect(shared.addressOf(view)).toBe(p);
    expect(shared.addressOf(new Float32Array(1000))).toBe(-1);
    const plain = new WasmHeap(1);
    expect(plain.addressOf(new Float32Array(plain.f32().buffer, plain.alloc(64), 16))).toBe(-1);
  });

  it('the scratch block is reused across calls and only grows', () => {
    const heap = new WasmHeap(1);
    const s1 = heap.scratch(1000);
    expect(heap.scratch(500)).toBe(s1);
    const s2 = heap.scratch(100_000);
    expect(heap.scratch(1000)).toBe(s2);
  });
});

describe('wasm backend memory', () => {
  it('disposing packed matrices returns their memory; repeated calls do not grow the heap', () => {
    const K = createWasmBackend();
    const w = new Float32Array(64 * 48).fill(0.5);
    const base = K.memoryStats().allocatedBytes;
    const packed = Array.from({ length: 10 }, () => K.packB({ source: w, rows: 64, cols: 48, transposed: true }));
    expect(K.memoryStats().allocatedBytes).toBeGreaterThan(base);
    const a = new Float32Array(33 * 64).fill(1);
    const c = new Float32Array(33 * 48);
    K.gemm({ m: 33, a, b: packed[0], out: c });
    expect(c[0]).toBe(32);
    const reserved = K.memoryStats().reservedBytes;
    const held = K.memoryStats().allocatedBytes;
    for (let i = 0; i < 50; i++) K.gemm({ m: 33, a, b: packed[i % 10], out: c });
    expect(K.memoryStats()).toEqual({ reservedBytes: reserved, allocatedBytes: held });
    for (const p of packed) p.dispose();
    expect(() => K.gemm({ m: 1, a, b: packed[0], out: c })).toThrow(/dispose/);
    expect(K.memoryStats().allocatedBytes).toBeLessThan(held);
  });
});

describe('wasm backend memory sharing', () => {
  it.runIf(sharedMemorySupported())('one thread shares its memory (activation buffers offered), or runs on a private one when a shared one cannot be reserved', () => {
    const shared = createWasmBackend({ numThreads: 1 });
    const buffer = shared.allocate!(16);
    expect(buffer?.buffer).toBeInstanceOf(SharedArrayBuffer);
    shared.release!(buffer!);
    shared.dispose();
    // a 32-bit process may refuse to reserve a shared memory's whole maximum
    const RealMemory = WebAssembly.Memory;
    const spy = vi.spyOn(WebAssembly, 'Memory').mockImplementation(function (descriptor: WebAssembly.MemoryDescriptor) {
      if (descriptor.shared === true) throw new RangeError('WebAssembly.Memory(): could not allocate memory');
      return new RealMemory(descriptor);
    } as unknown as (descriptor: WebAssembly.MemoryDescriptor) => WebAssembly.Memory);
    try {
      const K = createWasmBackend({ numThreads: 1, relaxedSimd: false });
      expect(K.allocate!(16)).toBeUndefined(); // nothing to offer: models keep their buffers on the JS heap
      const w = Float32Array.from({ length: 6 * 5 }, (_, i) => i % 7 - 3);
      const a = Float32Array.from({ length: 4 * 6 }, (_, i) => (i % 5) / 2);
      const got = new Float32Array(4 * 5), want = new Float32Array(4 * 5);
      K.gemm({ m: 4, a, b: K.packB({ source: w, rows: 6, cols: 5, transposed: false }), out: got });
      jsBackend.gemm({ m: 4, a, b: jsBackend.packB({ source: w, rows: 6, cols: 5, transposed: false }), out: want });
      expect(Array.from(got)).toEqual(Array.from(want));
      K.dispose();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('wasm backend with a small memory cap', () => {
  it('keeps weights that do not fit in JS memory and runs calls that do not fit on the reference kernels', () => {
    const K = createWasmBackend({ maxMemoryBytes: 2 << 20 });
    const [M, Kd, N] = [300, 700, 900]; // B is 2.4 MiB packed, A 0.8 MiB, C 1 MiB
    const a = Float32Array.from({ length: M * Kd }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
    const w = Float32Array.from({ length: N * Kd }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
    const bias = Float32Array.from({ length: N }, (_, i) => i / N);
    const want = new Float32Array(M * N);
    jsBackend.gemm({ m: M, a, b: jsBackend.packB({ source: w, rows: Kd, cols: N, transposed: true }), out: want, bias });
    const packed = K.packB({ source: w, rows: Kd, cols: N, transposed: true });
    expect(K.memoryStats().reservedBytes).toBeLessThanOrEqual(2 << 20);
    for (const m of [M, 3]) {
      const got = new Float32Array(m * N);
      K.gemm({ m, a, b: packed, out: got, bias });
      let diff = 0;
      for (let i = 0; i < m * N; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
      expect(diff).toBeLessThan(1e-4);
    }
  });
});
