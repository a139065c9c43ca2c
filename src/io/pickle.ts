import { WeightsError } from '../errors.js';
import type { StorageDtype } from './dtypes.js';

/**
 * A restricted unpickler for PyTorch state dicts. It interprets only the opcodes and globals a state dict
 * needs and builds plain data; it never calls anything, so a hostile pickle can at worst be rejected.
 */

/** A storage referenced by a persistent id: its bytes live outside the pickle (a zip entry, or after it). */
export interface StorageRef {
  readonly kind: 'storage';
  /** The storage key: the zip entry name under `data/`, or the legacy format's root key. */
  readonly key: string;
  readonly dtype: StorageDtype;
  /** Elements in the storage. */
  readonly numel: number;
}

/** What `torch._utils._rebuild_tensor_v2` would build: a strided view of a storage. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  /** Offset in elements. */
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** A Python dict or OrderedDict; only string and integer keys occur in state dicts. */
export class PyDict {
  readonly entries = new Map<string | number, PickleValue>();
}

/** A class or function named by a GLOBAL opcode; kept as a name, never resolved. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Any value the restricted unpickler can produce. Tuples are frozen arrays, lists are mutable ones. */
export type PickleValue = null | boolean | number | bigint | string | PickleValue[] | PyDict | PyGlobal | StorageRef | TensorRef;

/** Storage classes that may appear in persistent ids, with their element type. */
const STORAGE_TYPES: Record<string, StorageDtype> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  // Integer buffers (e.g. position_ids in older checkpoints) sit in the same state dicts.
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  // nn.Parameter objects saved instead of tensors: the wrapper only adds requires_grad.
  'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_TYPES).map((s) => `torch.${s}`),
]);

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** The file name used in error messages. */
  file: string;
  /** Byte offset where the pickle starts (legacy checkpoints hold several pickles back to back). */
  start?: number;
}

/** The result of {@link unpickle}. */
export interface UnpickleResult {
  value: PickleValue;
  /** Offset just past the STOP opcode. */
  end: number;
  /** Every storage the pickle referenced, by key. */
  storages: Map<string, StorageRef>;
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Runs the pickle in `bytes` from `options.start` up to its STOP opcode. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): UnpickleResult {
  const { file } = options;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const storages = new Map<string, StorageRef>();
  let pos = options.start ?? 0;
  let opStart = pos;

  const fail = (what: string): never => {
    throw new WeightsError(`${file}: pickle ${what} (at byte ${opStart})`);
  };
  const need = (n: number): number => {
    if (pos + n > bytes.length) fail('is truncated');
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => dv.getUint8(need(1));
  const u16 = (): number => dv.getUint16(need(2), true);
  const u32 = (): number => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const v = dv.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`has a length ${v} that is too large`);
    return Number(v);
  };
  const text = (n: number, decoder: TextDecoder): string => {
    const at = need(n);
    try {
      return decoder.decode(bytes.subarray(at, at + n));
    } catch {
      return fail('has a string that is not valid UTF-8');
    }
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined) return fail('pops from an empty stack');
    if (v === MARK) return fail('pops a mark as a value');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('needs a value on the stack');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('has no mark to pop to');
    const items = stack.splice(i);
    items.shift();
    return items as PickleValue[];
  };
  const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const longLE = (n: number): number | bigint => {
    if (n > 64) fail(`has an integer of ${n} bytes`);
    const at = need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
    if (n > 0 && bytes[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return int(v);
  };
  const tuple = (items: PickleValue[]): PickleValue[] => Object.freeze(items) as PickleValue[];
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof PyDict)) fail('sets items on something that is not a dict');
    const dict = target as PyDict;
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i];
      if (typeof key !== 'string' && typeof key !== 'number') fail(`uses a dict key of type ${describe(key)}`);
      dict.entries.set(key as string | number, items[i + 1]);
    }
  };
  const append = (target: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(target) || Object.isFrozen(target)) fail('appends to something that is not a list');
    // A loop, not push(...items): a huge APPENDS must not overflow the call stack.
    for (const item of items) (target as PickleValue[]).push(item);
  };

  for (;;) {
    opStart = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const proto = u8();
        if (proto < 2 || proto > 5) fail(`uses protocol ${proto}; only 2 to 5 are supported`);
        break;
      }
      case 0x95: // FRAME: framing is advisory, the opcodes inside are read as usual.
        u64();
        break;
      case 0x2e: { // STOP
        const value = pop();
        return { value, end: pos, storages };
      }
      case 0x28: stack.push(MARK); break; // MARK
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(dv.getInt32(need(4), true)); break; // BININT
      case 0x8a: stack.push(longLE(u8())); break; // LONG1
      case 0x8b: stack.push(longLE(u32())); break; // LONG4
      case 0x47: stack.push(dv.getFloat64(need(8), false)); break; // BINFLOAT
      case 0x58: stack.push(text(u32(), utf8)); break; // BINUNICODE
      case 0x8c: stack.push(text(u8(), utf8)); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text(u64(), utf8)); break; // BINUNICODE8
      case 0x55: stack.push(text(u8(), latin1)); break; // SHORT_BINSTRING (Python 2 str)
      case 0x54: stack.push(text(u32(), latin1)); break; // BINSTRING
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x85: stack.push(tuple([pop()])); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(tuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tuple([pop(), b, c]));
        break;
      }
      case 0x74: stack.push(tuple(popMark())); break; // TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('SETITEMS has an odd number of items');
        setItems(top(), items);
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x30: pop(); break; // POP
      case 0x63: { // GLOBAL: "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x51: stack.push(persistent(pop())); break; // BINPERSID
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        // An OrderedDict state dict carries its `_metadata` (module versions) as instance state; unused here.
        if (!(target instanceof PyDict) || !(state instanceof PyDict || state === null)) {
          fail(`BUILD sets state on ${describe(target)}, which a state dict never does`);
        }
        break;
      }
      default:
        fail(`opcode ${opName(op)} is not allowed in a state dict`);
    }
  }

  function memoGet(i: number): PickleValue {
    const v = memo.get(i);
    if (v === undefined) return fail(`reads memo slot ${i}, which was never written`);
    return v;
  }

  function line(): string {
    // Bounded so that a missing newline cannot make us scan a whole multi-GB file.
    const nl = bytes.subarray(pos, pos + 1024).indexOf(0x0a);
    const end = nl < 0 ? -1 : pos + nl;
    if (end < 0) fail('is truncated inside a GLOBAL');
    const s = text(end - pos, utf8);
    need(1);
    return s;
  }

  function global(module: string, name: string): PyGlobal {
    const g = new PyGlobal(module, name);
    if (!ALLOWED_GLOBALS.has(g.toString())) fail(`references the forbidden global ${g.toString()}; only tensor data is loaded`);
    return g;
  }

  function persistent(pid: PickleValue): StorageRef {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') fail('has a persistent id that is not a storage');
    const [, type, key, , numel, view] = pid as PickleValue[];
    // Legacy (pre-1.6) files may reference a slice of another storage; torch itself stopped writing those.
    if (view !== undefined && view !== null) fail('has a storage view, which is not supported');
    if (!(type instanceof PyGlobal) || type.module !== 'torch' || !Object.hasOwn(STORAGE_TYPES, type.name)) {
      fail(`has a storage of unsupported type ${describe(type)}`);
    }
    if (typeof key !== 'string') fail('has a storage key that is not a string');
    if (!isCount(numel)) fail(`storage "${key as string}" has an invalid size ${String(numel)}`);
    const dtype = STORAGE_TYPES[(type as PyGlobal).name];
    const known = storages.get(key as string);
    if (known !== undefined) {
      if (known.dtype !== dtype || known.numel !== numel) fail(`storage "${key as string}" is declared twice with different types or sizes`);
      return known;
    }
    const ref: StorageRef = { kind: 'storage', key: key as string, dtype, numel: numel as number };
    storages.set(ref.key, ref);
    return ref;
  }

  function reduce(callable: PickleValue, args: PickleValue): PickleValue {
    if (!(callable instanceof PyGlobal)) return fail(`calls ${describe(callable)}, which is not a function`);
    if (!Array.isArray(args) || !Object.isFrozen(args)) return fail(`calls ${callable.toString()} without an argument tuple`);
    switch (callable.toString()) {
      case 'collections.OrderedDict':
        if (args.length !== 0) fail('builds an OrderedDict from arguments');
        return new PyDict();
      case 'torch._utils._rebuild_tensor_v2':
        return rebuildTensor(args);
      case 'torch._utils._rebuild_parameter': {
        const data = args[0];
        if (args.length < 2 || !isTensor(data)) fail('rebuilds a parameter from something that is not a tensor');
        return data;
      }
      default:
        return fail(`calls ${callable.toString()}, which is not a function a state dict uses`);
    }
  }

  function rebuildTensor(args: PickleValue[]): TensorRef {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    if (args.length < 4) fail(`_rebuild_tensor_v2 got ${args.length} arguments`);
    const [storage, offset, size, stride] = args;
    if (!isStorage(storage)) return fail('_rebuild_tensor_v2 got no storage');
    if (!isCount(offset)) fail(`tensor on storage "${storage.key}" has an invalid offset ${String(offset)}`);
    if (!Array.isArray(size) || !size.every(isCount)) fail(`tensor on storage "${storage.key}" has an invalid size ${describe(size)}`);
    if (!Array.isArray(stride) || stride.length !== (size as PickleValue[]).length || !stride.every(isCount)) {
      fail(`tensor on storage "${storage.key}" has an invalid stride ${describe(stride)}`);
    }
    return { kind: 'tensor', storage, offset: offset as number, shape: [...(size as number[])], stride: [...(stride as number[])] };
  }
}

/** Whether a pickled value is a rebuilt tensor. */
export function isTensor(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'tensor';
}

function isStorage(v: unknown): v is StorageRef {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'storage';
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v instanceof PyGlobal) return v.toString();
  if (v instanceof PyDict) return 'a dict';
  if (Array.isArray(v)) return Object.isFrozen(v) ? `a tuple of ${v.length}` : 'a list';
  if (isTensor(v)) return 'a tensor';
  if (isStorage(v)) return 'a storage';
  if (v === null) return 'None';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 40))}` : `${typeof v} ${String(v)}`;
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2',
  0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

function opName(op: number): string {
  const hex = `0x${op.toString(16).padStart(2, '0')}`;
  return OPCODE_NAMES[op] !== undefined ? `${OPCODE_NAMES[op]} (${hex})` : `${hex} (unknown)`;
}
