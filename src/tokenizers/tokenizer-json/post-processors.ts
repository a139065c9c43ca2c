import { TokenizerError } from '../../errors.js';
import type { Encoding } from '../encoding.js';

/** Adds special tokens around one or two encoded sequences. */
export interface PostProcessor {
  /** How many tokens {@link process} adds for a single sequence or a pair. */
  added(pair: boolean): number;
  process(a: Encoding, b: Encoding | null): Encoding;
}

/** One item of a template: a special token or one of the input sequences. */
export type TemplatePiece = { special: string; typeId: number } | { sequence: 'A' | 'B'; typeId: number };

/** `TemplateProcessing`: e.g. `[CLS]:0 $A:0 [SEP]:0` / `[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1`. */
export class TemplateProcessor implements PostProcessor {
  constructor(
    private readonly single: readonly TemplatePiece[],
    private readonly pair: readonly TemplatePiece[],
    private readonly specials: ReadonlyMap<string, readonly number[]>,
  ) {
    for (const piece of [...single, ...pair]) {
      if ('special' in piece && !specials.has(piece.special)) {
        throw new TokenizerError(`template uses special token ${JSON.stringify(piece.special)} that is not defined`);
      }
    }
  }

  added(pair: boolean): number {
    let n = 0;
    for (const p of pair ? this.pair : this.single) if ('special' in p) n += (this.specials.get(p.special) ?? []).length;
    return n;
  }

  process(a: Encoding, b: Encoding | null): Encoding {
    const out: Encoding = { ids: [], typeIds: [], specialMask: [], starts: [], ends: [] };
    for (const p of b ? this.pair : this.single) {
      if ('special' in p) {
        for (const id of this.specials.get(p.special) ?? []) {
          out.ids.push(id);
          out.typeIds.push(p.typeId);
          out.specialMask.push(1);
          out.starts.push(0);
          out.ends.push(0);
        }
      } else {
        const seq = p.sequence === 'A' ? a : b;
        if (!seq) continue;
        for (let i = 0; i < seq.ids.length; i++) {
          out.ids.push(seq.ids[i]);
          out.typeIds.push(p.typeId);
          out.specialMask.push(seq.specialMask[i]);
          out.starts.push(seq.starts[i]);
          out.ends.push(seq.ends[i]);
        }
      }
    }
    return out;
  }
}

/** The DeBERTa layout every slow tokenizer uses: `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]` (B typed 1). */
export function debertaTemplate(clsId: number, sepId: number): TemplateProcessor {
  return new TemplateProcessor(
    [
      { special: '[CLS]', typeId: 0 },
      { sequence: 'A', typeId: 0 },
      { special: '[SEP]', typeId: 0 },
    ],
    [
      { special: '[CLS]', typeId: 0 },
      { sequence: 'A', typeId: 0 },
      { special: '[SEP]', typeId: 0 },
      { sequence: 'B', typeId: 1 },
      { special: '[SEP]', typeId: 1 },
    ],
    new Map([
      ['[CLS]', [clsId]],
      ['[SEP]', [sepId]],
    ]),
  );
}

/**
 * `BertProcessing` / `RobertaProcessing`: `CLS A SEP` and `CLS A SEP (SEP) B SEP`. Roberta puts a double
 * separator between the sequences and types everything 0. Roberta's `trim_offsets` is not applied, so
 * offsets may include a leading space there; DeBERTa files use `TemplateProcessing`.
 */
export class ClsSepProcessor implements PostProcessor {
  constructor(
    private readonly cls: number,
    private readonly sep: number,
    private readonly roberta: boolean,
  ) {}

  added(pair: boolean): number {
    return pair ? (this.roberta ? 4 : 3) : 2;
  }

  process(a: Encoding, b: Encoding | null): Encoding {
    const out: Encoding = { ids: [], typeIds: [], specialMask: [], starts: [], ends: [] };
    const special = (id: number, type: number): void => {
      out.ids.push(id);
      out.typeIds.push(type);
      out.specialMask.push(1);
      out.starts.push(0);
      out.ends.push(0);
    };
    const copy = (e: Encoding, type: number): void => {
      for (let i = 0; i < e.ids.length; i++) {
        out.ids.push(e.ids[i]);
        out.typeIds.push(type);
        out.specialMask.push(e.specialMask[i]);
        out.starts.push(e.starts[i]);
        out.ends.push(e.ends[i]);
      }
    };
    special(this.cls, 0);
    copy(a, 0);
    special(this.sep, 0);
    if (b) {
      const t = this.roberta ? 0 : 1;
      if (this.roberta) special(this.sep, 0);
      copy(b, t);
      special(this.sep, t);
    }
    return out;
  }
}
