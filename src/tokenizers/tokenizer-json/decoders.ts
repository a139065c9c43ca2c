import { TokenizerError } from '../../errors.js';
import { byteLevelDecode } from '../bpe/byte-level.js';

/** A tokenizer.json decoder: maps the list of token strings (Rust's `decode_chain`); results are joined. */
export interface Decoder {
  decodeChain(tokens: string[]): string[];
}

/** Runs a decoder and joins its output. */
export function runDecoder(decoder: Decoder | null, tokens: string[]): string {
  return decoder ? decoder.decodeChain(tokens).join('') : tokens.join(' ');
}

export class SequenceDecoder implements Decoder {
  constructor(private readonly steps: readonly Decoder[]) {}
  decodeChain(tokens: string[]): string[] {
    for (const s of this.steps) tokens = s.decodeChain(tokens);
    return tokens;
  }
}

/** `Metaspace`: `▁` becomes a space, except in the first token where it is dropped (unless prepend is off). */
export class MetaspaceDecoder implements Decoder {
  constructor(
    private readonly replacement: string,
    private readonly stripFirst: boolean,
  ) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((t, i) => t.split(this.replacement).join(i === 0 && this.stripFirst ? '' : ' '));
  }
}

/** `ByteLevel`: GPT-2 byte characters back to UTF-8 text. */
export class ByteLevelDecoder implements Decoder {
  decodeChain(tokens: string[]): string[] {
    return [byteLevelDecode(tokens)];
  }
}

/** `Replace`: literal or regex replacement in each token. */
export class ReplaceDecoder implements Decoder {
  private readonly regex: RegExp;
  constructor(pattern: { String: string } | { Regex: string }, private readonly content: string) {
    const src = 'String' in pattern ? pattern.String.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&') : pattern.Regex;
    try {
      this.regex = new RegExp(src, 'gu');
    } catch (e) {
      throw new TokenizerError(`Replace decoder pattern is not a valid regex: ${(e as Error).message}`);
    }
  }
  decodeChain(tokens: string[]): string[] {
    return tokens.map((t) => t.replace(this.regex, () => this.content));
  }
}

/** `ByteFallback`: runs of `<0xNN>` tokens become UTF-8 text (U+FFFD per token when invalid). */
export class ByteFallbackDecoder implements Decoder {
  decodeChain(tokens: string[]): string[] {
    const out: string[] = [];
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length === 0) return;
      try {
        out.push(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes)));
      } catch {
        for (let i = 0; i < bytes.length; i++) out.push('\ufffd');
      }
      bytes = [];
    };
    for (const t of tokens) {
      const m = /^<0x([0-9A-F]{2})>$/.exec(t);
      if (m) bytes.push(parseInt(m[1], 16));
      else {
        flush();
        out.push(t);
      }
    }
    flush();
    return out;
  }
}

/** `Fuse`: all tokens into one. */
export class FuseDecoder implements Decoder {
  decodeChain(tokens: string[]): string[] {
    return [tokens.join('')];
  }
}

/** `Strip`: removes `start` leading and `stop` trailing occurrences of `content` from each token. */
export class StripDecoder implements Decoder {
  constructor(
    private readonly content: string,
    private readonly start: number,
    private readonly stop: number,
  ) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((t) => {
      const chars = Array.from(t);
      let a = 0;
      let b = chars.length;
      for (let i = 0; i < this.start && a < b && chars[a] === this.content; i++) a++;
      for (let i = 0; i < this.stop && b > a && chars[b - 1] === this.content; i++) b--;
      return chars.slice(a, b).join('');
    });
  }
}
