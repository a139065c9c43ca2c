/**
 * A table cell for the ratio `num / den` of two times: "0.62", or against a target ("0.62 ✓" when at most
 * `max`, "1.10 ✗" otherwise); "-" when either time is missing.
 */
export function ratioCell(num: number | undefined, den: number | undefined, max?: number): string {
  if (num === undefined || den === undefined) return '-';
  const r = num / den;
  return max === undefined ? r.toFixed(2) : `${r.toFixed(2)} ${r <= max ? '✓' : '✗'}`;
}
