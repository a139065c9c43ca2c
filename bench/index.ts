// npm run bench [-- section ... [--flags]]: sections matmul, forward, peers, tokenizers, load; all by default.
// peers takes --shapes 1x128,8x128,1x512 --threads 1,2 --runs 5.
import { benchForward } from './forward.js';
import { benchLoad } from './load.js';
import { benchMatmul } from './matmul.js';
import { benchPeers } from './peers.js';
import { benchTokenizers } from './tokenizers.js';

const argv = process.argv.slice(2);
const sections: Record<string, () => Promise<void> | void> = {
  matmul: benchMatmul,
  forward: () => benchForward(),
  peers: () => benchPeers(argv),
  tokenizers: benchTokenizers,
  load: benchLoad,
};

const wanted = argv.filter((a) => a in sections);
for (const name of wanted.length ? wanted : Object.keys(sections)) await sections[name]();
