#!/usr/bin/python3
"""Writes the small PyTorch/safetensors fixtures of test/fixtures/io and their expected values.

Run with Debian's python3-torch (apt-get install python3-torch):  /usr/bin/python3 scripts/make-bin-fixtures.py
The outputs are committed, so the test suite never needs Python or torch.
"""
import io
import json
import math
import os
import struct
import zipfile
from collections import OrderedDict

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'io')
torch.manual_seed(1234)


def values(t):
    """Row-major float32 values as torch upcasts them; JSON cannot hold NaN/inf, so those become strings."""
    out = []
    for v in t.detach().to(torch.float32).contiguous().flatten().tolist():
        if math.isnan(v):
            out.append('NaN')
        elif math.isinf(v):
            out.append('Infinity' if v > 0 else '-Infinity')
        else:
            out.append(v)
    return out


def expected_of(state):
    return {k: {'shape': list(v.shape), 'data': values(v)} for k, v in state.items()}


def save(name, state, **kwargs):
    torch.save(state, os.path.join(OUT, name), **kwargs)
    # Reload to make sure the file means what we claim.
    back = torch.load(os.path.join(OUT, name))
    for k, v in state.items():
        assert torch.equal(back[k].float().nan_to_num(), v.float().nan_to_num()), (name, k)
    return expected_of(state)


def special(dtype):
    """Values that exercise the dtype conversion: signed zero, infinities, NaN, subnormals, extremes."""
    info = torch.finfo(dtype)
    edge = torch.tensor([0.0, -0.0, 1.0, -2.5, float('inf'), float('-inf'), float('nan'),
                         info.tiny, info.tiny / 4, -info.tiny / 2, info.max, info.min], dtype=torch.float64)
    return edge.to(dtype)


def safetensors_bytes(state, dtype_name):
    header, blobs, offset = {}, [], 0
    for k in sorted(state):
        raw = state[k].contiguous().numpy().tobytes() if state[k].dtype != torch.bfloat16 \
            else state[k].contiguous().view(torch.int16).numpy().tobytes()
        header[k] = {'dtype': dtype_name, 'shape': list(state[k].shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header['__metadata__'] = {'format': 'pt'}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(blobs)


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}

    for dtype, name in [(torch.float16, 'float16'), (torch.bfloat16, 'bfloat16'), (torch.float64, 'float64')]:
        state = OrderedDict()
        state['weight'] = torch.randn(3, 5).to(dtype)
        state['bias'] = torch.randn(5).to(dtype)
        state['special'] = special(dtype)
        expected[f'{name}.bin'] = save(f'{name}.bin', state)

    # One storage, many views: offsets, transposes, strided slices, a 0-d element, an empty slice.
    base = torch.randn(24)
    shared = OrderedDict()
    shared['full'] = base
    shared['head'] = base[0:6].view(2, 3)
    shared['middle'] = base[6:18].view(3, 4)
    shared['transposed'] = base.view(4, 6).t()
    shared['strided'] = base.view(4, 6)[1:, 1:5:2]
    shared['element'] = base[7]
    shared['empty'] = base[3:3]
    shared['column'] = base.view(4, 6)[:, 2:3]
    half = torch.randn(4, 6).to(torch.float16)
    shared['half_full'] = half
    shared['half_transposed'] = half.t()
    expected['shared.bin'] = save('shared.bin', shared)
    storages = {v.storage().data_ptr() for v in list(shared.values())[:8]}
    assert len(storages) == 1, 'views must share one storage'

    # nn.Parameter objects and an int64 buffer, as older training scripts saved them.
    params = OrderedDict()
    params['dense.weight'] = torch.nn.Parameter(torch.randn(2, 3))
    params['embeddings.position_ids'] = torch.arange(7).view(1, 7)
    expected['parameter.bin'] = save('parameter.bin', params)

    legacy = OrderedDict()
    legacy['weight'] = torch.randn(2, 4)
    legacy['transposed'] = legacy['weight'].t()
    legacy['half'] = torch.randn(3).half()
    expected['legacy.bin'] = save('legacy.bin', legacy, _use_new_zipfile_serialization=False)

    # A checkpoint sharded by transformers' convention, with its index.
    sharded = os.path.join(OUT, 'sharded_bin')
    os.makedirs(sharded, exist_ok=True)
    parts = [OrderedDict(a=torch.randn(2, 3), b=torch.randn(4)), OrderedDict(c=torch.randn(3, 2).half())]
    weight_map, exp = {}, {}
    for i, part in enumerate(parts):
        name = f'pytorch_model-{i + 1:05d}-of-{len(parts):05d}.bin'
        exp.update(save(os.path.join('sharded_bin', name), part))
        weight_map.update({k: name for k in part})
    with open(os.path.join(sharded, 'pytorch_model.bin.index.json'), 'w') as f:
        json.dump({'metadata': {'total_size': 0}, 'weight_map': weight_map}, f, indent=2)
    with open(os.path.join(sharded, 'config.json'), 'w') as f:
        json.dump({'model_type': 'fixture'}, f)
    expected['sharded_bin'] = exp

    bf16 = OrderedDict(weight=torch.randn(4, 3).to(torch.bfloat16), special=special(torch.bfloat16))
    with open(os.path.join(OUT, 'bfloat16.safetensors'), 'wb') as f:
        f.write(safetensors_bytes(bf16, 'BF16'))
    expected['bfloat16.safetensors'] = expected_of(bf16)
    f64 = OrderedDict(weight=torch.randn(2, 2, dtype=torch.float64))
    with open(os.path.join(OUT, 'float64.safetensors'), 'wb') as f:
        f.write(safetensors_bytes(f64, 'F64'))
    expected['float64.safetensors'] = expected_of(f64)

    # A torch.save-shaped archive whose pickle calls os.system: loading must refuse it, never run it.
    evil = b'\x80\x02cos\nsystem\nq\x00X\x17\x00\x00\x00echo pwned > /tmp/pwnedq\x01\x85q\x02Rq\x03.'
    with zipfile.ZipFile(os.path.join(OUT, 'hostile.bin'), 'w', zipfile.ZIP_STORED) as z:
        z.writestr('hostile/data.pkl', evil)
        z.writestr('hostile/version', '3\n')

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
