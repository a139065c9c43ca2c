/**
 * Where models append tokens: parallel arrays of id and [start, end) positions. Positions are in whatever
 * string the caller passed (a normalized string while encoding, the user's text once mapped back).
 */
export class TokenSink {
  ids: number[] = [];
  starts: number[] = [];
  ends: number[] = [];

  push(id: number, start: number, end: number): void {
    this.ids.push(id);
    this.starts.push(start);
    this.ends.push(end);
  }

  get length(): number {
    return this.ids.length;
  }

  clear(): void {
    this.ids.length = 0;
    this.starts.length = 0;
    this.ends.length = 0;
  }
}
