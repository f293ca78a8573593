// Basic authentication against the web config's bcrypt hashes, as
// exporter-toolkit checks them: successes cached, a few checks at a time,
// and an unknown user answered after as long as a check takes, from a
// timer. bcrypt is native (@node-rs/bcrypt), on libuv's thread pool: ~70 ms
// a cost-10 check with or without --jitless, never on the event loop.
import { createHash } from 'node:crypto';

export type AuthResult = 'ok' | 'denied' | 'busy';

/** Checks running at once: half of libuv's four threads, so DNS and file reads still get theirs. */
const AT_ONCE = 2;
/**
 * Checks one client may have waiting; past it its attempt is answered 429,
 * and other clients still take their turns. A flood of 64 connections on one
 * address waits ~2-3 s in it at cost 10. All clients together stay bounded
 * by --max-connections times the answers a connection may leave unread.
 */
const MAX_WAITING = 128;
/** Successful (user, hash, password) digests remembered, oldest dropped first. */
const CACHE_SIZE = 64;

export interface Authenticator {
  /**
   * `abandoned` fires when the connection closes: a check still waiting is
   * dropped. `client` is who asks (an address, an IPv6 /64): clients take
   * turns, each one's checks first come first served.
   */
  check(header: string | undefined, abandoned: AbortSignal, client?: string): Promise<AuthResult>;
}

/** User and password of a Basic header; the password as bytes, compared as bytes (as Go does). */
function parseBasic(header: string | undefined): { user: string; password: Buffer } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const bytes = Buffer.from(m[1], 'base64');
  const colon = bytes.indexOf(0x3a);
  return colon < 0 ? undefined : { user: bytes.subarray(0, colon).toString('utf8'), password: bytes.subarray(colon + 1) };
}

export function createAuthenticator(users: () => ReadonlyMap<string, string>): Authenticator {
  const bcrypt = require('@node-rs/bcrypt') as { verify(password: Buffer, hash: string): Promise<boolean> };
  const cache = new Set<string>();
  /**
   * Waiting checks by client, in turn: a client served goes to the back.
   * Without turns a fresh login from another address waited behind a whole
   * flood: npm run bench, auth, 64 attackers, 3.0 s (2 s budgeted); with
   * them 0.18-0.20 s.
   */
  const waiting = new Map<string, (() => void)[]>();
  let running = 0;
  let typicalMs = 60;

  /** A slot among AT_ONCE, handed straight from the check that ends to the next waiting. */
  const slot = async (client: string): Promise<boolean> => {
    if (running < AT_ONCE) {
      running += 1;
      return true;
    }
    const queue = waiting.get(client) ?? [];
    if (queue.length >= MAX_WAITING) return false;
    if (queue.length === 0) waiting.set(client, queue);
    await new Promise<void>((resolve) => queue.push(resolve));
    return true;
  };
  const release = (): void => {
    const turn = waiting.entries().next().value;
    if (!turn) return void (running -= 1);
    const [client, queue] = turn;
    waiting.delete(client);
    const next = queue.shift()!;
    if (queue.length > 0) waiting.set(client, queue);
    next();
  };

  return {
    async check(header, abandoned, client = '') {
      const creds = parseBasic(header);
      const hash = creds && users().get(creds.user);
      if (!creds || hash === undefined) {
        // No bcrypt for a user nobody has: the same wait, from a timer.
        await new Promise((resolve) => setTimeout(resolve, typicalMs).unref());
        return 'denied';
      }
      // A digest of the three: memory holds no password.
      const key = createHash('sha256').update(`${creds.user}\0${hash}\0`).update(creds.password).digest('base64');
      if (cache.has(key)) return 'ok';
      if (!(await slot(client))) return 'busy';
      if (abandoned.aborted) {
        release();
        return 'denied';
      }
      const started = performance.now();
      let match: boolean;
      try {
        match = await bcrypt.verify(creds.password, hash);
      } finally {
        typicalMs = Math.round(0.8 * typicalMs + 0.2 * (performance.now() - started));
        release();
      }
      if (!match) return 'denied';
      cache.add(key);
      if (cache.size > CACHE_SIZE) cache.delete(cache.values().next().value as string);
      return 'ok';
    },
  };
}
