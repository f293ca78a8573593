// A connection's bytes to Node's HTTP parser a slice at a time, so that the
// pipelined requests of a connection serve has closed are never parsed.
import type { Socket } from 'node:net';

/** Bytes of a connection handed to Node's HTTP parser at a time: a scrape's request is one piece. */
const PARSE_SLICE_BYTES = 2048;

/**
 * Feeds a connection's bytes to Node's HTTP parser a slice at a time, and
 * stops at once when the connection is closed. Node parses every request in
 * a whole chunk it has read before a handler's close takes effect (npm run
 * bench, flood: the figures are beside its one caller). This relies on how http.Server
 * reads a socket (its one 'data' listener); where that is not what it
 * finds, it leaves the socket as it is and returns false (serve warns once);
 * MAX_QUEUED_RESPONSES still applies. test/outputs/parserFeed.test.ts shows
 * it active on each Node.js line CI runs.
 */
export function parseInSlices(socket: Socket): boolean {
  const listeners = socket.listeners('data');
  if (listeners.length !== 1) return false;
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
  return true;
}
