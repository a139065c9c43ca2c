// The hostile-input catalog: values a careless or malicious caller may pass where the library expects a
// text, an id, a list, an options object or a number. Every public entry point gets each of them in each of
// its argument slots (and each option key), with valid values elsewhere.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { DebertaError } from '../../src/index.js';

function nested(depth: number): unknown {
  let v: unknown = [1];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** [label, value] pairs; labels name the value in failure reports. */
export const HOSTILE: ReadonlyArray<readonly [string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['-1', -1],
  ['0', 0],
  ['-0', -0],
  ['1.5', 1.5],
  ['2^53', 2 ** 53],
  ['1e9', 1e9],
  ['1n', 1n],
  ['true', true],
  ['false', false],
  ['""', ''],
  ['"x"', 'x'],
  ['"1"', '1'],
  ['lone surrogate', '\ud800'],
  ['NUL', '\0'],
  ['[]', []],
  ['[[]]', [[]]],
  // eslint-disable-next-line no-sparse-arrays
  ['sparse', [, 'a']],
  ['[null]', [null]],
  ['[NaN]', [NaN]],
  ['[1n]', [1n]],
  ['[-1]', [-1]],
  ['deep', nested(64)],
  ['length 1e7 hole', new Array(1e7)],
  ['{}', {}],
  ['Object.create(null)', Object.create(null) as unknown],
  ['function', () => 1],
  ['symbol', Symbol('hostile')],
  ['Date', new Date(0)],
  ['Map', new Map([['a', 1]])],
  ['Uint8Array', new Uint8Array([1, 2, 3])],
  ['Float32Array', Float32Array.of(NaN, 1)],
  ['Int32Array', Int32Array.of(1, 2)],
  [
    'toString throws',
    {
      toString() {
        throw new Error('toString must not be called');
      },
    },
  ],
];

/** What one call did: returned, threw a DebertaError, or something a caller cannot handle. */
export type Outcome = 'ok' | 'named error' | { unnamed: string };

/** Runs `call` (sync or async) and classifies the result; a call that does not settle in `ms` is a hang. */
export async function outcome(call: () => unknown, ms = 20_000): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
    });
    await Promise.race([Promise.resolve().then(call), hang]);
    return 'ok';
  } catch (e) {
    if (e instanceof DebertaError) return 'named error';
    return { unnamed: `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `make(value)` for every hostile value and asserts that none failed with anything but a DebertaError
 * (or hung); returns the labels of the values that succeeded, for slots where success itself is wrong.
 */
export async function expectNamedFailures(slot: string, make: (value: unknown) => unknown, values = HOSTILE): Promise<string[]> {
  const bad: string[] = [];
  const ok: string[] = [];
  for (const [label, value] of values) {
    const r = await outcome(() => make(value));
    if (r === 'ok') ok.push(label);
    else if (r !== 'named error') bad.push(`${slot} <- ${label}: ${r.unnamed}`);
  }
  expect(bad, `${slot}: failures that are not DebertaErrors`).toEqual([]);
  return ok;
}

/** The process's open handles (sockets, files, timers, ...) and OS threads, to show nothing is left running. */
export function resources(): { handles: string[]; threads: number } {
  // Linux tells the thread count; elsewhere it reads 0 and is not compared.
  const status = existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '';
  return {
    handles: process.getActiveResourcesInfo().filter((h) => h !== 'TTYWrap').sort(),
    threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}
