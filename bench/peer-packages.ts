// ONNX Runtime is a peer we measure against, not a dependency: contributors who never run the peers benchmark
// never download it. The first `npm run bench -- peers` installs it into a cache folder inside node_modules,
// from the npm registry only (`--onnxruntime-node-install=skip` stops onnxruntime-node's install script from
// fetching GPU provider files from elsewhere; its CPU binaries ship in the npm package).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The peer packages and the versions the README's figures were measured with. */
export const PEERS = { 'onnxruntime-node': '1.30.0', 'onnxruntime-web': '1.30.0' } as const;
export type PeerName = keyof typeof PEERS;

const CACHE = fileURLToPath(new URL('../node_modules/.cache/deberta-bench-peers/', import.meta.url));

/** Installs the peers into the cache folder unless they are there already. */
export function installPeers(): void {
  const missing = (Object.keys(PEERS) as PeerName[]).filter((name) => !existsSync(join(CACHE, 'node_modules', name, 'package.json')));
  if (missing.length === 0) return;
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, 'package.json'), JSON.stringify({ name: 'deberta-bench-peers', private: true }));
  console.log(`installing ${missing.join(', ')} into ${CACHE} (once, for the peers benchmark) ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const specs = missing.map((name) => `${name}@${PEERS[name]}`);
  const r = spawnSync(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--onnxruntime-node-install=skip', ...specs], {
    cwd: CACHE,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (r.status !== 0) throw new Error(`npm install ${specs.join(' ')} failed in ${CACHE}`);
}

/** Imports a peer from the cache folder. */
export async function importPeer<T>(name: PeerName): Promise<T> {
  const require = createRequire(join(CACHE, 'package.json'));
  return (await import(pathToFileURL(require.resolve(name)).href)) as T;
}
