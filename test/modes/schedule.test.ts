// `schedule` end to end, as a subprocess with a seconds-field cron.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { astrosBody, type FakeApi } from '../support/fakeOpenNotify';
import { parse, ROOT, runCli, startCli, strayFiles, tempDir, valueOf, type RunningCli, useFakeApi } from '../support/helpers';
import { waitFor } from '../support/peers';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

const EVERY_SECOND = '* * * * * *';

function stopAfterTest(t: { after(fn: () => unknown): void }, cli: RunningCli): void {
  t.after(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
}

describe('schedule', () => {
  it('runs every tick, the file valid after each run; SIGTERM exits 0 promptly', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    const cli = startCli(['schedule', '--api-url', api.url, '-o', out, '--cron', EVERY_SECOND], { killAfterMs: 20_000 });
    stopAfterTest(t, cli);
    const seen = new Map<number, number>();
    const deadline = Date.now() + 6000;
    for (let i = 0; i < 200 && Date.now() < deadline && seen.size < 4; i++) {
      if (existsSync(out)) {
        const s = parse(readFileSync(out, 'utf8')); // throws on a partial file
        const runs = valueOf(s, 'open_notify_runs_total')!;
        seen.set(runs, valueOf(s, 'open_notify_up', { endpoint: 'astros' })!);
      }
      await sleep(50);
    }
    assert.ok(seen.size >= 3, `saw runs ${[...seen.keys()].join(', ')}`);
    for (const [runs, up] of seen) assert.equal(up, 1, `run ${runs}`);
    const sent = performance.now();
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(performance.now() - sent < 3000, 'exits within 3 s of SIGTERM');
    assert.equal(r.stdout, '', 'nothing on stdout, node-cron included');
    assert.match(r.stderr, /msg="scheduler started" cron="\* \* \* \* \* \*" .* version=0\.1\.0/);
    assert.match(r.stderr, /msg=stopped signal=SIGTERM/);
    const runLines = r.stderr.split('\n').filter((l) => l.includes('msg="run finished"'));
    assert.ok(runLines.length >= 3);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), runLines.length, 'one log line per run');
    assert.deepEqual(strayFiles(dir, ['open_notify.prom']), []);
  });

  it("starts under the scheduler unit's NODE_OPTIONS on this Node.js (CI runs it on the documented minimum too)", async (t) => {
    const unit = readFileSync(join(ROOT, 'systemd', 'open-notify-exporter-scheduler.service'), 'utf8');
    const options = /^Environment="NODE_OPTIONS=([^"]*)"$/m.exec(unit)?.[1];
    assert.ok(options, 'the unit sets NODE_OPTIONS');
    const out = join(tempDir(t), 'open_notify.prom');
    const cli = startCli(['schedule', '--api-url', api.url, '-o', out, '--cron', EVERY_SECOND], { env: { NODE_OPTIONS: options }, killAfterMs: 20_000 });
    stopAfterTest(t, cli);
    await waitFor('a run', () => (cli.stderr().includes('msg="run finished"') ? true : undefined), 10_000).catch(() => undefined);
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0, `${process.version}: ${r.stderr}`);
    assert.match(r.stderr, /msg="run finished"/);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_up', { endpoint: 'astros' }), 1);
  });

  it('two schedules writing one file: another writer is said, once per process, naming the path; README says one writer per file', async (t) => {
    const out = join(tempDir(t), 'open_notify.prom');
    const start = () => startCli(['schedule', '--api-url', api.url, '-o', out, '--cron', EVERY_SECOND], { killAfterMs: 20_000 });
    const a = start();
    const b = start();
    stopAfterTest(t, a);
    stopAfterTest(t, b);
    const said = (c: RunningCli) => c.stderr().split('\n').filter((l) => l.includes('was replaced by another writer since this process last wrote it')).length;
    // The one whose file the other replaced says so; when their writes interleave, the one that always writes last
    // never finds its file replaced (the other's lasts microseconds), and its counters are the file's.
    await waitFor('a writer to notice', () => (said(a) + said(b) > 0 ? true : undefined), 10_000).catch(() => undefined);
    await sleep(3000);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([a.result, b.result]);
    assert.ok(said(a) + said(b) >= 1, a.stderr() + b.stderr());
    assert.ok(said(a) <= 1 && said(b) <= 1, 'once per process');
    assert.ok(`${a.stderr()}${b.stderr()}`.includes(`${out} was replaced by another writer`));
    assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /one writer per file/i);
  });

  it('continues the counters of the file it starts with', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    for (let i = 0; i < 2; i++) assert.equal((await runCli(['--api-url', api.url, '-o', out])).code, 0);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), 2);
    const cli = startCli(['schedule', '--api-url', api.url, '-o', out, '--cron', '0 0 1 1 *']);
    stopAfterTest(t, cli);
    await waitFor('the run at start', () => (cli.stderr().includes('msg="run finished"') ? true : undefined), 10_000);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    assert.equal(r.code, 0);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), 3);
  });

  it('skips and counts a tick while a slow run is in flight; SIGTERM aborts that run and keeps the last complete file', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    api.set('/astros.json', { kind: 'delay', ms: 2500, then: { kind: 'json', body: astrosBody() } });
    const cli = startCli(['schedule', '--api-url', api.url, '-o', out, '--cron', EVERY_SECOND, '--timeout', '10s'], { killAfterMs: 20_000 });
    stopAfterTest(t, cli);
    // Run 1 takes 2.5 s; the ticks during it are skipped; run 2 writes those skips.
    const finished = () => cli.stderr().split('\n').filter((l) => l.includes('msg="run finished"')).length;
    await waitFor('a second run after skipped ticks', () => (finished() >= 2 ? true : undefined), 15_000);
    // Run 3 starts at the next whole second and takes 2.5 s: SIGTERM lands while it is in flight.
    await sleep(1200);
    const last = readFileSync(out, 'utf8');
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /msg="stopping: aborted the run in flight; [^"]*" astros="error: aborted: stopping" iss_now=ok/);
    assert.equal(readFileSync(out, 'utf8'), last, 'the aborted run wrote nothing');
    const s = parse(last);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'astros' }), 1);
    const skips = r.stderr.split('\n').filter((l) => l.includes('skipped a run')).length;
    const runs = r.stderr.split('\n').filter((l) => l.includes('msg="run finished"')).length;
    // A skip is written by the next run, so the last skips may not be in the file yet.
    assert.ok(valueOf(s, 'open_notify_skipped_runs_total')! >= 1);
    assert.ok(valueOf(s, 'open_notify_skipped_runs_total')! <= skips);
    assert.equal(valueOf(s, 'open_notify_runs_total'), runs);
  });

  it('two signals at once: exit 0, the previous file whole', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'o.prom');
    writeFileSync(out, '# previous\nopen_notify_runs_total 7\n');
    api.set('/astros.json', { kind: 'hang' });
    const cli = startCli(['schedule', '--api-url', api.url, '-o', out, '--timeout', '30s'], { killAfterMs: 20_000 });
    stopAfterTest(t, cli);
    await waitFor('the scheduler to start', () => (cli.stderr().includes('scheduler started') ? true : undefined), 10_000);
    await sleep(300);
    const sent = performance.now();
    cli.child.kill('SIGTERM');
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(performance.now() - sent < 2000, 'the stop does not wait for the 30 s timeout');
    assert.equal(readFileSync(out, 'utf8'), '# previous\nopen_notify_runs_total 7\n');
    assert.deepEqual(strayFiles(dir, ['o.prom']), []);
  });

  it('SIGHUP is logged and the schedule goes on', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    const cli = startCli(['schedule', '--api-url', api.url, '-o', out, '--cron', '0 0 1 1 *']);
    stopAfterTest(t, cli);
    await waitFor('the run at start', () => (cli.stderr().includes('msg="run finished"') ? true : undefined), 10_000);
    cli.child.kill('SIGHUP');
    await waitFor('the line', () => (/msg="received SIGHUP: nothing to reload \(the settings are flags and environment\); going on"/.test(cli.stderr()) ? true : undefined), 5000);
    await sleep(300);
    assert.equal(cli.child.exitCode, null, 'still running');
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.signal, null, 'not killed by the signal');
    assert.match(r.stderr, /msg=stopped signal=SIGTERM/);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), 1);
  });

  it('--no-run-on-start waits for the first tick', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    const cli = startCli(['schedule', '--api-url', api.url, '-o', out, '--cron', '0 0 1 1 *', '--no-run-on-start']);
    stopAfterTest(t, cli);
    await waitFor('the scheduler to start', () => (cli.stderr().includes('scheduler started') ? true : undefined), 10_000);
    await sleep(1000);
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0);
    assert.ok(!existsSync(out), 'no run happened');
    assert.match(r.stderr, /run_on_start=false/);
  });

  const bad: [string[], RegExp][] = [
    [['--cron', '61 * * * *'], /option '--cron <expr>' argument '61 \* \* \* \*' is invalid\. invalid cron expression "61 \* \* \* \*" \(minute: 61 is out of range\)/],
    [['--cron', '5-1 * * * *'], /invalid cron expression "5-1 \* \* \* \*" \(minute: the range 5-1 is reversed\)/],
    [['--cron', '0 0 30-2 * * *'], /\(hour: the range 30-2 is reversed\)/],
    [['-o', 'a\u0001.prom'], /option '-o, --output <file>' argument 'a\\u0001\.prom' is invalid\. it has a control character/],
    [['--cron', 'every minute'], /invalid cron expression "every minute"/],
    [['--timezone', 'Mars/Olympus_Mons'], /unknown time zone "Mars\/Olympus_Mons"/],
    [['-o', '-'], /option '--output <file>' argument '-' is invalid\. the scheduler writes a file/],
  ];
  for (const [args, re] of bad) {
    it(`${args.join(' ')}: exit 2 with one line`, async (t) => {
      const dir = tempDir(t);
      const r = await runCli(['schedule', '--api-url', api.url, ...args], { cwd: dir, env: { OPEN_NOTIFY_CRON: undefined } });
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
      assert.deepEqual(strayFiles(dir, []), []);
    });
  }

  it("the next run's time is logged at start ('0 0 29 2 1': both day fields must match, next in 2044); an unknown zone in TZ is a warning, as an unknown --timezone is an error", async (t) => {
    const out = join(tempDir(t), 'o.prom');
    const cli = startCli(['schedule', '--api-url', api.url, '-o', out, '--cron', '0 0 29 2 1', '--no-run-on-start'], { env: { TZ: 'Bogus/Zone' }, killAfterMs: 20_000 });
    stopAfterTest(t, cli);
    await waitFor('the line', () => (cli.stderr().includes('next scheduled run') ? true : undefined), 10_000).catch(() => undefined);
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.match(r.stderr, /level=info msg="next scheduled run" at=2044-02-29T00:00:00\.000Z/);
    assert.match(r.stderr, /level=warn msg="TZ=Bogus\/Zone is not a time zone Node\.js knows: the schedule runs in UTC"/);
  });

  it('OPEN_NOTIFY_OUTPUT with a control character is exit 2, nothing written', async (t) => {
    const dir = tempDir(t);
    const r = await runCli(['--api-url', api.url], { cwd: dir, env: { OPEN_NOTIFY_OUTPUT: '\u0001.prom' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /it has a control character/);
    assert.deepEqual(strayFiles(dir, []), []);
  });

  it('OPEN_NOTIFY_CRON sets the schedule', async () => {
    const r = await runCli(['schedule'], { env: { OPEN_NOTIFY_CRON: 'nope' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /value 'nope' from env 'OPEN_NOTIFY_CRON' is invalid/);
  });
});
