/**
 * Assembles a WebAssembly module from {@link FunctionBuilder}s: type, import (one memory, and functions
 * other modules export), function, export and code sections. Every kernel module imports the backend's
 * single memory, so all modules read and write the same buffers.
 */
import { ByteWriter } from './encoding.js';
import type { FunctionBuilder, ValType } from './function-builder.js';

/** Limits of the imported memory, in 64 KiB pages. */
export interface MemoryImport {
  initial: number;
  maximum?: number;
  shared?: boolean;
}

export class ModuleBuilder {
  private readonly funcs: Array<{ name: string | null; fn: FunctionBuilder }> = [];
  private readonly imports: Array<{ name: string; params: readonly ValType[]; results: readonly ValType[] }> = [];

  constructor(private readonly memory: MemoryImport = { initial: 1 }) {}

  /** Imports `env.name` (another module's export); returns its index for `call`. Import before adding. */
  importFunction(name: string, params: readonly ValType[], results: readonly ValType[] = []): number {
    if (this.funcs.length > 0) throw new Error('import functions before adding any');
    return this.imports.push({ name, params, results }) - 1;
  }

  /** Adds a function, exported under `name` unless null; returns its index for `call`. */
  add(name: string | null, fn: FunctionBuilder): number {
    this.funcs.push({ name, fn });
    return this.imports.length + this.funcs.length - 1;
  }

  /** The module's bytes. */
  bytes(): Uint8Array<ArrayBuffer> {
    const types: string[] = [];
    const typeIndex = (params: readonly ValType[], results: readonly ValType[]) => {
      const key = `${params.join(',')}>${results.join(',')}`;
      let i = types.indexOf(key);
      if (i < 0) i = types.push(key) - 1;
      return i;
    };
    const importTypes = this.imports.map((f) => typeIndex(f.params, f.results));
    const typeOf = this.funcs.map(({ fn }) => typeIndex(fn.params, fn.results));
    const out = new ByteWriter().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, fill: (w: ByteWriter) => void) => {
      const w = new ByteWriter();
      fill(w);
      out.byte(id).sized(w);
    };
    section(1, (w) => {
      w.u32(types.length);
      for (const key of types) {
        const [ps, rs] = key.split('>').map((s) => (s === '' ? [] : s.split(',').map(Number)));
        w.byte(0x60).u32(ps.length).bytes(ps).u32(rs.length).bytes(rs);
      }
    });
    section(2, (w) => {
      const { initial, maximum, shared } = this.memory;
      w.u32(1 + this.imports.length).name('env').name('memory').byte(0x02);
      if (maximum === undefined) w.byte(0x00).u32(initial);
      else w.byte(shared ? 0x03 : 0x01).u32(initial).u32(maximum);
      this.imports.forEach((f, i) => w.name('env').name(f.name).byte(0x00).u32(importTypes[i]));
    });
    section(3, (w) => {
      w.u32(this.funcs.length);
      for (const t of typeOf) w.u32(t);
    });
    const exported = this.funcs.map((f, i) => [f.name, this.imports.length + i] as const).filter((e): e is readonly [string, number] => e[0] !== null);
    section(7, (w) => {
      w.u32(exported.length);
      for (const [name, i] of exported) w.name(name).byte(0x00).u32(i);
    });
    section(10, (w) => {
      w.u32(this.funcs.length);
      for (const { fn } of this.funcs) w.sized(fn.body());
    });
    return new Uint8Array(out.view());
  }
}
