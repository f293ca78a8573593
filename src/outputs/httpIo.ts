// How bytes move between a socket and HTTP in serve: the request side a
// slice at a time, so a closed connection's pipelined requests are never
// parsed, and the answer side a slice at a time, so a slow reader holds a
// slice, not a copy of the answer.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Bytes of a body handed to a socket at once: a slow reader holds this much of it, not a copy of the whole (a TLS socket encrypts what it is given at once). */
const WRITE_SLICE = 64 * 1024;
/** Bytes of a connection handed to Node's HTTP parser at a time: a scrape's request is one piece. */
const PARSE_SLICE_BYTES = 2048;

/**
 * Feeds a connection's bytes to Node's HTTP parser a slice at a time, and
 * stops at once when the connection is closed. Node parses every request in
 * a chunk it has read (64 KiB: ~1,300 pipelined GETs) before a handler's
 * close takes effect (npm run bench, flood). This relies on how http.Server
 * reads a socket (its one 'data' listener); where that is not what it
 * finds, it leaves the socket as it is and MAX_QUEUED_RESPONSES still applies.
 */
export function parseInSlices(socket: Socket): void {
  const listeners = socket.listeners('data');
  if (listeners.length !== 1) return;
  const parse = listeners[0] as (chunk: Buffer) => void;
  socket.removeListener('data', parse);
  let backlog: Buffer | undefined;
  const feed = (chunk: Buffer): void => {
    for (let i = 0; i < chunk.length; i += PARSE_SLICE_BYTES) {
      if (socket.destroyed) return;
      // Node pauses a connection whose answers are not being read (back-pressure): keep the rest for its resume.
      if (socket.isPaused()) {
        backlog = backlog ? Buffer.concat([backlog, chunk.subarray(i)]) : chunk.subarray(i);
        return;
      }
      parse(chunk.subarray(i, i + PARSE_SLICE_BYTES));
    }
  };
  socket.on('data', feed);
  socket.on('resume', () => {
    const rest = backlog;
    backlog = undefined;
    if (rest) feed(rest);
  });
}

/**
 * Sends a body a slice at a time, each once the socket has taken the last:
 * 256 slow readers of a 3 MB answer hold 64 KiB each, not 3 MB (npm run
 * bench, slow readers). The slices are views of the shared buffers.
 */
export async function sendBody(res: ServerResponse, parts: readonly Buffer[]): Promise<void> {
  for (const part of parts) {
    for (let i = 0; i < part.length; i += WRITE_SLICE) {
      if (res.destroyed) return;
      if (!res.write(part.subarray(i, i + WRITE_SLICE))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
  }
  res.end();
}
