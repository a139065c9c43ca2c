/** Accumulates UTF-16 code units plus one int per unit, without building intermediate strings. */
export class Utf16Builder {
  units = new Uint16Array(256);
  /** Per-unit payload (an original offset, or an alignment start). */
  a = new Int32Array(256);
  /** Second per-unit payload (an alignment end), when used. */
  b = new Int32Array(256);
  length = 0;

  private grow(min: number): void {
    const size = Math.max(min, this.units.length * 2);
    const u = new Uint16Array(size);
    u.set(this.units.subarray(0, this.length));
    const a = new Int32Array(size);
    a.set(this.a.subarray(0, this.length));
    const b = new Int32Array(size);
    b.set(this.b.subarray(0, this.length));
    this.units = u;
    this.a = a;
    this.b = b;
  }

  push(unit: number, a: number, b = 0): void {
    if (this.length === this.units.length) this.grow(this.length + 1);
    this.units[this.length] = unit;
    this.a[this.length] = a;
    this.b[this.length++] = b;
  }

  /** Appends every unit of `s` with the same payload. */
  pushString(s: string, a: number, b = 0): void {
    if (this.length + s.length > this.units.length) this.grow(this.length + s.length);
    for (let i = 0; i < s.length; i++) {
      this.units[this.length] = s.charCodeAt(i);
      this.a[this.length] = a;
      this.b[this.length++] = b;
    }
  }

  toString(): string {
    return unitsToString(this.units, this.length);
  }
}

/** Builds a string from the first `n` code units. */
export function unitsToString(units: Uint16Array, n: number): string {
  let s = '';
  // Chunked: spreading a huge array into fromCharCode overflows the stack.
  for (let i = 0; i < n; i += 8192) {
    s += String.fromCharCode.apply(null, units.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  }
  return s;
}
