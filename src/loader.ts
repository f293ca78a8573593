// Loads the one-file bundle (dist/open-notify-exporter.js) with V8's code
// cache. A one-shot run starts every minute on every host: the bundle saves
// it module resolution and loading, the cache compiling (npm run bench: the
// cache -7.8 ms; bundle and cache together -13.5 ms and -4.6 MiB against
// tsc's output). The cache is made at build time (`npm run build`) for the
// Node.js doing the build; under another Node.js (or after a rebuild
// without it) V8 rejects it and the bundle compiles as usual.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type * as Main from './main';

// This file is built to dist/loader.js, beside the bundle.
const BUNDLE = join(__dirname, 'open-notify-exporter.js');
const CACHE = `${BUNDLE.slice(0, -3)}.cache`;

function compile(cachedData?: Buffer): { script: Script; exports: typeof Main } {
  // esbuild writes ASCII only (non-ASCII escaped), so latin1 reads it as is, without decoding UTF-8.
  const source = readFileSync(BUNDLE, 'latin1');
  // The build wraps the bundle in the scope require gives a module (esbuild
  // --banner/--footer, as Module.wrap writes it), so it is compiled as read:
  // wrapping it here copied the whole source once more (npm run bench: with
  // no node:module loaded for Module.wrap, -1.2 ms; with no copy, -0.4 MiB
  // together with the child_process stub).
  const script = new Script(source, { filename: BUNDLE, cachedData });
  const mod = { exports: {} as typeof Main };
  const fn = script.runInThisContext() as (e: object, r: NodeRequire, m: object, f: string, d: string) => void;
  fn.call(mod.exports, mod.exports, require, mod, BUNDLE, dirname(BUNDLE));
  return { script, exports: mod.exports };
}

export function load(): typeof Main {
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(CACHE);
  } catch {
    // No cache (a build without it): compile as usual.
  }
  return compile(cached).exports;
}

/**
 * Makes the cache after representative runs, so it holds the functions a
 * one-shot compiles, not just the top level: one against a canned answer on
 * a loopback port of our own, writing to a temp directory, and one failing.
 * Nothing leaves the host. Not --help: its functions would only make the
 * cache a one-shot loads bigger.
 */
export async function makeCache(): Promise<void> {
  const { mkdtempSync, rmSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const { script, exports } = compile();
  const http = require('node:http') as typeof import('node:http');
  const body: Record<string, string> = {
    '/astros.json': '{"message":"success","number":1,"people":[{"name":"A","craft":"ISS"}]}',
    '/iss-now.json': `{"message":"success","timestamp":${Math.floor(Date.now() / 1000)},"iss_position":{"latitude":"1.5","longitude":"-2.5"}}`,
  };
  const server = http.createServer((req, res) => res.writeHead(200).end(body[req.url ?? ''] ?? '{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'open-notify-exporter-build-'));
  const silent = { stdout: () => undefined, stderr: () => undefined };
  try {
    for (let i = 0; i < 2; i++) await exports.main(['-o', join(dir, 'o.prom'), '--api-url', api, '-q'], silent);
    await exports.main(['-o', '-', '--api-url', 'http://127.0.0.1:1', '--retries', '0', '-q'], silent);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(CACHE, script.createCachedData());
}

/**
 * An error that escaped main(): a bug. Its stack names the bundle's
 * minified positions; they are mapped back to src/*.ts through the source
 * map esbuild writes beside the bundle, read only now, so a normal start
 * pays nothing for it (node --enable-source-maps would parse it at every
 * start).
 */
export function internalError(err: unknown): string {
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  let mapped = stack;
  try {
    const { SourceMap } = require('node:module') as { SourceMap: new (payload: object) => { findEntry(line: number, column: number): { originalSource?: string; originalLine?: number; originalColumn?: number } } };
    const map = new SourceMap(JSON.parse(readFileSync(`${BUNDLE}.map`, 'utf8')) as object);
    const escaped = BUNDLE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    mapped = stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'), (whole, line: string, column: string) => {
      const e = map.findEntry(Number(line) - 1, Number(column) - 1);
      if (!e.originalSource) return whole;
      const source = e.originalSource.replace(/^(\.\.\/)+/, '');
      return `${source}:${(e.originalLine ?? 0) + 1}:${(e.originalColumn ?? 0) + 1}`;
    });
  } catch {
    // No map (a build without one): the stack as it is.
  }
  return `open-notify-exporter: internal error, a bug (exit 70); please report it with this:\n${mapped}\n`;
}
