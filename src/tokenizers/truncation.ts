import { TokenizerError } from '../errors.js';
import type { Semantics } from './engine.js';
import type { TokenSink } from './token-sink.js';

/** How a too-long input is shortened (transformers' names). */
export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

function cut(seq: TokenSink, keep: number, side: 'left' | 'right'): void {
  const drop = seq.length - keep;
  if (drop <= 0) return;
  if (side === 'right') {
    seq.ids.length = seq.starts.length = seq.ends.length = keep;
  } else {
    seq.ids.splice(0, drop);
    seq.starts.splice(0, drop);
    seq.ends.splice(0, drop);
  }
}

/**
 * Shortens `a` (and `b`) so that together they have at most `max` tokens (special tokens already
 * subtracted). `fast` follows Rust `truncate_encodings`, `slow` follows transformers' `truncate_sequences`;
 * they split an odd excess between a pair differently. Where either reference gives up (the sequence to
 * cut is too short, or `only_second` without a pair) this throws instead of returning an over-long input.
 */
export function truncate(
  a: TokenSink,
  b: TokenSink | null,
  max: number,
  strategy: TruncationStrategy,
  semantics: Semantics,
  side: 'left' | 'right',
): void {
  const total = a.length + (b ? b.length : 0);
  if (total <= max) return;
  const excess = total - max;
  if (strategy === 'only_second' && !b) {
    throw new TokenizerError("truncation 'only_second' needs a pair of texts");
  }
  if (strategy === 'longest_first' && b) {
    let keepA: number;
    let keepB: number;
    if (semantics === 'fast') {
      let n1 = a.length;
      let n2 = b.length;
      const swap = n1 > n2;
      if (swap) [n1, n2] = [n2, n1];
      n2 = n1 > max ? n1 : Math.max(n1, max - n1);
      if (n1 + n2 > max) {
        n1 = Math.floor(max / 2);
        n2 = n1 + (max % 2);
      }
      [keepA, keepB] = swap ? [n2, n1] : [n1, n2];
    } else {
      const firstRemove = Math.min(Math.abs(b.length - a.length), excess);
      const secondRemove = excess - firstRemove;
      const half = Math.floor(secondRemove / 2);
      if (a.length > b.length) {
        keepA = a.length - (firstRemove + half);
        keepB = b.length - (secondRemove - half);
      } else {
        keepA = a.length - half;
        keepB = b.length - (firstRemove + secondRemove - half);
      }
    }
    cut(a, keepA, side);
    cut(b, keepB, side);
    return;
  }
  const target = strategy === 'only_second' ? (b as TokenSink) : a;
  if (target.length <= excess && !(semantics === 'fast' && strategy === 'longest_first')) {
    throw new TokenizerError(
      `cannot truncate to ${max} tokens with '${strategy}': ${excess} tokens must go but the ` +
        `${strategy === 'only_second' ? 'second' : 'first'} sequence has only ${target.length}`,
    );
  }
  cut(target, Math.max(0, target.length - excess), side);
}
