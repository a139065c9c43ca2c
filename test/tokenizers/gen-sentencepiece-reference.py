#!/usr/bin/env python3
"""Regenerates test/fixtures/tokenizers/generated/sentencepiece_random.json.

Reference for the slow (sentencepiece) path on random text: Debian's python3-sentencepiece (0.1.97) on the
DeBERTa v3 spm.model, with the special-token strings split out first as transformers' DebertaV2Tokenizer
does. Input: a JSON list of texts (written by `npx vite-node test/tokenizers/gen-texts.ts`).
Usage: /usr/bin/python3 test/tokenizers/gen-sentencepiece-reference.py texts.json > out.json
"""
import json
import random
import re
import sys

import sentencepiece as spm

sp = spm.SentencePieceProcessor(model_file='test/fixtures/tokenizers/deberta-v3/spm.model')
SPECIAL = {'[PAD]': 0, '[CLS]': 1, '[SEP]': 2, '[UNK]': 3, '[MASK]': 128000}
split = re.compile(r'(\[PAD\]|\[CLS\]|\[SEP\]|\[UNK\]|\[MASK\])')

encodes = []
for text in json.load(open(sys.argv[1])):
    ids, offsets, pos = [], [], 0
    for seg in split.split(text):
        if seg in SPECIAL:
            ids.append(SPECIAL[seg])
            offsets.append([pos, pos + len(seg)])
        elif seg:
            # The Python wrapper reports begin/end in code points of `seg`.
            for piece in sp.encode(seg, out_type='immutable_proto').pieces:
                ids.append(piece.id)
                offsets.append([pos + piece.begin, pos + piece.end])
        pos += len(seg)
    encodes.append({'text': text, 'ids': ids, 'offsets': offsets})

rng = random.Random(1)
decodes = []
for _ in range(2000):
    ids = [rng.choice([rng.randint(4, 259), rng.randint(260, 127999), 507, rng.randint(4, 259)]) for _ in range(rng.randint(0, 12))]
    decodes.append({'ids': ids, 'decoded': sp.decode(ids)})

json.dump({'generator': 'python3-sentencepiece ' + spm.__version__, 'encodes': encodes, 'decodes': decodes}, sys.stdout, ensure_ascii=False)
