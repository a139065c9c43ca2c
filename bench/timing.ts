/** Runs `fn` `warmup` times untimed, then `runs` times; returns the durations in ms. */
export function timeRuns(fn: () => void, warmup: number, runs: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Async variant of {@link timeRuns}. */
export async function timeRunsAsync(fn: () => Promise<unknown>, warmup: number, runs: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Appends another round's timed runs to those collected so far, key by key (rounds pool into one median). */
export function poolRuns<K extends string>(into: Partial<Record<K, number[]>>, more: Partial<Record<K, number[]>>): void {
  for (const key of Object.keys(more) as K[]) into[key] = [...(into[key] ?? []), ...(more[key] ?? [])];
}
