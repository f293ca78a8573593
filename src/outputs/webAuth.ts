// Basic authentication against exporter-toolkit's bcrypt hashes. bcrypt is
// slow on purpose (cost 10: ~70 ms natively, more in pure JavaScript and
// far more under --jitless), so it is a CPU lever for anyone who can reach
// the port: successes are cached, verifications run one at a time with a
// short queue, and past it an attempt is refused at once without one.
import { createHash } from 'node:crypto';
import { breather } from '../lib/breather';

export type AuthResult = 'ok' | 'denied' | 'busy';

/** Verifications queued behind the one running; more are answered 429 without a bcrypt. */
const MAX_WAITING = 8;
/** Successful (user, hash, password) triples remembered, oldest dropped first. */
const CACHE_SIZE = 64;
/** Compared against for an unknown user, so its answer takes as long as a known one's. */
const DUMMY_HASH = '$2b$10$peD42Tf0YzjkegExzWy8teLw5NhM3dAQxONNr5h4hImPSEciYdVRW';

export interface Authenticator {
  check(header: string | undefined): Promise<AuthResult>;
  /** Verifications refused for want of a place in the queue, since start. */
  readonly refusedBusy: number;
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function createAuthenticator(users: () => ReadonlyMap<string, string>): Authenticator {
  const bcrypt = require('bcryptjs') as typeof import('bcryptjs');
  const cache = new Set<string>();
  let running = false;
  const waiting: (() => void)[] = [];
  let refusedBusy = 0;

  const turn = async (): Promise<boolean> => {
    if (!running) {
      running = true;
      return true;
    }
    if (waiting.length >= MAX_WAITING) return false;
    await new Promise<void>((resolve) => waiting.push(resolve));
    return true;
  };
  const done = () => {
    const next = waiting.shift();
    if (next) next();
    else running = false;
  };

  return {
    get refusedBusy() {
      return refusedBusy;
    },
    async check(header) {
      const creds = parseBasic(header);
      if (!creds) return 'denied';
      const known = users().get(creds.user);
      const hash = known ?? DUMMY_HASH;
      // The key holds no password: a digest of the three, so memory shows none of them.
      const key = createHash('sha256').update(`${creds.user}\0${hash}\0${creds.password}`).digest('base64');
      if (known !== undefined && cache.has(key)) return 'ok';
      if (!(await turn())) {
        refusedBusy += 1;
        return 'busy';
      }
      let match: boolean;
      try {
        // bcryptjs runs its first 100 ms slice inside the call: started from here it would hold up the
        // other requests of this I/O phase (an authorised scrape among them). After a breather it runs
        // alone in the check phase, with the scrapes' I/O served between two verifications.
        await breather();
        match = await bcrypt.compare(creds.password, hash);
      } catch {
        match = false;
      } finally {
        done();
      }
      if (!match || known === undefined) return 'denied';
      cache.add(key);
      if (cache.size > CACHE_SIZE) cache.delete(cache.values().next().value as string);
      return 'ok';
    },
  };
}
