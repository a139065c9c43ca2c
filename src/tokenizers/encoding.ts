/** One encoded sequence (or pair) before batching: parallel arrays, one entry per token. */
export interface Encoding {
  ids: number[];
  typeIds: number[];
  /** 1 for tokens added by post-processing ([CLS], [SEP]), 0 otherwise. */
  specialMask: number[];
  /** [start, end) UTF-16 offsets into the text each token came from; [0, 0] for added special tokens. */
  starts: number[];
  ends: number[];
}
