// Basic authentication's queue: bcrypt off the event loop, no bcrypt for an
// unknown user, the people with the password ahead of the guessers, the
// cache, and the refusals.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { createAuthenticator, type Authenticator } from '../../src/outputs/webAuth';

const bcrypt = require('bcryptjs') as typeof import('bcryptjs');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let slow = '';
let fast = '';
// In serve a listening socket keeps the process up while an answer waits; here this does.
let alive: NodeJS.Timeout;
before(() => {
  alive = setInterval(() => undefined, 1000);
  slow = bcrypt.hashSync('s3cret', 12);
  fast = bcrypt.hashSync('s3cret', 8);
});

describe('createAuthenticator', () => {
  const made: Authenticator[] = [];
  const make = (hash: () => string) => {
    const a = createAuthenticator(() => new Map([['prom', hash()]]));
    made.push(a);
    return a;
  };
  after(() => {
    made.forEach((a) => a.close());
    clearInterval(alive);
  });

  it('a verification never holds up the event loop (before: bcrypt on it, 100 ms at a time)', async () => {
    const auth = make(() => slow);
    let last = performance.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 2);
    const results = await Promise.all([auth.check(basic('prom', 'guess'), 'a'), auth.check(basic('prom', 's3cret'), 'b')]);
    clearInterval(timer);
    worst = Math.max(worst, performance.now() - last);
    assert.deepEqual(results, ['denied', 'ok']);
    assert.ok(worst < 60, `the event loop stalled ${worst.toFixed(1)} ms`);
  });

  it('an unknown user costs no bcrypt: denied after a timer, not after CPU', async () => {
    const auth = make(() => slow);
    await auth.check(basic('prom', 'guess'), 'warm');
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    assert.equal(await auth.check(basic('nobody', 's3cret'), 'x'), 'denied');
    const wall = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    assert.ok(wall > 20, `answered after ${wall.toFixed(0)} ms: as long as a verification`);
    assert.ok(cpuMs < wall / 2, `${cpuMs.toFixed(0)} ms of CPU in ${wall.toFixed(0)} ms`);
  });

  it('a client with no failure is verified before the guesses queued by a client that failed (before: first come, first served)', async () => {
    const auth = make(() => fast);
    const order: string[] = [];
    await auth.check(basic('prom', 'guess'), 'attacker');
    const guesses = Array.from({ length: 12 }, (_, i) => auth.check(basic('prom', `guess${i}`), 'attacker').then((r) => order.push(`guess:${r}`)));
    const scraper = auth.check(basic('prom', 's3cret'), 'scraper').then((r) => order.push(`scraper:${r}`));
    await Promise.all([...guesses, scraper]);
    const at = order.indexOf('scraper:ok');
    assert.ok(at >= 0 && at <= 2, `the scraper came ${at + 1}th of ${order.length}: ${order.join(' ')}`);
  });

  it('a success is cached: the same credentials again cost nothing', async () => {
    const auth = make(() => slow);
    assert.equal(await auth.check(basic('prom', 's3cret'), 'a'), 'ok');
    const t0 = performance.now();
    assert.equal(await auth.check(basic('prom', 's3cret'), 'a'), 'ok');
    assert.ok(performance.now() - t0 < 20);
  });

  it('a waiting attempt whose connection closed is dropped; past 64 waiting a suspect is refused at once (429)', async () => {
    const auth = make(() => slow);
    await auth.check(basic('prom', 'guess'), 'attacker');
    const gone = new AbortController();
    // One being verified, 64 waiting.
    const queued = Array.from({ length: 65 }, (_, i) => auth.check(basic('prom', `g${i}`), 'attacker', i === 64 ? gone.signal : undefined));
    assert.equal(await auth.check(basic('prom', 'one-more'), 'attacker'), 'busy');
    gone.abort();
    assert.equal(await queued[64], 'denied');
    queued.push(auth.check(basic('prom', 'g65'), 'attacker'));
    // A client with no failure still gets a place: it takes the newest suspect's.
    const fresh = auth.check(basic('prom', 's3cret'), 'scraper');
    assert.equal(await Promise.race([queued[65], fresh]), 'busy');
    assert.equal(await fresh, 'ok');
    auth.close();
    await Promise.race([Promise.all(queued), new Promise((r) => setTimeout(r, 100))]);
  });
});
