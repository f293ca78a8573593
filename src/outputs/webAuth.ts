// Basic authentication against exporter-toolkit's bcrypt hashes. bcrypt is
// slow on purpose, and in pure JavaScript under the units' --jitless it
// takes over a second at cost 10, so it is a CPU lever for anyone who can
// reach the port. Three rules keep the people who have the password in:
// - bcrypt never runs on the event loop: two worker threads do it, so a
//   cached scrape is answered at once whatever the attackers do;
// - an unknown user costs no bcrypt: the answer comes after the time a
//   verification takes, from a timer;
// - a client (an address) whose password was wrong lately waits behind
//   those whose was not, and may use one worker only: the other is kept for
//   clients with no failure, such as a scraper after a restart or a rotation.
import { createHash } from 'node:crypto';
import type { Worker } from 'node:worker_threads';

export type AuthResult = 'ok' | 'denied' | 'busy';

/** Successful (user, hash, password) triples remembered, oldest dropped first. */
const CACHE_SIZE = 64;
/** Verifications waiting in all; past it the newest suspect's attempt is answered 429. */
const MAX_WAITING = 64;
/** A client whose password was wrong waits behind the others for this long. */
const SUSPECT_MS = 5 * 60_000;
/** Clients remembered as suspects at most (the oldest forgotten first): the map cannot grow with an attacker's addresses. */
const MAX_SUSPECTS = 10_000;
/** Before any verification was timed: what an unknown user's answer waits. */
const FIRST_GUESS_MS = 100;

export interface Authenticator {
  /** `client` groups attempts for fairness: the remote address. `abandoned` drops a waiting attempt (its connection closed). */
  check(header: string | undefined, client: string, abandoned?: AbortSignal): Promise<AuthResult>;
  close(): void;
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

interface Job {
  password: string;
  hash: string;
  client: string;
  resolve(result: AuthResult): void;
}

/** A bcrypt verifier on a thread of its own; bcryptjs is pure JavaScript, so it runs there as it is. */
function startLane(): { worker: Worker; busy: boolean } {
  const { Worker: W } = require('node:worker_threads') as typeof import('node:worker_threads');
  const code = `const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData);
parentPort.on('message', (m) => {
  let ok = false;
  try { ok = bcrypt.compareSync(m.password, m.hash); } catch {}
  parentPort.postMessage(ok);
});`;
  const worker = new W(code, { eval: true, workerData: require.resolve('bcryptjs') });
  worker.unref();
  return { worker, busy: false };
}

export function createAuthenticator(users: () => ReadonlyMap<string, string>, now: () => number = Date.now): Authenticator {
  const cache = new Set<string>();
  const suspects = new Map<string, number>();
  const waiting: Job[] = [];
  let lanes: { worker: Worker; busy: boolean }[] | undefined;
  const running = new Set<Job>();
  let typicalMs = FIRST_GUESS_MS;

  const suspect = (client: string): boolean => {
    const until = suspects.get(client);
    if (until === undefined) return false;
    if (until > now()) return true;
    suspects.delete(client);
    return false;
  };

  const pump = (): void => {
    lanes ??= [startLane(), startLane()];
    for (const [i, lane] of lanes.entries()) {
      if (lane.busy || waiting.length === 0) continue;
      // Clients with no recent failure first, oldest first; lane 0 takes nobody else.
      let at = waiting.findIndex((j) => !suspect(j.client));
      if (at < 0 && i > 0) at = 0;
      if (at < 0) continue;
      const [job] = waiting.splice(at, 1);
      running.add(job);
      lane.busy = true;
      const started = now();
      lane.worker.once('message', (match: boolean) => {
        running.delete(job);
        lane.busy = false;
        typicalMs = Math.max(1, Math.round(0.8 * typicalMs + 0.2 * (now() - started)));
        if (!match) {
          suspects.delete(job.client);
          suspects.set(job.client, now() + SUSPECT_MS);
          if (suspects.size > MAX_SUSPECTS) suspects.delete(suspects.keys().next().value as string);
        }
        job.resolve(match ? 'ok' : 'denied');
        pump();
      });
      lane.worker.postMessage({ password: job.password, hash: job.hash });
    }
  };

  return {
    async check(header, client, abandoned) {
      const creds = parseBasic(header);
      if (!creds) return 'denied';
      const hash = users().get(creds.user);
      if (hash === undefined) {
        // No bcrypt for a user nobody has: the same wait, from a timer.
        await new Promise((resolve) => setTimeout(resolve, typicalMs).unref());
        return 'denied';
      }
      // The key holds no password: a digest of the three, so memory shows none of them.
      const key = createHash('sha256').update(`${creds.user}\0${hash}\0${creds.password}`).digest('base64');
      if (cache.has(key)) return 'ok';
      if (waiting.length >= MAX_WAITING) {
        // Full: a suspect newcomer is refused; anyone else takes the place of the newest suspect's attempt.
        let last = waiting.length - 1;
        while (last >= 0 && !suspect(waiting[last].client)) last--;
        if (suspect(client) || last < 0) return 'busy';
        waiting.splice(last, 1)[0].resolve('busy');
      }
      const result = await new Promise<AuthResult>((resolve) => {
        const job: Job = { password: creds.password, hash, client, resolve };
        waiting.push(job);
        abandoned?.addEventListener('abort', () => {
          const at = waiting.indexOf(job);
          if (at >= 0) waiting.splice(at, 1)[0].resolve('denied');
        });
        pump();
      });
      if (result !== 'ok') return result;
      cache.add(key);
      if (cache.size > CACHE_SIZE) cache.delete(cache.values().next().value as string);
      return 'ok';
    },
    close() {
      for (const lane of lanes ?? []) void lane.worker.terminate();
      lanes = undefined;
      for (const job of [...waiting.splice(0), ...running]) job.resolve('denied');
      running.clear();
    },
  };
}
