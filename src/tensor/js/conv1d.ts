import type { Conv1dArgs } from '../backend.js';

/**
 * 1-D convolution over the sequence axis of a channels-last [length, inChannels] input, as torch's
 * Conv1d(cin, cout, kernel, padding = (kernel - 1) / 2, groups) computes it on the transposed [cin, length]
 * input. weight is [cout, cin / groups, kernel]; out is [length, cout].
 */
export function conv1d({
  x,
  xOffset = 0,
  length,
  inChannels: cin,
  weight,
  bias,
  outChannels: cout,
  kernelSize: kernel,
  groups,
  out,
  outOffset = 0,
}: Conv1dArgs): void {
  const pad = (kernel - 1) >> 1;
  const cinPerGroup = cin / groups;
  const coutPerGroup = cout / groups;
  for (let t = 0; t < length; t++) {
    for (let o = 0; o < cout; o++) {
      const g = Math.floor(o / coutPerGroup);
      let sum = bias === null ? 0 : bias[o];
      for (let kk = 0; kk < kernel; kk++) {
        const s = t + kk - pad;
        if (s < 0 || s >= length) continue;
        const xo = xOffset + s * cin + g * cinPerGroup;
        const wo = (o * cinPerGroup) * kernel + kk;
        for (let c = 0; c < cinPerGroup; c++) sum += x[xo + c] * weight[wo + c * kernel];
      }
      out[outOffset + t * cout + o] = sum;
    }
  }
}
