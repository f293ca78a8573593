// Basic authentication: what a client with each kind of credentials gets,
// and what bcrypt is asked to do for it (counted through a wrapper around
// the real library): nothing for an unknown user or a cached success, a
// few checks at a time, clients in turn and each one's in the order they
// came, and 429 past the queue.
import { strict as assert } from 'node:assert';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createAuthenticator } from '../../src/outputs/webAuth';

type Bcrypt = { hashSync(p: string | Buffer, cost: number): string; verify(p: Buffer, h: string): Promise<boolean> };
const real = require('@node-rs/bcrypt') as Bcrypt;
const path = require.resolve('@node-rs/bcrypt');
const basic = (user: string, password: string | Buffer) => `Basic ${Buffer.concat([Buffer.from(`${user}:`), Buffer.from(password)]).toString('base64')}`;
const open = () => new AbortController().signal;

/** The passwords bcrypt was asked about, in order; `hold` keeps every check waiting until released. */
let asked: string[] = [];
let held: (() => void)[] = [];
let hold = false;
// In serve the listening socket keeps the process up while an answer waits on a timer; here this does.
let alive: NodeJS.Timeout;
before(() => (alive = setInterval(() => undefined, 1000)));
after(() => clearInterval(alive));
beforeEach(() => {
  asked = [];
  held = [];
  hold = false;
  const wrapper: Bcrypt = {
    ...real,
    async verify(p, h) {
      asked.push(p.toString('latin1'));
      if (hold) await new Promise<void>((r) => held.push(r));
      return real.verify(p, h);
    },
  };
  require.cache[path] = { exports: wrapper } as NodeJS.Module;
});
afterEach(() => {
  delete require.cache[path];
});

const hash = real.hashSync('s3cret', 4);
const users = () => new Map([['prom', hash]]);

describe('createAuthenticator', () => {
  it('the right password gets in; a wrong one, an unknown user and a header that is not Basic do not', async () => {
    const auth = createAuthenticator(users);
    assert.equal(await auth.check(basic('prom', 's3cret'), open()), 'ok');
    assert.equal(await auth.check(basic('prom', 'guess'), open()), 'denied');
    assert.equal(await auth.check(basic('nobody', 's3cret'), open()), 'denied');
    assert.equal(await auth.check('Bearer x', open()), 'denied');
    assert.equal(await auth.check(undefined, open()), 'denied');
  });

  it("an unknown user costs no bcrypt, and a success is checked once, then remembered", async () => {
    const auth = createAuthenticator(users);
    await auth.check(basic('nobody', 'x'), open());
    assert.deepEqual(asked, []);
    for (let i = 0; i < 3; i++) assert.equal(await auth.check(basic('prom', 's3cret'), open()), 'ok');
    assert.deepEqual(asked, ['s3cret']);
  });

  it('64 successes are remembered, the oldest forgotten first: the 65th user pushes the first out of memory', async () => {
    const many = new Map(Array.from({ length: 65 }, (_, i) => [`user${i}`, hash]));
    const auth = createAuthenticator(() => many);
    for (let i = 0; i < 65; i++) assert.equal(await auth.check(basic(`user${i}`, 's3cret'), open()), 'ok');
    asked = [];
    assert.equal(await auth.check(basic('user64', 's3cret'), open()), 'ok');
    assert.equal(await auth.check(basic('user1', 's3cret'), open()), 'ok');
    assert.deepEqual(asked, [], 'the 64 latest are remembered');
    assert.equal(await auth.check(basic('user0', 's3cret'), open()), 'ok');
    assert.deepEqual(asked, ['s3cret'], 'the first was forgotten: checked again');
  });

  it("htpasswd's $2y$ hashes and a password that is not UTF-8 (compared as bytes, as Go does)", async () => {
    const latin1 = Buffer.from([0x70, 0xe9]);
    const auth = createAuthenticator(() => new Map([['a', hash.replace(/^\$2b\$/, '$2y$')], ['b', real.hashSync(latin1, 4)]]));
    assert.equal(await auth.check(basic('a', 's3cret'), open()), 'ok');
    assert.equal(await auth.check(basic('b', latin1), open()), 'ok');
    assert.equal(await auth.check(basic('b', 'p\u00e9'), open()), 'denied', 'the same text in UTF-8 is other bytes');
  });

  it('checks run two at a time in the order they came: a valid login behind 22 guesses is the 23rd checked, not starved', async () => {
    const auth = createAuthenticator(users);
    hold = true;
    const guesses = Array.from({ length: 22 }, (_, i) => auth.check(basic('prom', `guess${i}`), open()));
    const login = auth.check(basic('prom', 's3cret'), open());
    // Let the running checks finish one at a time until the login's has started.
    for (let i = 0; i < 2000 && !asked.includes('s3cret'); i++) {
      await new Promise((r) => setTimeout(r, 1));
      assert.ok(held.length <= 2, `${held.length} checks at once`);
      held.shift()?.();
    }
    hold = false;
    held.forEach((r) => r());
    assert.equal(await login, 'ok');
    for (const g of await Promise.all(guesses)) assert.equal(g, 'denied');
    assert.equal(asked.indexOf('s3cret'), 22);
  });

  it('clients take turns: a login from another address behind 22 guesses from one is the 4th checked, not the 23rd', async () => {
    const auth = createAuthenticator(users);
    hold = true;
    const guesses = Array.from({ length: 22 }, (_, i) => auth.check(basic('prom', `guess${i}`), open(), '127.0.0.2'));
    const login = auth.check(basic('prom', 's3cret'), open(), '127.0.0.1');
    for (let i = 0; i < 2000 && !asked.includes('s3cret'); i++) {
      await new Promise((r) => setTimeout(r, 1));
      held.shift()?.();
    }
    hold = false;
    held.forEach((r) => r());
    assert.equal(await login, 'ok');
    for (const g of await Promise.all(guesses)) assert.equal(g, 'denied');
    // Two guesses were running; the guessers' turn came first, then the login's.
    assert.deepEqual(asked.slice(0, 4), ['guess0', 'guess1', 'guess2', 's3cret']);
  });

  it('never more than two checks at once; past 128 waiting from one client its attempt is answered busy at once, and one whose connection closed is never checked', async () => {
    const auth = createAuthenticator(users);
    hold = true;
    const gone = new AbortController();
    const first = [auth.check(basic('prom', 'a'), open()), auth.check(basic('prom', 'b'), open())];
    const abandoned = auth.check(basic('prom', 'abandoned'), gone.signal);
    const waiting = Array.from({ length: 127 }, (_, i) => auth.check(basic('prom', `w${i}`), open()));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(asked, ['a', 'b'], 'two running, the rest waiting');
    // At once: raced against two seconds, so a queue without its cap fails here rather than waits forever.
    assert.equal(await Promise.race([auth.check(basic('prom', 'one too many'), open()), new Promise((r) => setTimeout(() => r('still waiting after 2 s'), 2000))]), 'busy');
    // Another client's check still waits for its turn: one client's full queue is not everyone's.
    const other = auth.check(basic('prom', 's3cret'), open(), '127.0.0.3');
    await new Promise((r) => setImmediate(r));
    gone.abort();
    hold = false;
    held.forEach((r) => r());
    assert.equal(await other, 'ok');
    assert.equal(await abandoned, 'denied');
    await Promise.all([...first, ...waiting]);
    assert.equal(asked.includes('abandoned'), false);
    assert.equal(asked.length, 130);
    // The first client's turn went to the abandoned check (never run); the next turn was the other client's.
    assert.equal(asked.indexOf('s3cret'), 2);
  });
});
