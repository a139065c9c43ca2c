import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.map': 'application/json',
};

/**
 * A static file server on 127.0.0.1 at a random port; `mounts` maps URL prefixes to folders, `pages` paths to
 * HTML. Pages under `/isolated/` are served cross-origin isolated (COOP + COEP), as threaded pages must be; pages
 * under `/csp/` with a strict Content-Security-Policy that does not allow compiling WebAssembly.
 */
export async function startStaticServer(mounts: Record<string, string>, pages: Record<string, string> = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path in pages) {
      const isolation = path.startsWith('/isolated/')
        ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
        : path.startsWith('/csp/')
          ? { 'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'" }
          : {};
      res.writeHead(200, { 'content-type': 'text/html', ...isolation }).end(pages[path]);
      return;
    }
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(normalize(dir))) break;
      let size: number;
      try {
        const s = statSync(file);
        if (!s.isFile()) break;
        size = s.size;
      } catch {
        break;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': size });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
