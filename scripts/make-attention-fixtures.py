#!/usr/bin/python3
"""Writes test/fixtures/attention/<case>.json: transformers' `output_attentions` for a few model fixtures.

For each case of test/fixtures/models listed in CASES, the base model (config.json + model.safetensors) runs
through Hugging Face's own DeBERTa modeling code on the case's inputs.json, in float32, eval mode, with
`output_attentions=True`, and the per-layer attention probabilities [batch, heads, query, key] are written with
the shortest decimal that round-trips to the same float32. The outputs are committed, so the test suite never
needs Python, torch or transformers.

Which transformers, and why not 4.40.2 itself
---------------------------------------------
The model fixtures come from transformers 4.40.2. Its source could not be brought onto the machine that made
these files (the repository snapshot is larger than what could be copied), and PyPI is not reachable there;
the transformers wheel that was on disk was 4.57.6. So the probabilities are computed by the **unmodified
4.57.6 modeling files** (`models/deberta/modeling_deberta.py`, `models/deberta_v2/modeling_deberta_v2.py`, their
configuration files and `activations.py`), with one post-step that restores 4.40.2's padding semantics:

* 4.40.2 uses `XSoftmax`: masked scores are set to finfo.min, softmaxed, then every masked entry of the
  *pairwise* mask is set to 0 again, so a padded query row is all 0.
* 4.57.6 (since the DeBERTa refactor in 4.47) masks with finfo.min and runs a plain softmax, so a padded query
  row is uniform. At valid rows the two are the same computation (the masked columns are exp(finfo.min - max)
  = 0 in both). The post-step sets the padded query rows to 0, i.e. it is XSoftmax's final `masked_fill_`.

The script proves the equivalence instead of assuming it: for every case it checks that every hidden state
(all layers) at every valid position equals the 4.40.2 fixture's expected.json **bit for bit**, and that
every masked column of a valid row is exactly 0 before the post-step. Padded rows of later layers' hidden states
differ between the versions (4.40.2's padded context is 0, 4.57.6's is a mean of values) but they only feed
keys/values that valid rows mask out, and padded query rows are zeroed, so the probabilities written here are
what 4.40.2 returns. A transformers 4.40.2 source tree was not available to try; its DeBERTa files import a few
more names (e.g. `models/deprecated/_archive_maps.py`), which would need stubs like the ones below. With it, the
post-step is a no-op, and the script checks that it is (XSoftmax already zeroes padded rows).

Running it
----------
Needs Debian's torch (`apt-get install python3-torch`, 1.13.1) and a transformers source tree, passed as the
directory that holds the `transformers` package (nothing else of transformers is imported: `transformers.utils`,
`modeling_utils`, `configuration_utils` and the hub/onnx modules are replaced by the small stubs below, because
their dependencies (huggingface_hub, safetensors, tokenizers) are not installable from Debian). E.g. from the
4.57.6 wheel:

    mkdir -p /tmp/hf && cd /tmp/hf && python3 -c "import zipfile; z = zipfile.ZipFile('transformers-4.57.6-py3-none-any.whl'); \\
      [z.extract(n) for n in z.namelist() if n == 'transformers/activations.py' or '/deberta/' in n or '/deberta_v2/' in n \\
       or n.endswith('.dist-info/METADATA')]"
    /usr/bin/python3 scripts/make-attention-fixtures.py /tmp/hf

safetensors files are read by a 20-line reader here (the format is a JSON header and raw little-endian data).
"""
import hashlib
import importlib
import json
import os
import struct
import sys
import types

import numpy as np
import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
MODELS = os.path.join(ROOT, 'test', 'fixtures', 'models')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'attention')

# A v2/v3 case with log buckets and share_att_key, a v1 case with both terms, one case per lone term, and one
# without relative attention.
CASES = ['v3_base_like', 'v1_base', 'v2_p2c_only_gelu_new', 'v1_c2p_only_relu', 'v1_no_relative_attention']


def install_stubs(src):
    """Registers a `transformers` package that holds only the modules the DeBERTa files need."""

    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    def package(name, path):
        return module(name, __path__=[path])

    package('transformers', os.path.join(src, 'transformers'))
    package('transformers.models', os.path.join(src, 'transformers', 'models'))
    package('transformers.models.deberta', os.path.join(src, 'transformers', 'models', 'deberta'))
    package('transformers.models.deberta_v2', os.path.join(src, 'transformers', 'models', 'deberta_v2'))

    class Logger:
        def __getattr__(self, _name):
            return lambda *a, **k: None

    logging = types.SimpleNamespace(get_logger=lambda *_: Logger())

    def docstring_decorator(*args, **kwargs):
        # Usable bare (@auto_docstring) and with arguments (@auto_docstring(...)).
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda f: f

    utils = package('transformers.utils', os.path.join(src, 'transformers', 'utils'))
    utils.__dict__.update(
        logging=logging,
        auto_docstring=docstring_decorator,
        add_code_sample_docstrings=docstring_decorator,
        add_start_docstrings=docstring_decorator,
        add_start_docstrings_to_model_forward=docstring_decorator,
        replace_return_docstrings=docstring_decorator,
    )
    module('transformers.utils.import_utils', is_torchdynamo_compiling=lambda: False)
    package('transformers.integrations', os.path.join(src, 'transformers', 'integrations'))
    module('transformers.integrations.hub_kernels', use_kernel_forward_from_hub=lambda *_: (lambda cls: cls))

    class Output(dict):
        """Enough of ModelOutput for the output classes' names to import; the script uses return_dict=False."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.__dict__.update(kwargs)

    names = [
        'BaseModelOutput', 'MaskedLMOutput', 'MultipleChoiceModelOutput', 'QuestionAnsweringModelOutput',
        'SequenceClassifierOutput', 'TokenClassifierOutput',
    ]
    module('transformers.modeling_outputs', **{n: type(n, (Output,), {}) for n in names})
    module('transformers.modeling_layers', GradientCheckpointingLayer=nn.Module)

    class PreTrainedModel(nn.Module):
        def __init__(self, config, *args, **kwargs):
            super().__init__()
            self.config = config

        def post_init(self):
            pass  # weights come from the fixture's safetensors

        def warn_if_padding_and_no_attention_mask(self, *args):
            pass

    module('transformers.modeling_utils', PreTrainedModel=PreTrainedModel)
    module('transformers.pytorch_utils', softmax_backward_data=None)

    class PretrainedConfig:
        def __init__(self, **kwargs):
            self.output_attentions = False
            self.output_hidden_states = False
            self.use_return_dict = False
            self.__dict__.update(kwargs)

    module('transformers.configuration_utils', PretrainedConfig=PretrainedConfig)
    package('transformers.onnx', os.path.join(src, 'transformers', 'onnx'))
    sys.modules['transformers.onnx'].OnnxConfig = object


def transformers_version(src):
    """The version of the source tree: from a wheel's dist-info, else transformers/__init__.py, else 'unknown'."""
    import glob
    import re

    for meta in glob.glob(os.path.join(src, 'transformers-*.dist-info', 'METADATA')):
        with open(meta) as f:
            m = re.search(r'^Version: (\S+)', f.read(), re.M)
        if m:
            return m.group(1)
    init = os.path.join(src, 'transformers', '__init__.py')
    if os.path.exists(init):
        with open(init) as f:
            m = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
        if m:
            return m.group(1)
    return 'unknown'


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        assert info['dtype'] == 'F32', (path, name, info['dtype'])
        begin, end = info['data_offsets']
        data = np.frombuffer(raw[8 + n + begin : 8 + n + end], dtype='<f4').reshape(info['shape'])
        out[name] = torch.from_numpy(data.copy())
    return out


def shortest(x):
    """The shortest decimal that reads back as the same float32 (as the model fixtures are written)."""
    f = np.float32(x)
    return float(np.format_float_positional(f, unique=True, trim='-')) if f != 0 else 0


def nested(t):
    if t.dim() == 0:
        return shortest(t.item())
    return [nested(s) for s in t]


def build(case):
    d = os.path.join(MODELS, case)
    with open(os.path.join(d, 'config.json')) as f:
        raw = json.load(f)
    v1 = raw['model_type'] == 'deberta'
    pkg = 'transformers.models.deberta' + ('' if v1 else '_v2')
    modeling = importlib.import_module(pkg + ('.modeling_deberta' if v1 else '.modeling_deberta_v2'))
    configuration = importlib.import_module(pkg + ('.configuration_deberta' if v1 else '.configuration_deberta_v2'))
    kwargs = {k: v for k, v in raw.items() if k not in ('architectures', 'torch_dtype', 'transformers_version', 'model_type')}
    config = (configuration.DebertaConfig if v1 else configuration.DebertaV2Config)(**kwargs)
    model = (modeling.DebertaModel if v1 else modeling.DebertaV2Model)(config)
    missing, unexpected = model.load_state_dict(read_safetensors(os.path.join(d, 'model.safetensors')), strict=False)
    # HF ignores absolute position embeddings when position_biased_input is false; nothing else may be left out.
    assert not missing and all('position_embeddings' in k for k in unexpected), (case, missing, unexpected)
    model.eval()
    return model, modeling, v1


def run(model, inputs, dtype):
    model = model.to(dtype)
    with torch.no_grad():
        out = model(
            input_ids=torch.tensor(inputs['input_ids']),
            attention_mask=torch.tensor(inputs['attention_mask']),
            token_type_ids=torch.tensor(inputs['token_type_ids']),
            output_attentions=True,
            output_hidden_states=True,
            return_dict=False,
        )
    _, hidden, attentions = out
    return hidden, attentions


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: make-attention-fixtures.py DIR_CONTAINING_transformers_PACKAGE')
    src = os.path.abspath(sys.argv[1])
    install_stubs(src)
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    version = transformers_version(src)
    sources = {}
    for rel in ['transformers/models/deberta/modeling_deberta.py', 'transformers/models/deberta_v2/modeling_deberta_v2.py']:
        with open(os.path.join(src, rel), 'rb') as f:
            sources[rel] = hashlib.sha256(f.read()).hexdigest()
    for case in CASES:
        d = os.path.join(MODELS, case)
        with open(os.path.join(d, 'inputs.json')) as f:
            inputs = json.load(f)
        with open(os.path.join(d, 'expected.json')) as f:
            expected = json.load(f)
        model, modeling, v1 = build(case)
        has_xsoftmax = hasattr(modeling, 'XSoftmax')
        hidden, attentions = run(model, inputs, torch.float32)
        mask = torch.tensor(inputs['attention_mask'], dtype=torch.bool)  # [batch, seq]
        valid = mask[:, None, :, None] & mask[:, None, None, :]  # pairwise [batch, 1, q, k]

        # The same computation as 4.40.2: every hidden state equal at every valid position, bit for bit.
        for i, h in enumerate(hidden):
            ref = torch.tensor(expected['hidden_states'][i], dtype=torch.float32)
            same = (h == ref).all(-1) | ~mask
            assert bool(same.all()), f'{case}: hidden_states[{i}] differs from the 4.40.2 fixture at a valid position'

        probs = []
        for a in attentions:
            a = a.detach().clone()
            rows_valid = mask[:, None, :, None].expand_as(a)
            assert bool((a.masked_select(rows_valid & ~valid) == 0).all()), f'{case}: a masked key has a non-zero probability'
            if has_xsoftmax:
                assert bool((a.masked_select(~rows_valid) == 0).all()), f'{case}: XSoftmax left a padded row non-zero'
            a.masked_fill_(~valid, 0)  # XSoftmax's final masked_fill_: padded query rows (and masked keys) are 0
            probs.append(a)

        # How large legitimate float32 rounding is: the same model in float64 (v1's DebertaLayerNorm casts to
        # float32, so it is patched to keep float64 for this run).
        if v1:
            modeling.DebertaLayerNorm.forward = layer_norm_float64
        _, attentions64 = run(model, inputs, torch.float64)
        diff64 = max(float((p.double() - a64.masked_fill(~valid, 0)).abs().max()) for p, a64 in zip(probs, attentions64))

        out = {
            'case': case,
            'description': 'transformers output_attentions: per layer, the attention probabilities [batch][heads][query][key] '
            'after the masked softmax (XSoftmax semantics: 0 at every masked (query, key) pair, so padded query rows are 0)',
            'produced_by': {
                'transformers_modeling_files': f'transformers {version} (see scripts/make-attention-fixtures.py for why not 4.40.2, and '
                'for the 4.40.2 padding post-step); hidden states checked bit-for-bit against the 4.40.2 fixture at every valid position',
                'model_fixture': f'test/fixtures/models/{case} (transformers 4.40.2, commit 4fdf58afb72b0754da30037fc800b6044e7d9c99)',
                'modeling_sha256': sources,
                'torch': torch.__version__,
                'dtype': 'float32',
                'mode': 'eval',
            },
            'shape': [len(probs), *probs[0].shape],
            'max_abs_diff_float32_vs_float64': diff64,
            'attentions': [nested(p) for p in probs],
        }
        path = os.path.join(OUT, f'{case}.json')
        with open(path, 'w') as f:
            json.dump(out, f, separators=(',', ':'))
            f.write('\n')
        print(f'{case}: shape {out["shape"]}, float32 vs float64 {diff64:.3g}, {os.path.getsize(path)} bytes')


def layer_norm_float64(self, hidden_states):
    mean = hidden_states.mean(-1, keepdim=True)
    variance = (hidden_states - mean).pow(2).mean(-1, keepdim=True)
    hidden_states = (hidden_states - mean) / torch.sqrt(variance + self.variance_epsilon)
    return self.weight * hidden_states + self.bias


if __name__ == '__main__':
    main()
