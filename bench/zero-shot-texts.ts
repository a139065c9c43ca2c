// The zero-shot benchmark's workloads: deterministic English-like texts (seeded sentences from a small
// vocabulary, so token counts are realistic and runs repeat exactly) and candidate labels.

const SUBJECTS = ['the council', 'our team', 'the new model', 'a local startup', 'the hospital', 'investors', 'the coach', 'researchers', 'the city', 'my neighbour'];
const VERBS = ['announced', 'reported', 'expects', 'questioned', 'approved', 'described', 'delayed', 'welcomed', 'reviewed', 'criticised'];
const OBJECTS = ['a plan to expand the service', 'the results of the season', 'higher costs for families', 'a faster way to process claims', 'the long-awaited stadium', 'new rules for online payments', 'a study of sleep and memory', 'the budget for next year', 'an update to the mobile app', 'the merger of two banks'];
const TAILS = ['after months of debate', 'despite strong opposition', 'on Tuesday morning', 'in a short statement', 'to the surprise of many', 'without giving details', 'according to officials', 'for the third time this year'];

/** Candidate labels of the benchmark. */
export const LABELS = ['politics', 'sports', 'technology', 'health', 'finance'];
/** The hypothesis template (the pipeline's default). */
export const TEMPLATE = 'This example is {}.';

/** A text of exactly `words` words, from `seed`. */
export function englishText(words: number, seed: number): string {
  let s = seed >>> 0 || 1;
  const pick = <T>(xs: readonly T[]): T => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return xs[(s >>> 8) % xs.length];
  };
  const out: string[] = [];
  while (out.length < words) {
    const sentence = `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(TAILS)}`.split(' ');
    out.push(...sentence.slice(0, words - out.length));
    out[out.length - 1] += '.';
  }
  const text = out.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1).replace(/\. (\w)/g, (_, c: string) => `. ${c.toUpperCase()}`);
}

/** Eight texts of 12 to 120 words (evenly spread), in shuffled order as a real batch would come. */
export function mixedTexts(): string[] {
  const lengths = [74, 12, 120, 43, 89, 27, 105, 58];
  return lengths.map((n, i) => englishText(n, 101 + i));
}

/** One text of 38 words (the shared bench README's transformers.js anchor uses 38). */
export function singleText(): string {
  return englishText(38, 7);
}

/** The workloads, by name. */
export const WORKLOADS = { mixed: '8 texts (12-120 words) x 5 labels', single: '1 text (38 words) x 5 labels' } as const;
export type Workload = keyof typeof WORKLOADS;

/** Each workload's texts. */
export const WORKLOAD_TEXTS: Record<Workload, string[]> = { mixed: mixedTexts(), single: [singleText()] };
