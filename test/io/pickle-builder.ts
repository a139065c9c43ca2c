// Hand-assembles small pickles so tests can describe malformed or hostile state dicts exactly.
import { concat } from './helpers.js';

const enc = new TextEncoder();
const op = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);

export const P = {
  proto: (v = 2) => op(0x80, v),
  stop: () => op(0x2e),
  mark: () => op(0x28),
  tuple: () => op(0x74),
  emptyTuple: () => op(0x29),
  reduce: () => op(0x52),
  setitems: () => op(0x75),
  persid: () => op(0x51),
  false: () => op(0x89),
  global: (module: string, name: string) => concat([op(0x63), enc.encode(`${module}\n${name}\n`)]),
  stackGlobal: (module: string, name: string) => concat([P.str(module), P.str(name), op(0x93)]),
  str: (s: string) => {
    const b = enc.encode(s);
    const out = new Uint8Array(5 + b.length);
    out[0] = 0x58;
    new DataView(out.buffer).setUint32(1, b.length, true);
    out.set(b, 5);
    return out;
  },
  int: (n: number) => {
    const out = new Uint8Array(5);
    out[0] = 0x4a;
    new DataView(out.buffer).setInt32(1, n, true);
    return out;
  },
  ints: (ns: number[]) => concat([P.mark(), ...ns.map(P.int), P.tuple()]),
  orderedDict: () => concat([P.global('collections', 'OrderedDict'), P.emptyTuple(), P.reduce()]),
};

/** One tensor of a hand-made state dict. */
export interface TensorSpec {
  name: string;
  storage?: string;
  storageType?: string;
  numel: number;
  offset?: number;
  shape: number[];
  stride: number[];
}

/** A protocol-2 pickle of an OrderedDict of tensors, the way torch.save writes one. */
export function stateDictPickle(tensors: TensorSpec[]): Uint8Array {
  const items = tensors.map((t) => concat([
    P.str(t.name),
    P.global('torch._utils', '_rebuild_tensor_v2'),
    P.mark(),
    P.mark(), P.str('storage'), P.global('torch', t.storageType ?? 'FloatStorage'), P.str(t.storage ?? '0'), P.str('cpu'), P.int(t.numel), P.tuple(),
    P.persid(),
    P.int(t.offset ?? 0),
    P.ints(t.shape),
    P.ints(t.stride),
    P.false(),
    P.orderedDict(),
    P.tuple(),
    P.reduce(),
  ]));
  return concat([P.proto(), P.orderedDict(), P.mark(), ...items, P.setitems(), P.stop()]);
}
