// npm run bench [-- section ...]: sections matmul, forward, load; all by default.
import { benchForward } from './forward.js';
import { benchLoad } from './load.js';
import { benchMatmul } from './matmul.js';

const sections: Record<string, () => Promise<void> | void> = {
  matmul: benchMatmul,
  forward: () => benchForward(),
  load: benchLoad,
};

const wanted = process.argv.slice(2).filter((a) => a in sections);
for (const name of wanted.length ? wanted : Object.keys(sections)) await sections[name]();
