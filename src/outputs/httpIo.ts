// The answer side of serve a slice at a time, so a slow reader holds a
// slice, not a copy of the answer.
import type { ServerResponse } from 'node:http';

/** Bytes of a body handed to a socket at once: a slow reader holds this much of it, not a copy of the whole (a TLS socket encrypts what it is given at once). */
const WRITE_SLICE = 64 * 1024;

/**
 * Sends a body a slice at a time, each once the socket has taken the last
 * (npm run bench, slowreaders). The slices are views of the shared buffers.
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
