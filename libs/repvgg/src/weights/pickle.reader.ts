import { PthFormatError } from './pth.error';

/**
 * A restricted unpickler: the opcodes of protocols 0–4 that describe plain data (None, bools, ints,
 * floats, strings, bytes, tuples, lists, dicts) plus GLOBAL, REDUCE, BUILD and BINPERSID, which are
 * handed to `hooks`. Nothing is ever imported or executed: a global the hooks do not know is
 * refused by name. This is the subset `torch.save` emits for state dicts.
 */

/** A global the hooks allowed; `call` is present when REDUCE may apply it. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly call?: (args: readonly unknown[]) => unknown,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface UnpickleHooks {
  /** The allowed global, or a thrown PthFormatError naming it. */
  global(module: string, name: string): PickleGlobal;
  /** Resolves a persistent id (BINPERSID): torch's storages. */
  persistentLoad(pid: unknown): unknown;
  /** BUILD on `target` (e.g. an OrderedDict's `_metadata`); throw to refuse. */
  build(target: unknown, state: unknown): void;
}

export interface Unpickled {
  readonly value: unknown;
  /** Offset just past the STOP opcode: legacy torch files hold several pickles in a row. */
  readonly end: number;
}

const MARK = Symbol('mark');

export function unpickle(buf: Uint8Array, hooks: UnpickleHooks, start = 0): Unpickled {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;

  const take = (n: number): number => {
    if (n < 0 || pos + n > buf.length) {
      throw new PthFormatError(
        `the pickle ends early at byte ${String(pos)}: the file is truncated`,
      );
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => buf[take(1)] ?? 0;
  const u16 = (): number => view.getUint16(take(2), true);
  const u32 = (): number => view.getUint32(take(4), true);
  const bytes = (n: number): Uint8Array => {
    const at = take(n);
    return buf.subarray(at, at + n);
  };
  const line = (): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0)
      throw new PthFormatError('a pickle GLOBAL line is unterminated: the file is corrupt');
    const text = latin1.decode(buf.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): unknown => {
    if (stack.length === 0)
      throw new PthFormatError('the pickle pops an empty stack: the file is corrupt');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0)
      throw new PthFormatError('the pickle reads an empty stack: the file is corrupt');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new PthFormatError('the pickle has no MARK to pop to: the file is corrupt');
    const items = stack.slice(at + 1);
    stack.length = at;
    return items;
  };
  const get = (key: number): unknown => {
    if (!memo.has(key))
      throw new PthFormatError(`the pickle reads memo ${String(key)} before setting it`);
    return memo.get(key);
  };
  const asList = (v: unknown): unknown[] => {
    if (!Array.isArray(v))
      throw new PthFormatError('the pickle appends to something that is not a list');
    return v;
  };
  const asDict = (v: unknown): Map<unknown, unknown> => {
    if (!(v instanceof Map))
      throw new PthFormatError('the pickle sets an item on something that is not a dict');
    return v;
  };
  const setItems = (dict: Map<unknown, unknown>, items: readonly unknown[]): void => {
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };

  for (;;) {
    const opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PthFormatError('pickle protocol above 5 is not supported');
        break;
      case 0x95: // FRAME: a length hint only
        take(8);
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const dict = new Map<unknown, unknown>();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        asList(top()).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        asList(top()).push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        asDict(top()).set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(asDict(top()), items);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(take(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(littleEndianInt(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(littleEndianInt(bytes(u32())));
        break;
      case 0x47: // BINFLOAT
        stack.push(view.getFloat64(take(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(bytes(Number(view.getBigUint64(take(8), true)))));
        break;
      case 0x54: // BINSTRING (Python 2 str, in legacy files)
        stack.push(latin1.decode(bytes(view.getInt32(take(4), true))));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(get(u32()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(hooks.global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw new PthFormatError('a pickle STACK_GLOBAL names no module and name');
        }
        stack.push(hooks.global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PickleGlobal) || fn.call === undefined || !Array.isArray(args)) {
          const what = fn instanceof PickleGlobal ? fn.qualifiedName : 'a non-callable value';
          throw new PthFormatError(`the pickle calls ${what}, which this reader does not allow`);
        }
        stack.push(fn.call(args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        hooks.build(top(), state);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new PthFormatError(
          `pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${String(opAt)} is not supported: only state dicts of tensors can be read; save model.state_dict()`,
        );
    }
  }
}

/** A two's-complement little-endian integer (LONG1/LONG4); a number when it fits exactly. */
function littleEndianInt(b: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] ?? 0);
  if (b.length > 0 && ((b[b.length - 1] ?? 0) & 0x80) !== 0) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}
