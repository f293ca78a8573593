// One bounded HTTP GET on node:http/node:https. Node 20's global fetch costs
// ~120 ms and ~40 MiB at first use, which a one-shot run every minute pays
// forever; node:http costs next to nothing.
import type { IncomingMessage, ClientRequest } from 'node:http';
import type { Transform } from 'node:stream';

export interface GetOptions {
  /** Deadline for the whole exchange: connect, headers, redirects and body. */
  timeoutMs: number;
  /** Cap on the body, counted after any content decoding. */
  maxBodyBytes: number;
  maxRedirects: number;
  userAgent: string;
}

export interface GetResult {
  status: number;
  body: Buffer;
  contentType: string;
  /** The URL that answered, after redirects. */
  url: string;
}

/** A failure to get any HTTP answer; `retryable` says whether trying again may help. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function formatBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}MiB`;
  if (n % 1024 === 0) return `${n / 1024}KiB`;
  return `${n} bytes`;
}

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'connection closed by peer',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'temporary DNS failure',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

export function describeNetError(err: NodeJS.ErrnoException): string {
  if (err.code === 'HPE_INVALID_CONSTANT' || err.code?.startsWith('HPE_')) {
    return `malformed HTTP response (${err.code})`;
  }
  if (err.code && NET_REASONS[err.code]) return NET_REASONS[err.code]!;
  if (err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR') return 'corrupt compressed body';
  if (err.message === 'aborted') return 'connection closed before the body was complete';
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

export function httpGet(url: string, opts: GetOptions): Promise<GetResult> {
  return new Promise<GetResult>((resolve, reject) => {
    let settled = false;
    let req: ClientRequest | undefined;
    const timer = setTimeout(() => {
      fail(new FetchError(`no complete response within ${formatMs(opts.timeoutMs)}`, true));
    }, opts.timeoutMs);

    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      reject(err);
    }
    function done(result: GetResult): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    }

    const attempt = (target: string, redirectsLeft: number): void => {
      let parsed: URL;
      try {
        parsed = new URL(target);
      } catch {
        fail(new FetchError(`invalid URL ${JSON.stringify(target)}`, false));
        return;
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        fail(new FetchError(`refusing ${parsed.protocol} URL (only http and https)`, false));
        return;
      }
      // Loaded on demand: the real API is HTTP only, so TLS code is rarely needed.
      const mod: typeof import('node:http') =
        parsed.protocol === 'https:' ? require('node:https') : require('node:http');
      req = mod.request(parsed, {
        method: 'GET',
        agent: false,
        headers: {
          'user-agent': opts.userAgent,
          accept: 'application/json',
          'accept-encoding': 'gzip, deflate',
          connection: 'close',
        },
      });
      req.on('error', (err) => fail(new FetchError(describeNetError(err), true)));
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location !== undefined) {
          res.resume();
          if (redirectsLeft <= 0) {
            fail(new FetchError(`too many redirects (more than ${opts.maxRedirects})`, false));
            return;
          }
          let next: string;
          try {
            next = new URL(res.headers.location, parsed).toString();
          } catch {
            fail(new FetchError(`redirect to an invalid location`, false));
            return;
          }
          req?.destroy();
          attempt(next, redirectsLeft - 1);
          return;
        }
        const declared = Number(res.headers['content-length']);
        const encoding = (res.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
        if (encoding === 'identity' && declared > opts.maxBodyBytes) {
          fail(new FetchError(`body of ${declared} bytes exceeds the ${formatBytes(opts.maxBodyBytes)} cap`, false));
          return;
        }
        let stream: IncomingMessage | Transform = res;
        if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
          const zlib: typeof import('node:zlib') = require('node:zlib');
          const decoder = encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
          res.on('error', (err) => fail(new FetchError(describeNetError(err), true)));
          stream = res.pipe(decoder);
        } else if (encoding !== 'identity') {
          res.resume();
          fail(new FetchError(`unsupported content-encoding ${JSON.stringify(encoding)}`, false));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBodyBytes) {
            // Stop reading at the cap: a hostile server must not grow our memory.
            fail(new FetchError(`body exceeds the ${formatBytes(opts.maxBodyBytes)} cap`, false));
            if (stream !== res) (stream as Transform).destroy();
            return;
          }
          chunks.push(chunk);
        });
        stream.on('error', (err: NodeJS.ErrnoException) => fail(new FetchError(describeNetError(err), true)));
        res.on('aborted', () => fail(new FetchError('connection closed before the body was complete', true)));
        stream.on('end', () => {
          if (!res.complete) {
            fail(new FetchError('connection closed before the body was complete', true));
            return;
          }
          done({
            status,
            body: Buffer.concat(chunks, size),
            contentType: String(res.headers['content-type'] ?? ''),
            url: parsed.toString(),
          });
        });
      });
      req.end();
    };

    attempt(url, opts.maxRedirects);
  });
}
