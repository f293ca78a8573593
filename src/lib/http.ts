// One bounded HTTP GET on node:http/node:https: Node 20's global fetch costs
// a one-shot more at first use than the whole run (npm run bench, startup).
import type { IncomingMessage, ClientRequest } from 'node:http';
import type { Readable } from 'node:stream';
import { formatDuration } from './duration';
import { formatBytes } from './format';
import { AttemptError, STOPPED } from './retry';
import { tlsPhrase } from './tlsErrors';

export interface GetOptions {
  /** Deadline for the whole exchange: connect, headers, redirects and body. */
  timeoutMs: number;
  /** Cap on the body, counted after any content decoding. */
  maxBodyBytes: number;
  maxRedirects: number;
  userAgent: string;
  /** Aborts the exchange at once (a stop signal): rejects with STOPPED. */
  signal?: AbortSignal;
  /** For https: whether to verify the server's certificate, and a client certificate to present. */
  tls?: { rejectUnauthorized: boolean; cert?: string; key?: string };
}

export interface RequestOptions extends GetOptions {
  method: 'GET' | 'PUT';
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  /** A body over the cap is cut there and the rest dropped, not an error: where only the status matters. */
  cutAtCap?: boolean;
}

export interface GetResult {
  status: number;
  body: Buffer;
  contentType: string;
  /** The URL that answered, after redirects. */
  url: string;
  /** A redirect's target, when one was not followed. */
  location?: string;
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

/**
 * Certificate failures: trying again will not help. A private CA is added
 * with NODE_EXTRA_CA_CERTS, which Node reads at start.
 */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A failure before any HTTP answer: a one-line reason, and whether another attempt may help. */
function netError(err: NodeJS.ErrnoException): AttemptError {
  if (err.code && TLS_CODES.has(err.code)) {
    return new AttemptError(`TLS certificate not trusted (${err.code}: ${err.message}; a private CA goes in NODE_EXTRA_CA_CERTS)`, false);
  }
  return new AttemptError(describeNetError(err), true);
}

function describeNetError(err: NodeJS.ErrnoException): string {
  if (err.code?.startsWith('HPE_')) return `malformed HTTP response (${err.code})`;
  // Node's ECONNRESET "aborted": the body stopped short, however the connection ended.
  if (err.message === 'aborted') return 'connection closed before the body was complete';
  if (err.code && NET_REASONS[err.code]) return NET_REASONS[err.code];
  const tls = tlsPhrase(err);
  if (tls) return `TLS: ${tls}`;
  if (err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR') return 'corrupt compressed body';
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

export function httpGet(url: string, opts: GetOptions): Promise<GetResult> {
  return httpRequest(url, { ...opts, method: 'GET' });
}

/**
 * One bounded HTTP exchange. Redirects are followed for GET only: a PUT's
 * body is not sent again, so its caller sees the 3xx as it came.
 */
export async function httpRequest(url: string, opts: RequestOptions): Promise<GetResult> {
  if (opts.signal?.aborted) throw new AttemptError(STOPPED, false);
  let req: ClientRequest | undefined;
  let stop: (err: AttemptError) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  const timer = setTimeout(() => stop(new AttemptError(`no complete response within ${formatDuration(opts.timeoutMs)}`, true)), opts.timeoutMs);
  const onAbort = () => stop(new AttemptError(STOPPED, false));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([exchange(url, opts, (r) => (req = r)), stopped]);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    req?.destroy();
  }
}

async function exchange(url: string, opts: RequestOptions, sent: (req: ClientRequest) => void): Promise<GetResult> {
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  let target = url;
  for (let redirects = 0; ; redirects++) {
    let parsed: URL;
    try {
      parsed = new URL(target);
    } catch {
      throw new AttemptError(`invalid URL ${JSON.stringify(target)}`, false);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AttemptError(`refusing ${parsed.protocol} URL (only http and https)`, false);
    // Loaded on demand: the real API is HTTP only, so TLS code is rarely needed.
    const mod = (parsed.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof import('node:http');
    const req = mod.request(parsed, {
      method: opts.method,
      agent: false,
      ...(parsed.protocol === 'https:' ? opts.tls : undefined),
      headers: {
        'user-agent': opts.userAgent,
        accept: opts.accept ?? 'application/json',
        'accept-encoding': 'gzip, deflate',
        connection: 'close',
        ...(body ? { 'content-type': opts.contentType ?? 'application/octet-stream', 'content-length': body.length } : {}),
      },
    });
    sent(req);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on('error', (err) => reject(netError(err)));
      req.on('response', resolve);
      req.end(body);
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (opts.method === 'GET' && status >= 300 && status < 400 && location !== undefined) {
      res.resume();
      if (redirects >= opts.maxRedirects) throw new AttemptError(`too many redirects (more than ${opts.maxRedirects})`, false);
      try {
        target = new URL(location, parsed).toString();
      } catch {
        throw new AttemptError('redirect to an invalid location', false);
      }
      req.destroy();
      continue;
    }
    return { status, body: await readBody(res, opts.maxBodyBytes, opts.cutAtCap === true), contentType: String(res.headers['content-type'] ?? ''), url: parsed.toString(), location };
  }
}

/** The body, decoded, read only up to the cap: a hostile server must not grow our memory. */
async function readBody(res: IncomingMessage, maxBytes: number, cut: boolean): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  const encoding = (res.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' && declared > maxBytes && !cut) throw new AttemptError(`body of ${declared} bytes exceeds the ${formatBytes(maxBytes)} cap`, false);
  let stream: Readable = res;
  if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    const zlib = require('node:zlib') as typeof import('node:zlib');
    const decoder = encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
    res.on('error', (err) => decoder.destroy(err));
    stream = res.pipe(decoder);
  } else if (encoding !== 'identity') {
    res.resume();
    throw new AttemptError(`unsupported content-encoding ${JSON.stringify(encoding)}`, false);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size + chunk.length > maxBytes && cut) {
        chunks.push(chunk.subarray(0, maxBytes - size));
        size = maxBytes;
        break;
      }
      size += chunk.length;
      if (size > maxBytes) throw new AttemptError(`body exceeds the ${formatBytes(maxBytes)} cap`, false);
      chunks.push(chunk);
    }
  } catch (err) {
    throw err instanceof AttemptError ? err : new AttemptError(describeNetError(err as NodeJS.ErrnoException), true);
  }
  return Buffer.concat(chunks, size);
}
