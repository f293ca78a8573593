// gzip for serve's cached bodies. A small text is compressed in place
// (~4 ms for the 73 KB page); a large one (the text of 45,000 people is
// 3 MB, ~30 ms) on libuv's thread pool, so the event loop stays free for
// scrapes. Not always the pool: its threads cost serve ~0.8 MiB of RSS
// (npm run bench, daemons) where nothing else starts them.
import type * as Zlib from 'node:zlib';

const IN_PLACE_BELOW = 256 * 1024;

export function gzipText(text: string): Promise<Buffer> {
  const zlib = require('node:zlib') as typeof Zlib;
  if (text.length < IN_PLACE_BELOW) return Promise.resolve(zlib.gzipSync(text));
  return new Promise((resolve, reject) => zlib.gzip(text, (err, out) => (err ? reject(err) : resolve(out))));
}
