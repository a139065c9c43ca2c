// The child's side of bench/child-process.ts: the parent hands a JSON task in an environment variable, the
// child prints its JSON result on one `@@` line. No imports, so that bundled children hold nothing more.

/** Environment variable holding the task. */
export const TASK_ENV = 'DEBERTA_BENCH_CHILD_TASK';
/** Prefix of the result line on stdout. */
export const RESULT_PREFIX = '@@';

/** The task a child entry was given; throws when the file was not started by `runChild`. */
export function childTask<T>(): T {
  const raw = process.env[TASK_ENV];
  if (raw === undefined) throw new Error(`${process.argv[1] ?? 'this file'}: a benchmark child; run it through npm run bench`);
  return JSON.parse(raw) as T;
}

/** Sends the child's result to the parent (the last `@@` line wins). */
export function reportToParent(result: unknown): void {
  console.log(RESULT_PREFIX + JSON.stringify(result));
}
