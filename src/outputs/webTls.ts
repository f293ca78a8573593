// TLS for serve's connections whose first bytes are a TLS record: handed to
// a tls.Server that never listens, made with the web config's settings and
// given the new secure context after a reload (a rotated certificate is on
// the next connection). Its sockets are matched to ours by the peer's
// address and port, unique among open connections.
import type { Socket } from 'node:net';
import type { Server, TLSSocket } from 'node:tls';
import { tlsPhrase } from '../lib/tlsErrors';
import type { TlsServer } from './webConfig';

/** Why a TLS connection ended before its first request was served. */
export type HandshakeFailure = 'plain_http' | 'not_tls' | 'client_certificate' | 'tls_error';

export interface TlsHandoff {
  /** The config's TLS now (it changes on a reload); undefined: plain HTTP. */
  tls(): TlsServer | undefined;
  /** Why this client's certificate is refused (client_allowed_sans, RequireAnyClientCert); undefined if it is not. */
  clientRefusal(socket: TLSSocket): string | undefined;
  handshakeMs: number;
  /** The handshake is done: `secure` now carries the HTTP of `raw`. */
  secure(raw: Socket, secure: TLSSocket): void;
  /** The connection ends here (serve has closed it); for the count and the warn line. */
  failed(raw: Socket, reason: HandshakeFailure, why: string): void;
}

/** HTTP to a TLS port: answered as Go's server does, then closed. */
const PLAIN_HTTP = /^[A-Z]{3,10} /;

/** Starts TLS on `raw`, whose first chunk `first` has been read. */
export function tlsHandoff(o: TlsHandoff): (raw: Socket, first: Buffer) => void {
  const peer = (s: Socket): string => `${s.remoteAddress}|${s.remotePort}`;
  const byPeer = new Map<string, Socket>();
  const fail = (raw: Socket, reason: HandshakeFailure, why: string) => {
    o.failed(raw, reason, why);
    raw.destroy();
  };
  let made: { server: Server; from: TlsServer } | undefined;
  const serverFor = (tls: TlsServer): Server => {
    if (made?.from === tls) return made.server;
    if (made) {
      made.server.setSecureContext(tls.context);
      made.from = tls;
      return made.server;
    }
    const { createServer } = require('node:tls') as typeof import('node:tls');
    const server = createServer({ ...tls.context, ...tls.server, handshakeTimeout: o.handshakeMs });
    server.on('secureConnection', (socket: TLSSocket) => {
      const raw = byPeer.get(peer(socket));
      if (!raw) return void socket.destroy();
      const why = o.clientRefusal(socket);
      if (why) fail(raw, 'client_certificate', why);
      else o.secure(raw, socket);
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      const raw = byPeer.get(peer(socket));
      if (raw) fail(raw, /certificate/i.test(err.message) ? 'client_certificate' : 'tls_error', tlsPhrase(err) ?? `${err.code ?? 'error'}: ${err.message}`);
    });
    made = { server, from: tls };
    return server;
  };
  return (raw, first) => {
    const tls = o.tls();
    if (!tls) return;
    if (first[0] !== 0x16) {
      if (!PLAIN_HTTP.test(first.subarray(0, 12).toString('latin1'))) return fail(raw, 'not_tls', 'the client does not speak TLS');
      o.failed(raw, 'plain_http', 'plain HTTP sent to the TLS port');
      raw.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
      return;
    }
    raw.pause();
    raw.unshift(first);
    const key = peer(raw);
    byPeer.set(key, raw);
    raw.once('close', () => byPeer.delete(key));
    serverFor(tls).emit('connection', raw);
  };
}
