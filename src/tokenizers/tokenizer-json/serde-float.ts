/**
 * serde_json's default float parsing (without its `float_roundtrip` feature), which Rust `tokenizers` uses
 * to read tokenizer.json: the decimal digits are gathered into a u64 and scaled by one multiplication or
 * division by a power of ten. That is not always correctly rounded, so some Unigram scores differ from
 * `JSON.parse` by one ulp, which is enough to flip Viterbi near-ties. We re-derive the decimal text with
 * `String(x)` (the shortest round-trip digits, as Python and Rust both write them) and redo Rust's arithmetic.
 */
const POW10: Float64Array = (() => {
  const t = new Float64Array(309);
  for (let i = 0; i <= 308; i++) t[i] = Number(`1e${i}`);
  return t;
})();

const U64_MAX = (1n << 64n) - 1n;

/** The f64 serde_json would produce for the JSON text of `x`. */
export function serdeJsonF64(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  if (!m) return x;
  const negative = m[1] === '-';
  const intDigits = m[2];
  const fracDigits = m[3] ?? '';
  let exponent = m[4] ? Number(m[4]) : 0;
  // serde keeps up to 19-20 digits in a u64 and ignores the rest; `Number` of the digit string rounds the
  // integer to the nearest double exactly like Rust's `u64 as f64`.
  let digits = (intDigits + fracDigits).replace(/^0+(?=\d)/, '');
  exponent -= fracDigits.length;
  while (digits.length > 19 && BigInt(digits) > U64_MAX) {
    digits = digits.slice(0, -1);
    exponent += 1;
  }
  const significand = Number(digits);
  let f = significand;
  for (;;) {
    const e = Math.abs(exponent);
    if (e <= 308) {
      if (exponent >= 0) f *= POW10[e];
      else f /= POW10[e];
      break;
    }
    if (f === 0) break;
    f /= 1e308;
    exponent += 308;
  }
  return negative ? -f : f;
}
