import { describe, expect, it } from 'vitest';
import { unpickle } from './pickle.reader';
import { PthFormatError } from './pth.error';
import { TensorRef, torchHooks } from './torch-pickle';

const pickle = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const load = (text: string): unknown => unpickle(pickle(text), torchHooks).value;

describe('the restricted torch unpickler', () => {
  it('refuses a global that is not a container, tensor rebuild or storage, by name', () => {
    expect(() => load('\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.')).toThrow(
      /refuses the pickled global os\.system: only state dicts of tensors can be read/,
    );
    expect(() => load('\x80\x04\x8c\x08builtins\x8c\x04eval\x93.')).toThrow(
      /refuses the pickled global builtins\.eval/,
    );
    expect(() => load('\x80\x02c__main__\nRepVGG\n.')).toThrow(
      /__main__\.RepVGG.*model\.state_dict\(\)/,
    );
  });

  it('refuses opcodes outside the state-dict subset and calls of non-callable globals', () => {
    expect(() => load('\x80\x02ccollections\nOrderedDict\n)\x81.')).toThrow(
      /pickle opcode 0x81 at byte 28 is not supported/,
    );
    expect(() => load('\x80\x02ctorch\nFloatStorage\n)R.')).toThrow(
      /calls torch\.FloatStorage, which this reader does not allow/,
    );
    expect(() => load('\x80\x02(X\x01\x00\x00\x00a')).toThrow(PthFormatError);
  });

  it('reads plain data, OrderedDicts with BUILD state, and a tensor record', () => {
    const value = load(
      '\x80\x02}q\x00(X\x01\x00\x00\x00aK\x07X\x01\x00\x00\x00bG?\xf8\x00\x00\x00\x00\x00\x00' +
        'X\x01\x00\x00\x00c\x8a\x05\x00\x00\x00\x00\x80X\x01\x00\x00\x00d]q\x01(\x88\x89Ne' +
        'X\x01\x00\x00\x00eccollections\nOrderedDict\n)R}X\x09\x00\x00\x00_metadatah\x00sb' +
        'X\x01\x00\x00\x00fctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage' +
        'ctorch\nHalfStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQK\x01K\x02K\x02\x86K\x01K\x02\x86\x89' +
        'ccollections\nOrderedDict\n)RtRu.',
    ) as Map<string, unknown>;
    expect(value.get('a')).toBe(7);
    expect(value.get('b')).toBe(1.5);
    expect(value.get('c')).toBe(-(2 ** 39));
    expect(value.get('d')).toEqual([true, false, null]);
    expect(value.get('e')).toEqual(new Map());
    const t = value.get('f') as TensorRef;
    expect(t).toBeInstanceOf(TensorRef);
    expect([t.storage.className, t.storage.key, t.storage.numel, t.offset]).toEqual([
      'HalfStorage',
      '0',
      6,
      1,
    ]);
    expect([t.shape, t.stride]).toEqual([
      [2, 2],
      [1, 2],
    ]);
  });
});
