// npm run bench [-- section ... [--flags]]: sections matmul, forward, peers, tokenizers, load, q8, memory, zero-shot, gc; all by default.
// peers takes --shapes 1x128,8x128,1x512 --threads 1,2 --runs 5; q8 --shapes 1x128,8x128 --threads 1,2 --runs 5 --int8 gather|matmul;
// zero-shot --threads 1,2 --runs 3.
import { benchForward } from './forward.js';
import { benchGc } from './gc.js';
import { benchLoad } from './load.js';
import { benchMatmul } from './matmul.js';
import { benchMemory } from './memory.js';
import { benchPeers } from './peers.js';
import { benchQ8 } from './q8.js';
import { benchTokenizers } from './tokenizers.js';
import { benchZeroShot } from './zero-shot.js';

const argv = process.argv.slice(2);
const sections: Record<string, () => Promise<void> | void> = {
  matmul: benchMatmul,
  forward: () => benchForward(),
  peers: () => benchPeers(argv),
  tokenizers: benchTokenizers,
  load: benchLoad,
  q8: () => benchQ8(argv),
  memory: benchMemory,
  'zero-shot': () => benchZeroShot(argv),
  gc: () => benchGc(argv),
};

const wanted = argv.filter((a) => a in sections);
for (const name of wanted.length ? wanted : Object.keys(sections)) await sections[name]();
