// Shared helpers of the loading tests: fixture paths, in-memory sources, tiny file writers, a local HTTP server.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FileSource } from '../../src/io/file-source.js';
import type { Tensor, TensorMap } from '../../src/tensor/tensor.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
export const IO_FIXTURES = join(FIXTURES, 'io');
export const modelDir = (name: string): string => join(FIXTURES, 'models', name);
export const readBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
export const readJsonFile = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/**
 * A FileSource over in-memory files, for parser tests that need no disk or network; with `ranges`, it also
 * offers random access (as local folders do), counting the bytes read in `source.bytesRead`.
 */
export function memorySource(files: Record<string, Uint8Array | string>, name = 'mem', { ranges = false } = {}): FileSource & { bytesRead: number } {
  const bytesOf = (file: string): Uint8Array | null => {
    const f = files[file];
    if (f === undefined) return null;
    return typeof f === 'string' ? new TextEncoder().encode(f) : f;
  };
  const source: FileSource & { bytesRead: number } = {
    name,
    bytesRead: 0,
    async read(file) {
      return bytesOf(file);
    },
  };
  if (ranges) {
    source.ranges = async (file) => {
      const bytes = bytesOf(file);
      if (bytes === null) return null;
      return {
        size: bytes.length,
        read(position, length) {
          if (position < 0 || position + length > bytes.length) throw new RangeError(`${file}: [${position}, ${position + length}) outside ${bytes.length} bytes`);
          source.bytesRead += length;
          return bytes.slice(position, position + length);
        },
      };
    };
  }
  return source;
}

/** Asserts two tensor maps hold the same names, shapes and bit-identical values. */
export function expectSameTensors(actual: TensorMap, expected: TensorMap): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, want] of expected) {
    const got = actual.get(name) as Tensor;
    expect(got.shape, name).toEqual(want.shape);
    expect(sameFloats(got.data, want.data), name).toBe(true);
  }
}

function sameFloats(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Writes a safetensors file from float32 tensors (or raw entries for malformed-file tests). */
export function writeSafetensors(tensors: TensorMap, header: Record<string, unknown> = {}): Uint8Array {
  const entries: Record<string, unknown> = { ...header };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    entries[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + raw.length] };
    blobs.push(raw);
    offset += raw.length;
  }
  return safetensorsFromHeader(entries, blobs);
}

/** A safetensors file with the given header object and data section. */
export function safetensorsFromHeader(header: Record<string, unknown>, data: Uint8Array[] = []): Uint8Array {
  // Padded with spaces so that the data starts 8-byte aligned, as the reference writer does.
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  head.set(json);
  const size = data.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(8 + head.length + size);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const d of data) {
    out.set(d, at);
    at += d.length;
  }
  return out;
}

/** One zip entry; `method` other than 0 only sets the header field (for the "compressed entry" error). */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
  method?: number;
}

/** A minimal zip writer (stored entries, 64-byte aligned data like torch.save, no CRCs). */
export function writeZip(entries: ZipEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const pad = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
    const local = new Uint8Array(30 + name.length + 4 + pad);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, e.method ?? 0, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, 4 + pad, true);
    local.set(name, 30);
    lv.setUint16(30 + name.length, 0x4246, true); // torch's "FB" padding field
    lv.setUint16(32 + name.length, pad, true);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, e.method ?? 0, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    central.push(cd);
    parts.push(local, e.data);
    offset += local.length + e.data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, eocd]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** How the test server answers one request. */
export interface Reply {
  status?: number;
  body?: Uint8Array;
  /** Omit content-length (chunked transfer). */
  chunked?: boolean;
  /** Send the body in pieces of this size with a pause between them. */
  slow?: { chunk: number; delayMs: number };
}

/** A local HTTP server on 127.0.0.1 with a random port; `route` maps a raw URL path to a reply. */
export async function startServer(route: (path: string, req: IncomingMessage) => Reply): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Raw (still percent-encoded) so that routes can tell an encoded slash from a separator.
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const reply = route(path, req);
    const body = reply.body ?? new Uint8Array(0);
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
    if (!reply.chunked) headers['content-length'] = body.length;
    res.writeHead(reply.status ?? 200, headers);
    if (reply.slow === undefined) {
      res.end(body);
      return;
    }
    const { chunk, delayMs } = reply.slow;
    let at = 0;
    const pump = (): void => {
      if (res.destroyed) return;
      if (at >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(at, at + chunk));
      at += chunk;
      setTimeout(pump, delayMs);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves a file from a folder, or 404. */
export function fileReply(dir: string, file: string): Reply {
  try {
    return { body: readBytes(join(dir, file)) };
  } catch {
    return { status: 404, body: new TextEncoder().encode('Entry not found') };
  }
}

export { rng } from '../helpers/random.js';
